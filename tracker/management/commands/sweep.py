"""Queue again the task queue's work that would otherwise wait for ever (issue 18, the sweeper; tracker/ops/sweep.py):
deliveries and export jobs whose queuing was lost, failed deliveries due another attempt, work whose worker died.

With a broker the beat runs the same every 10 minutes (`tracker.sweep`). On one machine without a broker there is no
beat: run this from cron every 10 minutes (docs/operations.md); each task it queues runs at once, in this process.
Safe at any time, beside the portal and any worker: what is being sent or built is left to whoever has it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tracker.ops.sweep import sweep


class Command(BaseCommand):
    help = (
        "Queue again the deliveries (mail, webhooks) and export jobs that wait for ever: queued for more than 5 "
        "minutes, failed and due another attempt, or left by a worker that died. For cron every 10 minutes where "
        "there is no beat; safe at any time."
    )

    def handle(self, *args, verbosity: int, **options) -> None:
        result = sweep()
        if verbosity >= 1:
            self.stdout.write(result.summary())
