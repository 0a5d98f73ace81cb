"""Restore a backup written by `manage.py portal_backup` into an empty, migrated database and its media storage.

    manage.py migrate && manage.py portal_restore /var/backups/youthwork/youthwork-backup-20250101-020000.tar.gz

All or nothing for the records. It refuses a database that already holds records, a database at other
migrations than the backup, and a damaged archive (every file is checked against its SHA-256).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from tracker.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore every record and file of a portal backup (.tar.gz) into an empty, migrated database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The .tar.gz written by portal_backup.")

    def handle(self, *args, archive: Path, **options) -> None:
        if not archive.is_file():
            raise CommandError(f"No such file: {archive}")
        try:
            result = backup_restore(archive_path=archive)
        except BackupError as error:
            raise CommandError(str(error)) from error
        skipped = f", {result.skipped_files} already there" if result.skipped_files else ""
        self.stdout.write(
            f"Restored {result.records} records in {result.models} models and {result.files} files "
            f"({filesizeformat(result.file_bytes)}{skipped})."
        )
