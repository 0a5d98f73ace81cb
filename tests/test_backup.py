"""Backup and restore: dump, wipe, restore brings back every record (history included) and every file, byte for byte."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from tracker.ops.backup import backed_up_models, storage_files
from tracker.org.models import EvidenceFile, Institution, OrgUnit, Profile
from tracker.plans.models import Task
from tracker.plans.services import task_add_update

from .conftest import make_person
from .factories import (
    PDF_BYTES,
    OrgUnitFactory,
    SpecialityFactory,
    VolunteerFactory,
    fill_assessment,
    pdf_upload,
    start_assessment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """The tests re-create content types with other ids inside their transaction: forget them afterwards."""
    yield
    ContentType.objects.clear_cache()


def build_portal() -> None:
    """The seed plans plus one of everything a person adds: an update with evidence (and its history), a roster
    with specialities, an assessment, a permission, a group, an admin log entry."""
    call_command("seed_plans", stdout=io.StringIO())
    institution = Institution.objects.get(code="cumt")
    staff = make_person("staff", Profile.Role.STAFF, institution)
    task = Task.objects.filter(stage__phase__plan__institution=institution).order_by("pk").first()
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date(2021, 10, 20),
                             note="培训班已举办", status=Task.Status.IN_PROGRESS, progress=40,
                             files=[pdf_upload("培训班通知.pdf")])
    college = OrgUnitFactory(institution=institution, kind=OrgUnit.Kind.COLLEGE, name="机电工程学院")
    volunteer = VolunteerFactory(unit=college)
    volunteer.specialities.set([SpecialityFactory(institution=institution, name=name) for name in ("书法", "党史")])
    fill_assessment(start_assessment(college), full=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_task"))
    Group.objects.get_or_create(name="备份测试组")[0].permissions.add(Permission.objects.get(codename="change_task"))
    LogEntry.objects.log_actions(staff.pk, [task], CHANGE, change_message="备份测试", single_object=True)
    default_storage.save("evidence/orphan/未被引用.bin", io.BytesIO(b"\x00\x01 kept as well"))


def every_row() -> dict[str, list[dict]]:
    """Every backed-up model's rows as dicts (references to content types and permissions by natural key)."""
    return {
        model._meta.label_lower: serializers.serialize(
            "python", model._base_manager.order_by("pk"), use_natural_foreign_keys=True)
        for model in backed_up_models()
    }


def every_file() -> dict[str, bytes]:
    result = {}
    for name in storage_files(default_storage):
        with default_storage.open(name, "rb") as handle:
            result[name] = handle.read()
    return result


def flush() -> None:
    # PostgreSQL refuses TRUNCATE while the test's transaction has foreign-key checks pending: run them first.
    connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)


def wipe(settings) -> None:
    """An empty database at the same migrations, whose content types and permissions got other ids, and no media."""
    flush()
    ContentType.objects.all().delete()
    ContentType.objects.clear_cache()
    ContentType.objects.create(app_label="zz_backup_test", model="shifts_the_ids")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def test_backup_wipe_restore_brings_back_every_record_and_file(settings, tmp_path):
    build_portal()
    before_rows, before_files = every_row(), every_file()
    content_type_ids = dict(ContentType.objects.values_list("model", "pk"))

    out = io.StringIO()
    call_command("portal_backup", str(tmp_path / "backups"), stdout=out)
    archive = next((tmp_path / "backups").glob("youthwork-backup-*.tar.gz"))
    assert str(archive) in out.getvalue() and (archive.stat().st_mode & 0o077) == 0  # owner only
    assert not list((tmp_path / "backups").glob("*.partial"))

    wipe(settings)
    assert not any(rows for rows in every_row().values()) and every_file() == {}
    assert dict(ContentType.objects.values_list("model", "pk"))["task"] != content_type_ids["task"]

    out = io.StringIO()
    call_command("portal_restore", str(archive), stdout=out)
    after_rows, after_files = every_row(), every_file()

    # Compared model by model, row by row (ids included), and file by file, byte for byte.
    assert after_rows.keys() == before_rows.keys()
    for label, rows in before_rows.items():
        assert after_rows[label] == rows, label
    assert after_files == before_files
    evidence = EvidenceFile.objects.get()
    assert after_files[evidence.file.name] == PDF_BYTES

    records = sum(len(rows) for rows in before_rows.values())
    history = [label for label, rows in before_rows.items() if label.split(".")[1].startswith("historical") and rows]
    print(f"restore compared: {records} records in {len(before_rows)} models ({len(history)} history models "
          f"with rows), {len(before_files)} files")
    assert records > 200 and len(history) >= 5 and len(before_files) == 2
    assert f"Restored {records} records" in out.getvalue()
    # The history shown on pages is the restored one, nothing recorded twice; the portal carries on with new ids.
    assert Task.history.count() == len(before_rows["tracker.historicaltask"])
    staff = Profile.objects.get(user__username="staff").user
    task = Task.objects.filter(updates__isnull=False).get()
    update = task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date(2021, 11, 1),
                                      note="恢复后继续记录")
    assert update.pk > max(row["pk"] for row in before_rows["tracker.taskupdate"])


