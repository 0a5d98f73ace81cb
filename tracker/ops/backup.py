"""Backup and restore of the whole portal: every record and every uploaded file in one .tar.gz.

The records are written with Django's JSON serializer, so a backup does not depend on the database: one made on
SQLite restores on PostgreSQL and the other way round. Every row keeps its id (pages keep their addresses); only
references to content types and permissions, which `migrate` creates afresh with ids of its own, are written as
natural keys. History tables are ordinary models and are included. Files are read from and written to the media
storage (local disk or S3), never from a path on this server.

Archive layout:
    data.json       every record (Django's JSON fixture format, loadable by `loaddata`)
    media/<name>    every file in the media storage, under its stored name
    manifest.json   format, time, database, applied migrations, record count per model, size and SHA-256 per file

For a large PostgreSQL database, pg_dump / pg_restore is faster (docs/deploy.md); this format is the one that is
tested record by record (tests/test_backup.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import os
import posixpath
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings
from django.utils import timezone

FORMAT = 1
# Not backed up: content types and permissions are created by `migrate` (references to them are natural keys);
# sessions and CAS session tickets belong to browsers that a restore signs out anyway.
TRANSIENT = ("contenttypes", "auth.permission", "sessions", "django_cas_ng")
# The models `migrate` itself fills, referred to by natural key instead of id.
NATURAL_KEY_MODELS = (ContentType, Permission)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, and nothing was changed."""


@dataclass
class BackupResult:
    path: Path
    records: dict[str, int]
    files: int
    file_bytes: int
    missing_files: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    records: int
    models: int
    files: int
    file_bytes: int
    skipped_files: int


