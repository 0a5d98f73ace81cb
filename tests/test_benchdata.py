"""The benchmark's data generator (bench/benchdata.py): deterministic, at the sizes it promises, and within the
portal's own rules. Run at a tiny scale (one small university) so the whole file takes a few seconds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from bench import benchdata
from bench.benchdata import UNIVERSITY, generate, universities_for
from tracker.assessments.models.assessments import Assessment, AssessmentEntry, Rectification
from tracker.assessments.models.standards import Standard, StandardItem
from tracker.assessments.services.standards import validate_score
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.plans.models import Task, TaskUpdate
from tracker.reporting.dashboard import build_dashboard
from tracker.roster.models import Volunteer
from tracker.work.models.platforms import Activity, WorkPlatform

TODAY = dt.date(2026, 3, 2)
SCALE = 0.02
SMALL = UNIVERSITY.scaled(SCALE)


def snapshot() -> tuple[dict, dict]:
    """Rows per model (history included) and the names and values a reader would see."""
    counts = {model._meta.label: model.objects.count() for model in apps.get_app_config("tracker").get_models()}
    names = {
        "institutions": list(Institution.objects.order_by("code").values_list("code", "name")),
        "units": list(OrgUnit.objects.order_by("institution__code", "kind", "order", "name")
                      .values_list("kind", "name", "email")),
        "people": list(Profile.objects.order_by("user__username")
                       .values_list("user__username", "user__first_name", "role", "unit__name")),
        "volunteers": list(Volunteer.objects.order_by("staff_number").values_list(
            "staff_number", "name", "unit__name", "eligible", "participating", "backbone", "active_to")),
        "platforms": list(WorkPlatform.objects.order_by("name").values_list("name", "level", "brand", "owner__name")),
        "ledger": list(Activity.objects.order_by("unit__name", "date", "title").values_list("title", "date", "kind")),
        "tasks": list(Task.objects.order_by("stage__phase__plan__title", "stage__phase__order", "stage__order",
                                            "order").values_list("title", "status", "progress", "done_on")),
        "updates": list(TaskUpdate.objects.order_by("task__title", "date", "task_version")
                        .values_list("date", "note", "progress")),
        "scores": list(AssessmentEntry.objects.order_by("assessment__unit__order", "item__number")
                       .values_list("self_score", "review_score", "gap")),
        "rectifications": list(Rectification.objects.order_by("problem", "deadline")
                               .values_list("problem", "status", "deadline")),
    }
    return counts, names


@pytest.mark.django_db
def test_same_seed_same_counts_and_names():
    with transaction.atomic():
        generate(SCALE, seed=7, today=TODAY)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Institution.objects.exists()
    generate(SCALE, seed=7, today=TODAY)
    counts, names = snapshot()
    assert counts == first[0]
    assert names == first[1]
    assert counts["tracker.Volunteer"] == SMALL.volunteers and counts["tracker.HistoricalVolunteer"] == SMALL.volunteers


@pytest.mark.django_db
def test_another_seed_draws_other_people():
    with transaction.atomic():
        generate(SCALE, seed=7, today=TODAY)
        names_7 = list(Volunteer.objects.order_by("staff_number").values_list("name", flat=True))
        transaction.set_rollback(True)
    generate(SCALE, seed=8, today=TODAY)
    names_8 = list(Volunteer.objects.order_by("staff_number").values_list("name", flat=True))
    assert len(names_7) == len(names_8) == SMALL.volunteers
    assert names_7 != names_8


@pytest.mark.django_db
def test_sizes_and_incremental_runs():
    assert universities_for(1) == (1, UNIVERSITY)
    assert universities_for(10) == (10, UNIVERSITY)
    assert universities_for(SCALE) == (1, SMALL)
    assert (UNIVERSITY.colleges, UNIVERSITY.member_units, UNIVERSITY.volunteers, UNIVERSITY.platforms,
            UNIVERSITY.activities, UNIVERSITY.updates_per_task, UNIVERSITY.items) == (30, 25, 3000, 40, 5000, 10, 28)
    with pytest.raises(ValueError):
        universities_for(2.5)

    result = generate(SCALE, seed=7, today=TODAY)
    assert result.added == ["bench01"] and result.skipped == []
    institution = Institution.objects.get(code="bench01")
    assert OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE).count() == SMALL.colleges
    assert OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.MEMBER_UNIT).count() == \
        SMALL.member_units
    assert Volunteer.objects.filter(institution=institution).count() == SMALL.volunteers
    assert WorkPlatform.objects.filter(institution=institution).count() == SMALL.platforms
    assert Activity.objects.filter(unit__institution=institution).count() == SMALL.activities
    # Both seed plans' structure: 23 + 9 tasks, each with its log and a history record per update.
    tasks = Task.objects.filter(stage__phase__plan__institution=institution)
    assert tasks.count() == 32
    assert TaskUpdate.objects.filter(task__in=tasks).count() == 32 * SMALL.updates_per_task
    task = tasks.order_by("id").first()
    assert task.history.count() == 1 + SMALL.updates_per_task
    assert task.version == 1 + SMALL.updates_per_task
    # Every college files against a 28-item standard labelled as generated, not the province's text.
    standard = Standard.objects.get(institution=institution)
    assert "基准测试生成" in standard.name and "非省《基本要求》原文" in standard.source_document
    assert StandardItem.objects.filter(group__standard=standard).count() == 28
    assert Assessment.objects.filter(round__institution=institution).count() == SMALL.colleges
    assert AssessmentEntry.objects.filter(assessment__round__institution=institution).count() == SMALL.colleges * 28
    assert Volunteer.history.filter(institution=institution).count() == SMALL.volunteers

    again = generate(SCALE, seed=7, today=TODAY)
    assert again.added == [] and again.skipped == ["bench01"]


@pytest.mark.django_db
def test_generated_data_keeps_the_portals_rules():
    generate(SCALE, seed=7, today=TODAY)
    for entry in AssessmentEntry.objects.select_related("item").exclude(self_score=None):
        validate_score(entry.item, entry.self_score)
        if entry.review_score is not None:
            validate_score(entry.item, entry.review_score)
    # Accepting an assessment puts every gap on the rectification list.
    for entry in AssessmentEntry.objects.filter(assessment__status=Assessment.Status.ACCEPTED).select_related("item"):
        assert hasattr(entry, "rectification") == entry.below_full, entry
    for task in Task.objects.all():
        assert (task.status == Task.Status.DONE) == (task.done_on is not None)
    board = build_dashboard(Institution.objects.get(code="bench01"), TODAY)
    assert board.figure("tasks_done").total == 32
    assert len(board.college_rows) == SMALL.colleges


@pytest.mark.django_db
def test_command(capsys):
    from bench.management.commands.bench_generate import Command  # only installed under bench/settings.py

    call_command(Command(), "--scale", str(SCALE), "--seed", "3")
    assert "Added 1 universities" in capsys.readouterr().out
    assert Institution.objects.filter(code=benchdata.code_for(1)).exists()


# --- What the benchmark led to: the dashboard kept between requests (tracker/dashboard.py) ---------------------


@pytest.mark.django_db(transaction=True)
def test_kept_dashboard_is_reused_until_the_data_changes(settings, monkeypatch):
    """Outside a transaction (as in a request) a built dashboard is reused from Django's cache while no record
    changes, and built anew as soon as one does, whichever process made the change (the key is read from the
    database)."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from tracker.plans.services import task_add_update
    from tracker.reporting import dashboard

    settings.DASHBOARD_CACHE_SECONDS = 30
    cache.clear()
    generate(SCALE, seed=7)
    institution = Institution.objects.get(code="bench01")
    builds = []
    original = dashboard._build
    monkeypatch.setattr(dashboard, "_build", lambda *args, **kwargs: builds.append(1) or original(*args, **kwargs))
    first = build_dashboard(institution)
    kept = build_dashboard(institution)
    assert len(builds) == 1 and kept == first and kept is not first  # kept: a copy from the cache, not rebuilt
    task = Task.objects.filter(stage__phase__plan__institution=institution).exclude(status=Task.Status.DONE).first()
    staff = get_user_model().objects.get(username="bench01_staff")
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date.today(),
                             note="完成", status=Task.Status.DONE, progress=100)
    after = build_dashboard(institution)
    assert len(builds) == 2
    assert after.figure("tasks_done").value == first.figure("tasks_done").value + 1
    # Another day, another college, another language: each its own entry.
    college = OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE).first()
    build_dashboard(institution, unit=college)
    build_dashboard(institution, dt.date.today() - dt.timedelta(days=1))
    assert len(builds) == 4
    settings.DASHBOARD_CACHE_SECONDS = 0
    build_dashboard(institution)
    build_dashboard(institution)
    assert len(builds) == 6  # off


