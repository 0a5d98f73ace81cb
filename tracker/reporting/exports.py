"""Long exports as jobs: the university's whole file (全校资料包), or every university's, as one .zip built by the
task queue (`tracker.build_export`) step by step, with its progress on the job's page.

What the whole file holds, for one institution, each made by the export the portal already has, as the person
who asked may see it:
    工作总览.xlsx                the dashboard's tables (dashboard_xlsx.py)
    推进表/<plan>_<day>.xlsx      each plan's task table (plan_xlsx.py)
    <year>年度工作汇报.docx        the annual report (docx.py)
    优质化建设申报材料.docx         the review file: plan, quotas, self-assessment scores, rectifications (docx.py)
    花名册.xlsx                   the roster (roster/xlsx.py: a leader's without phones)
    工作台账.xlsx                 the activity ledger (work/xlsx.py)
    说明.txt                      what the file is, for whom, as of when
Every university's: one folder per institution holding the same, and 说明.txt at the top.

Running a job is claiming it (queued → running, one conditional UPDATE that also counts the run in `runs`). A
run that finds the job running with a heartbeat younger than `STALE_HEARTBEAT`, done or failed, does nothing: a
task delivered twice (a retry after a timeout, a worker lost and its task given to another) builds the file once.
A job whose worker died is taken up again once its heartbeat is stale, and built from the start; every write of
a run is conditional on its own claim (`runs`), so a run that lost its claim stops and stores nothing.

(issue 18, the sweeper) `export_jobs_sweep` (run every 10 minutes by `tracker.sweep`, and by `manage.py sweep` and
`send_reminders` where there is no beat) queues `tracker.build_export` again for a job still queued
`QUEUED_LOST_AFTER` after it was asked for (its message may never have reached the broker) and for one running with
a stale heartbeat (its worker died); the claim makes a job swept while its first message is on its way built once.
A job whose workers died `MAX_RUNS` times (one that brings its worker down, say) is marked failed instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.models import Institution
from tracker.org.queue import QUEUED_LOST_AFTER, queue_after_commit, queue_each
from tracker.plans.models import Plan
from tracker.reporting import docx as report_docx
from tracker.reporting.dashboard import build_dashboard
from tracker.reporting.dashboard_xlsx import dashboard_workbook
from tracker.reporting.models import ExportJob
from tracker.reporting.plan_xlsx import export_filename, plan_workbook
from tracker.roster import xlsx as roster_xlsx
from tracker.work.xlsx import entries_for_export, ledger_workbook

logger = logging.getLogger(__name__)

Kind = ExportJob.Kind
Status = ExportJob.Status
STALE_HEARTBEAT = dt.timedelta(minutes=10)  # far longer than one step takes
MAX_RUNS = 3  # (issue 18, the sweeper) runs whose worker died, after which a job is failed rather than run again
README = "说明.txt"

# What a run did.
BUILT = "built"
SKIPPED = "skipped"  # done, failed, or running elsewhere with a fresh heartbeat
LOST = "lost"  # another run took the job over (this one's heartbeat had gone stale): it stored nothing
FAILED = "failed"


@dataclass(frozen=True)
class Step:
    """One member of the zip: what the job page says while it is made, its name in the zip, and how to make it."""

    label: str
    path: str
    make: Callable[[], bytes]


# --- What goes in ------------------------------------------------------------------------------------


def institution_steps(institution: Institution, reader, today: dt.date, folder: str = "") -> list[Step]:
    """The whole file of one institution as `reader` may see it; names inside the zip start with `folder`."""
    name = institution.name
    plans = list(Plan.objects.filter(institution=institution).order_by("-issued_on", "id"))
    steps = [Step(_("%(institution)s: dashboard tables") % {"institution": name}, f"{folder}工作总览.xlsx",
                  lambda: dashboard_workbook(build_dashboard(institution)))]
    for plan in plans:
        steps.append(Step(_("%(institution)s: plan table “%(plan)s”") % {"institution": name, "plan": plan.title},
                          f"{folder}推进表/{export_filename(plan, today)}",
                          lambda plan=plan: plan_workbook(plan, today)))
    volunteers = access.volunteers_visible_to(reader).filter(institution=institution)
    entries = access.activities_visible_to(reader).filter(unit__institution=institution)
    steps += [
        Step(_("%(institution)s: annual report") % {"institution": name}, f"{folder}{today.year}年度工作汇报.docx",
             lambda: report_docx.annual_report(institution, today.year, today)),
        Step(_("%(institution)s: review file") % {"institution": name}, f"{folder}优质化建设申报材料.docx",
             lambda: report_docx.review_file(institution, today)),
        Step(_("%(institution)s: roster") % {"institution": name}, f"{folder}花名册.xlsx",
             lambda: roster_xlsx.export_for(reader, volunteers.for_roster().iterator(chunk_size=2000))),
        Step(_("%(institution)s: activity ledger") % {"institution": name}, f"{folder}工作台账.xlsx",
             lambda: ledger_workbook(entries_for_export(entries, access.volunteers_visible_to(reader)))),
    ]
    return steps


def job_institutions(job: ExportJob) -> list[Institution]:
    if job.kind == Kind.INSTITUTION:
        return [job.institution]
    return list(Institution.objects.order_by("code"))


def job_steps(job: ExportJob, today: dt.date) -> list[Step]:
    """Every step of the job, in order."""
    reader = job.requested_by
    if job.kind == Kind.INSTITUTION:
        return institution_steps(job.institution, reader, today)
    steps: list[Step] = []
    for institution in job_institutions(job):
        steps += institution_steps(institution, reader, today, folder=f"{institution.name}/")
    return steps


def readme(job: ExportJob, steps: list[Step], today: dt.date) -> str:
    reader = job.requested_by
    lines = [
        _("%(what)s, as of %(day)s.") % {"what": job.download_name.rsplit("_", 1)[0], "day": f"{today:%Y-%m-%d}"},
        _("Exported for %(who)s: it holds what this account may see.")
        % {"who": reader.get_full_name() or reader.get_username()},
        "",
        _("Contents:"),
        *(f"  {step.path}" for step in steps),
    ]
    return "\r\n".join(lines) + "\r\n"


# --- Starting a job ----------------------------------------------------------------------------------


def _may_start(actor, kind: str, institution: Institution | None) -> bool:
    if kind == Kind.EVERY_INSTITUTION:
        return institution is None and access.can_export_every_institution(actor)
    return (institution is not None and access.can_export(actor)
            and access.export_institutions(actor).filter(pk=institution.pk).exists())


def open_job(*, actor, kind: str, institution: Institution | None) -> ExportJob | None:
    """The actor's job of this export still queued or running, if there is one."""
    jobs = ExportJob.objects.filter(requested_by_id=actor.pk, kind=kind, status__in=ExportJob.OPEN)
    jobs = jobs.filter(institution=institution) if institution else jobs.filter(institution__isnull=True)
    return jobs.select_related("institution").first()


