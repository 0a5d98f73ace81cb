"""Write a backup of the whole portal (every record, every uploaded file) into one .tar.gz in a folder.

    manage.py portal_backup /var/backups/youthwork

Restore it with `manage.py portal_restore <file>` into an empty, migrated database (docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from tracker.ops.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write every record and every uploaded file into youthwork-backup-<date>-<time>.tar.gz in FOLDER."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="Folder to write the backup into (created if missing).")

    def handle(self, *args, folder: Path, verbosity: int, **options) -> None:
        try:
            result = backup_write(folder=folder)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        if verbosity >= 2:
            for label, count in result.records.items():
                self.stdout.write(f"  {label}: {count}")
        for name in result.missing_files:
            self.stderr.write(f"Missing from the media storage (a record points to it): {name}")
        self.stdout.write(
            f"{result.path}: {sum(result.records.values())} records in {len(result.records)} models, "
            f"{result.files} files ({filesizeformat(result.file_bytes)})."
        )