@pytest.mark.django_db
def test_dashboard_inside_a_transaction_is_never_kept(monkeypatch):
    """Inside a transaction a build may see its own uncommitted writes: it is neither kept nor reused."""
    from django.core.cache import cache

    from tracker.reporting import dashboard

    generate(SCALE, seed=7, today=TODAY)
    institution = Institution.objects.get(code="bench01")
    cache.clear()
    builds = []
    original = dashboard._build
    monkeypatch.setattr(dashboard, "_build", lambda *args, **kwargs: builds.append(1) or original(*args, **kwargs))
    build_dashboard(institution)
    build_dashboard(institution)
    assert len(builds) == 2
    assert cache.get(dashboard.kept_key(institution, None, None)) is None


@pytest.mark.django_db(transaction=True)
def test_dashboard_page_body_is_drawn_once_per_kept_dashboard(settings, client, monkeypatch):
    """The page's figures, timelines and tables are drawn once for a kept dashboard and drawn again, with the new
    figures, as soon as a record changes."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.urls import reverse

    from tracker.plans.services import task_add_update
    from tracker.reporting.views import dashboard as views

    settings.DASHBOARD_CACHE_SECONDS = 30
    cache.clear()
    generate(SCALE, seed=7)
    institution = Institution.objects.get(code="bench01")
    staff = get_user_model().objects.get(username="bench01_staff")
    drawn = []
    original = views.render_timeline
    monkeypatch.setattr(views, "render_timeline", lambda *args: drawn.append(1) or original(*args))
    client.force_login(staff)
    url = reverse("tracker:dashboard")

    first = client.get(url)
    timelines = len(drawn)
    assert timelines >= 1
    second = client.get(url)
    assert len(drawn) == timelines  # drawn once
    def body(response):
        return response.content.decode().split('<section class="figures"', 1)[1].split('id="freeze"', 1)[0]

    assert body(second) == body(first) and 'id="timeline"' in body(first)
    done = build_dashboard(institution).figure("tasks_done").value

    task = Task.objects.filter(stage__phase__plan__institution=institution).exclude(status=Task.Status.DONE).first()
    task_add_update(actor=staff, task=task, loaded_version=task.version, date=dt.date.today(),
                             note="完成", status=Task.Status.DONE, progress=100)
    third = client.get(url)
    assert len(drawn) == 2 * timelines  # drawn again
    figure = third.content.decode().split('id="figure-tasks_done"', 1)[1].split("</a>", 1)[0]
    assert f">{done + 1}<" in figure.replace(" ", "")


@pytest.mark.django_db
def test_dashboard_of_another_institution_is_404_for_its_non_administrators(client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    generate(SCALE, seed=7)
    own = Institution.objects.get(code="bench01")
    other = Institution.objects.create(name="另一所大学", code="other")
    client.force_login(get_user_model().objects.get(username="bench01_staff"))
    url = reverse("tracker:dashboard")
    assert client.get(url, {"institution": own.pk}).status_code == 200
    assert client.get(url, {"institution": other.pk}).status_code == 404
    assert client.get(url, {"institution": "x"}).status_code == 404