def export_job_start(*, actor, kind: str, institution: Institution | None = None) -> tuple[ExportJob, bool]:
    """Queue the export (the task is sent when the transaction commits): (the new job, True); or, while the actor
    has the same export queued or running, (that job, False). The database lets one such job exist per person
    and export (tracker_exportjob_one_open), so two clicks at once queue one job."""
    if not _may_start(actor, kind, institution):
        raise PermissionDenied
    running = open_job(actor=actor, kind=kind, institution=institution)
    if running is not None:
        return running, False
    job = ExportJob(requested_by=actor, kind=kind, institution=institution)
    job.full_clean(exclude=["requested_by", "institution"], validate_constraints=False)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except IntegrityError:  # another request of this person's queued the same export just now
        running = open_job(actor=actor, kind=kind, institution=institution)
        if running is None:
            raise
        return running, False
    queue_after_commit("tracker.build_export", job_id=job.pk)
    return job, True


# --- Running a job (the task) ------------------------------------------------------------------------


def _claim(job_id: int) -> int | None:
    """Take the job for this run: its run number, or None when it is done, failed, or running with a fresh
    heartbeat elsewhere."""
    now = timezone.now()
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_HEARTBEAT)
    taken = ExportJob.objects.filter(claimable, pk=job_id).update(
        status=Status.RUNNING, runs=F("runs") + 1, started_at=now, heartbeat_at=now, progress_done=0, step="",
        error="")
    if not taken:
        return None
    return ExportJob.objects.values_list("runs", flat=True).get(pk=job_id)


