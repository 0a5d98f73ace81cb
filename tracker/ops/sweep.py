"""The sweep (issue 18, the sweeper): queue again the task queue's work whose queuing was lost, so that nothing waits
for ever. Run every 10 minutes by the beat (`tracker.sweep`), and where there is no beat (one machine without a
broker) by `manage.py sweep` from cron and at the start of `manage.py send_reminders`.

What it queues again, each by its own package's rules (the claims there make a second message harmless):
- deliveries (tracker/outbox/services.py `outbox_sweep`): queued for more than 5 minutes, failed with attempts left
  and past their back-off, or sending with a stale claim; after the last attempt a delivery stays failed;
- export jobs (tracker/reporting/exports.py `export_jobs_sweep`): queued for more than 5 minutes, or running with a
  stale heartbeat; a job whose workers died three times is failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.outbox.services import OutboxSweep, outbox_sweep
from tracker.reporting.exports import ExportSweep, export_jobs_sweep


@dataclass(frozen=True)
class Sweep:
    deliveries: OutboxSweep
    exports: ExportSweep

    def counts(self) -> dict[str, int]:
        """The figures of the run: what the task returns, the command prints and the log shows."""
        deliveries, exports = self.deliveries, self.exports
        return {"deliveries_queued": len(deliveries.queued), "deliveries_failed": len(deliveries.failed),
                "deliveries_sending": len(deliveries.sending), "deliveries_given_up": len(deliveries.given_up),
                "exports_queued": len(exports.queued), "exports_running": len(exports.running),
                "exports_given_up": len(exports.given_up),
                "not_queued": deliveries.not_queued + exports.not_queued}

    def summary(self) -> str:
        deliveries, exports = self.deliveries, self.exports
        line = (f"Queued again: {len(deliveries.requeued)} delivery(ies) ({len(deliveries.queued)} waiting, "
                f"{len(deliveries.failed)} failed, {len(deliveries.sending)} abandoned) and {len(exports.requeued)} "
                f"export job(s) ({len(exports.queued)} waiting, {len(exports.running)} abandoned).")
        if deliveries.given_up or exports.given_up:
            line += (f" Given up: {len(deliveries.given_up)} delivery(ies), {len(exports.given_up)} export job(s) "
                     f"(see the log).")
        if deliveries.not_queued or exports.not_queued:
            line += f" The task queue did not take {deliveries.not_queued + exports.not_queued}: see the log."
        return line


def sweep() -> Sweep:
    """Sweep the deliveries, then the export jobs (see the module). Safe at any time, beside any number of workers."""
    return Sweep(outbox_sweep(), export_jobs_sweep())