class _Serializer(JSONSerializer):
    """Django's JSON serializer, with natural keys only for references to content types and permissions, and times
    to the microsecond (Django's JSON encoder cuts them to milliseconds)."""

    def _value_from_field(self, obj: models.Model, field: models.Field):
        value = field.value_from_object(obj)
        if isinstance(value, dt.datetime | dt.time):
            return value.isoformat()
        return super()._value_from_field(obj, field)

    def _natural(self, field: models.Field) -> None:
        self.use_natural_foreign_keys = field.remote_field.model in NATURAL_KEY_MODELS

    def handle_fk_field(self, obj: models.Model, field: models.Field) -> None:
        self._natural(field)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: models.Field) -> None:
        self._natural(field)
        super().handle_m2m_field(obj, field)


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete model whose rows a backup holds, in a stable order (app, then model)."""
    chosen = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label in TRANSIENT or meta.label_lower in TRANSIENT:
            continue
        chosen.append(model)
    return sorted(chosen, key=lambda model: model._meta.label_lower)


def _rows(model: type[models.Model], counter: Counter) -> Iterator[models.Model]:
    """Every row of `model`, by id, with its many-to-many references fetched in bulk; counted as it goes."""
    many = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
    # The base manager: a default manager that hides rows (e.g. only active ones) must not lose them here.
    queryset = model._base_manager.order_by("pk").prefetch_related(*many)
    for row in queryset.iterator(chunk_size=2000):
        counter[model._meta.label_lower] += 1
        yield row


def _applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first, sorted."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local media folder that was never created
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from storage_files(storage, posixpath.join(folder, sub) if folder else sub)


def _referenced_files() -> set[str]:
    """The stored names that current records (not their history) point to."""
    names: set[str] = set()
    for model in backed_up_models():
        if model._meta.label_lower.split(".")[1].startswith("historical"):
            continue
        for file_field in [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]:
            values = model._base_manager.exclude(**{file_field.attname: ""}).values_list(file_field.attname, flat=True)
            names.update(value for value in values if value)
    return names


class _HashingReader(io.RawIOBase):
    """Reads through to `handle`, keeping the SHA-256 and the length of what was read."""

    def __init__(self, handle) -> None:
        self.handle, self.sha256, self.size = handle, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _dump_records(target: Path, alias: str) -> Counter:
    """Write every record to `target` as one JSON fixture, from one consistent view of the database."""
    counter: Counter = Counter()
    connection = connections[alias]
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    if snapshot:
        connection.ensure_connection()
        connection.close_if_health_check_failed()  # its SELECT 1 must not open the transaction
        connection.ensure_connection()
    with transaction.atomic(using=alias), target.open("w", encoding="utf-8") as stream:
        if snapshot:
            # A snapshot: rows committed by others while the dump runs are not half-included. (On SQLite the
            # transaction already holds the write lock from its start: transaction_mode IMMEDIATE.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows = itertools.chain.from_iterable(_rows(model, counter) for model in backed_up_models())
        _Serializer().serialize(rows, stream=stream, ensure_ascii=False)
    return counter


def backup_write(*, folder: Path, storage: Storage | None = None, alias: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write youthwork-backup-<date>-<time>.tar.gz into `folder`: every record and every file of the media storage.

    The archive is written under a temporary name and renamed when complete, readable by its owner only (it holds
    password hashes and personal data).
    """
    storage = storage or default_storage
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = folder / f"youthwork-backup-{stamp}.tar.gz"
    for number in itertools.count(2):
        if not path.exists():
            break
        path = folder / f"youthwork-backup-{stamp}-{number}.tar.gz"
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive, \
                tempfile.TemporaryDirectory() as scratch:
            data = Path(scratch) / "data.json"
            counter = _dump_records(data, alias)
            archive.add(data, arcname="data.json")
            files: dict[str, dict] = {}
            for name in storage_files(storage):
                with storage.open(name, "rb") as handle:
                    info = tarfile.TarInfo(f"media/{name}")
                    info.size, info.mtime, info.mode = storage.size(name), int(timezone.now().timestamp()), 0o600
                    reader = _HashingReader(handle)
                    archive.addfile(info, fileobj=reader)
                files[name] = {"size": reader.size, "sha256": reader.sha256.hexdigest()}
            missing = sorted(_referenced_files() - set(files))
            manifest = {
                "format": FORMAT,
                "created": timezone.now().isoformat(),
                "database": connections[alias].vendor,
                "migrations": _applied_migrations(alias),
                "records": {model._meta.label_lower: counter[model._meta.label_lower] for model in backed_up_models()},
                "files": files,
                "missing_files": missing,
            }
            encoded = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(encoded), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, fileobj=io.BytesIO(encoded))
        partial.rename(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(path=path, records=dict(manifest["records"]), files=len(files),
                        file_bytes=sum(entry["size"] for entry in files.values()), missing_files=missing)


# --- Restore ---------------------------------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, ValueError, AttributeError):
        raise BackupError("This is not a portal backup: it has no readable manifest.json.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not the one this version reads ({FORMAT}).")
    return manifest


def _check_migrations(manifest: dict, alias: str) -> None:
    """The database must be at the schema the backup was made at: the rows are that schema's rows."""
    theirs = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    ours = {(app, name) for app, names in _applied_migrations(alias).items() for name in names}
    if theirs == ours:
        return
    lines = [f"  only in the backup: {app} {name}" for app, name in sorted(theirs - ours)]
    lines += [f"  only in this database: {app} {name}" for app, name in sorted(ours - theirs)]
    raise BackupError(
        "The backup was made at other migrations than this database is at:\n" + "\n".join(lines)
        + "\nRestore with the portal version the backup was made with (or migrate to the backup's migrations with"
        " `manage.py migrate <app> <migration>`), then upgrade as usual."
    )


def _check_empty(alias: str) -> None:
    occupied = [model._meta.label_lower for model in backed_up_models()
                if model._base_manager.using(alias).exists()]
    if occupied:
        raise BackupError(
            "Restore needs an empty database (a new one after `manage.py migrate`). These already hold records: "
            + ", ".join(occupied[:10]) + (" …" if len(occupied) > 10 else "")
        )


def _media_members(archive: tarfile.TarFile, manifest: dict) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    for member in archive.getmembers():
        if not member.name.startswith("media/"):
            continue
        name = member.name[len("media/"):]
        normal = posixpath.normpath(name)
        if not member.isfile() or normal != name or name.startswith(("/", "../")) or name == "..":
            raise BackupError(f"The backup holds an unsafe entry: {member.name!r}.")
        members[name] = member
    if set(members) != set(manifest["files"]):
        raise BackupError("The backup's files do not match its manifest: the archive is damaged.")
    return members


def _digest(handle: IO[bytes]) -> str:
    sha256 = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        sha256.update(chunk)
    return sha256.hexdigest()


def backup_restore(*, archive_path: Path, storage: Storage | None = None,
                   alias: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Bring back every record and every file of a backup into an empty, migrated database and its media storage.

    All or nothing for the records: any failure rolls the database back. Files already in the storage under the
    same name with the same content are left as they are; with other content the restore is refused before
    anything is written.
    """
    storage = storage or default_storage
    try:
        archive = tarfile.open(archive_path, mode="r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Cannot read {archive_path}: {error}") from None
    with archive, tempfile.TemporaryDirectory() as scratch:
        manifest = _read_manifest(archive)
        _check_migrations(manifest, alias)
        _check_empty(alias)
        members = _media_members(archive, manifest)
        to_write: list[str] = []
        for name, member in members.items():
            expected = manifest["files"][name]["sha256"]
            if _digest(archive.extractfile(member)) != expected:
                raise BackupError(f"The backup's copy of {name} is damaged (its SHA-256 does not match).")
            if not storage.exists(name):
                to_write.append(name)
                continue
            with storage.open(name, "rb") as present:
                if _digest(present) != expected:
                    raise BackupError(f"The media storage already has a different {name}: restore into an empty one.")
        data = Path(scratch) / "data.json"  # loaddata reads a named .json file
        try:
            with archive.extractfile("data.json") as source, data.open("wb") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
        except (KeyError, AttributeError):
            raise BackupError("This is not a portal backup: it has no data.json.") from None

        written: list[str] = []
        try:
            # History is restored from the backup, not recorded again: many-to-many rows set while loading would
            # otherwise add a change ("~") to each record's history. (override_settings: a command runs alone.)
            with transaction.atomic(using=alias), override_settings(SIMPLE_HISTORY_ENABLED=False):
                call_command("loaddata", str(data), database=alias, verbosity=0)
                counts = {model._meta.label_lower: model._base_manager.using(alias).count()
                          for model in backed_up_models()}
                if any(counts.get(label) != count for label, count in manifest["records"].items()):
                    raise BackupError("The restored records do not match the backup's manifest: the archive is "
                                      "damaged, or made by another version of the portal.")
                for name in to_write:
                    with archive.extractfile(members[name]) as handle:
                        stored = storage.save(name, File(handle, name=posixpath.basename(name)))
                    written.append(stored)
                    if stored != name:
                        raise BackupError(f"The media storage stored {name} as {stored}.")
        except BaseException:
            for name in written:
                storage.delete(name)
            raise
    return RestoreResult(records=sum(manifest["records"].values()), models=len(manifest["records"]),
                         files=len(members), file_bytes=sum(entry["size"] for entry in manifest["files"].values()),
                         skipped_files=len(members) - len(to_write))