def export_job_run(*, job_id: int) -> str:
    """Build the job's file step by step, recording progress; BUILT, SKIPPED, LOST or FAILED (see the module)."""
    run = _claim(job_id)
    if run is None:
        return SKIPPED
    mine = ExportJob.objects.filter(pk=job_id, runs=run, status=Status.RUNNING)
    job = ExportJob.objects.select_related("institution", "requested_by").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE):  # the worker's own locale does not matter
        try:
            return _build(job, mine)
        except Exception as error:  # noqa: BLE001 - whatever broke, the job says so; the traceback is logged
            logger.exception("Export job %s failed", job.pk)
            mine.update(status=Status.FAILED, finished_at=timezone.now(), heartbeat_at=timezone.now(), step="",
                        error=f"{type(error).__name__}: {error}"[:2000])
            return FAILED


def _build(job: ExportJob, mine) -> str:
    reader = job.requested_by
    if not _may_start(reader, job.kind, job.institution):
        mine.update(status=Status.FAILED, finished_at=timezone.now(), step="",
                    error="PermissionDenied: the account may no longer export this")
        return FAILED
    today = timezone.localdate()
    steps = job_steps(job, today)
    if not mine.update(progress_total=len(steps), heartbeat_at=timezone.now()):
        return LOST
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w") as archive:
            for done, step in enumerate(steps):
                if not mine.update(step=step.label[:200], progress_done=done, heartbeat_at=timezone.now()):
                    return LOST
                # xlsx and docx are zip files already: stored as they are, not compressed again.
                archive.writestr(step.path, step.make(), compress_type=zipfile.ZIP_STORED)
            archive.writestr(README, readme(job, steps, today).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        size = handle.tell()
        handle.seek(0)
        name = default_storage.save(f"exports/{job.token}.zip", File(handle))
    finished = mine.update(status=Status.DONE, file=name, size=size, progress_done=len(steps), step="",
                           finished_at=timezone.now(), heartbeat_at=timezone.now())
    if not finished:  # taken over while this run wrote its file: the other run's file is the job's
        default_storage.delete(name)
        return LOST
    return BUILT


# --- issue 18, the sweeper ------------------------------------------------------------------------------------


@dataclass
class ExportSweep:
    """What one sweep of the export jobs found (their ids, oldest first) and did."""

    queued: list[int] = field(default_factory=list)  # still queued QUEUED_LOST_AFTER on: the message may be lost
    running: list[int] = field(default_factory=list)  # running with a stale heartbeat: the worker died
    given_up: list[int] = field(default_factory=list)  # their workers died MAX_RUNS times: now failed
    not_queued: int = 0  # of those to queue again, how many the broker did not take (the next sweep tries again)

    @property
    def requeued(self) -> list[int]:
        return self.queued + self.running


def export_jobs_sweep() -> ExportSweep:
    """Queue `tracker.build_export` again for each job that would otherwise wait for ever (see the module); fail
    the ones whose workers died MAX_RUNS times. Safe at any time, beside any number of workers."""
    now = timezone.now()
    result = ExportSweep()
    jobs = ExportJob.objects.order_by("created_at", "id")
    result.queued = list(jobs.filter(status=Status.QUEUED, created_at__lt=now - QUEUED_LOST_AFTER)
                         .values_list("pk", flat=True))
    stale = jobs.filter(status=Status.RUNNING, heartbeat_at__lt=now - STALE_HEARTBEAT)
    result.running = list(stale.filter(runs__lt=MAX_RUNS).values_list("pk", flat=True))
    for job in stale.filter(runs__gte=MAX_RUNS).only("pk", "runs"):
        error = f"WorkerLost: the worker building the file was lost {job.runs} times"
        if ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, runs=job.runs,
                                    heartbeat_at__lt=now - STALE_HEARTBEAT).update(
                status=Status.FAILED, finished_at=now, step="", error=error):
            result.given_up.append(job.pk)
            logger.error("Export job %s: its worker was lost %d times, giving up: it is failed", job.pk, job.runs)
    again = result.requeued
    result.not_queued = len(again) - queue_each("tracker.build_export", [{"job_id": pk} for pk in again])
    if result.not_queued:
        logger.warning("Sweep: the task queue did not take %d of %d export job(s) to queue again; the next sweep "
                       "tries again", result.not_queued, len(again))
    elif again:
        logger.info("Sweep: queued %d export job(s) again (%d queued, %d running)", len(again), len(result.queued),
                    len(result.running))
    return result
