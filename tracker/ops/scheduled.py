"""The nightly backup as the task queue's beat runs it (`tracker.backup`, 02:30): one backup into the backup folder,
then the backups older than the days kept are deleted (the newest is never deleted, however old).

`manage.py portal_backup <folder>` writes one backup on demand through the same `backup_write` (tracker/ops/backup.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from tracker.ops.backup import BackupResult, backup_write

PATTERN = "youthwork-backup-*.tar.gz"


@dataclass
class NightlyResult:
    backup: BackupResult
    deleted: list[Path] = field(default_factory=list)


def backups_prune(*, folder: Path, keep_days: int, keep: Path | None = None) -> list[Path]:
    """Delete the backups in `folder` last written more than `keep_days` days ago, except `keep`; the deleted."""
    limit = (timezone.now() - dt.timedelta(days=keep_days)).timestamp()
    deleted = []
    for path in sorted(folder.glob(PATTERN)):
        if path != keep and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


def nightly_backup(*, folder: Path, keep_days: int) -> NightlyResult:
    """Write tonight's backup into `folder`, then delete those older than `keep_days` days (0: keep every one)."""
    result = backup_write(folder=folder)
    deleted = backups_prune(folder=folder, keep_days=keep_days, keep=result.path) if keep_days > 0 else []
    return NightlyResult(result, deleted)