def test_restore_refuses_a_database_that_holds_records(settings, tmp_path):
    build_portal()
    call_command("portal_backup", str(tmp_path), stdout=io.StringIO())
    archive = next(tmp_path.glob("*.tar.gz"))
    before = every_row()
    with pytest.raises(CommandError, match="empty database"):
        call_command("portal_restore", str(archive), stdout=io.StringIO())
    assert every_row() == before


def rewritten(archive: Path, target: Path, change) -> Path:
    """A copy of `archive` with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def test_restore_refuses_damaged_or_foreign_backups_and_changes_nothing(settings, tmp_path):
    build_portal()
    call_command("portal_backup", str(tmp_path), stdout=io.StringIO())
    archive = next(tmp_path.glob("*.tar.gz"))
    wipe(settings)

    def damage_file(name, data):
        return data.replace(b"%PDF", b"%PDX") if name.startswith("media/") else data

    def other_migrations(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["tracker"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    def drop_a_record(name, data):
        return json.dumps(json.loads(data)[1:]).encode() if name == "data.json" else data

    cases = [(damage_file, "damaged"), (other_migrations, "9999_from_the_future"), (drop_a_record, "damaged")]
    for number, (change, message) in enumerate(cases):
        bad = rewritten(archive, tmp_path / f"bad{number}.tar.gz", change)
        with pytest.raises(CommandError, match=message):
            call_command("portal_restore", str(bad), stdout=io.StringIO())
        assert not any(rows for rows in every_row().values()) and every_file() == {}
    (tmp_path / "not-a-backup.tar.gz").write_bytes(b"hello")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("portal_restore", str(tmp_path / "not-a-backup.tar.gz"), stdout=io.StringIO())


def test_backup_and_restore_go_through_the_storage_not_the_file_system(settings, tmp_path):
    """With media on a storage that has no paths (as on S3), files still go into the backup and come back."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    institution = Institution.objects.create(name="测试大学", short_name="测大", code="test")
    staff = make_person("staff", Profile.Role.STAFF, institution)
    default_storage.save("evidence/2021/10/a.pdf", io.BytesIO(PDF_BYTES))
    call_command("portal_backup", str(tmp_path), stdout=io.StringIO())
    archive = next(tmp_path.glob("*.tar.gz"))
    with tarfile.open(archive) as opened:
        assert opened.extractfile("media/evidence/2021/10/a.pdf").read() == PDF_BYTES
    staff.delete()
    institution.delete()
    flush()
    default_storage.delete("evidence/2021/10/a.pdf")
    call_command("portal_restore", str(archive), stdout=io.StringIO())
    assert default_storage.open("evidence/2021/10/a.pdf").read() == PDF_BYTES
    assert Institution.objects.get().code == "test" and Profile.objects.get().user.username == "staff"
    assert not Path(settings.MEDIA_ROOT).exists()
