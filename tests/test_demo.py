"""`make run`'s data steps: seed plans once, demo data on top, both safe to repeat."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tracker.org.models import EvidenceFile, OrgUnit, Profile
from tracker.plans.models import Plan, Task, TaskUpdate

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    User = get_user_model()
    return (Plan.objects.count(), Task.objects.count(), OrgUnit.objects.count(), User.objects.count(),
            TaskUpdate.objects.count(), EvidenceFile.objects.count())


def test_seed_and_demo_twice_duplicate_nothing_and_keep_progress(demo, capsys):
    """On the demo as `make run` left it (tests/demo_snapshot.py seeds it the same way), `make run` again."""
    first = counts()
    done = set(Task.objects.filter(status="done").values_list("pk", flat=True))
    call_command("seed_plans")
    call_command("seed_demo", force=True)
    assert counts() == first
    assert set(Task.objects.filter(status="done").values_list("pk", flat=True)) == done
    assert done, "the demo marks some tasks done so no page is empty"
    output = capsys.readouterr().out
    assert "demo12345" in output and "二级关工委秘书" in output


def test_demo_has_one_account_per_role_bound_correctly(demo):
    roles = {profile.role: profile for profile in Profile.objects.select_related("unit")}
    assert set(roles) == set(Profile.Role.values)
    assert roles["secretary"].unit.kind == OrgUnit.Kind.COLLEGE
    assert roles["liaison"].unit.kind == OrgUnit.Kind.MEMBER_UNIT


def test_demo_refuses_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="DEBUG"):
        call_command("seed_demo")


def test_seed_fixture_holds_no_demo_rows():
    call_command("seed_plans")
    assert not OrgUnit.objects.filter(kind__in=[OrgUnit.Kind.COLLEGE, OrgUnit.Kind.MEMBER_UNIT]).exists()
    assert not get_user_model().objects.exists() and not TaskUpdate.objects.exists()


def test_demo_has_an_assessment_in_every_state_users_meet_and_the_loop_closed_once(demo):
    from tracker.assessments.models.assessments import Assessment, Rectification, Review

    states = {a.unit.name: a.status for a in Assessment.objects.select_related("unit").filter(unit__kind="college")}
    assert states == {"矿业工程学院": "accepted", "机电工程学院": "returned", "安全工程学院": "submitted",
                      "力学与土木工程学院": "draft"}
    returned = Assessment.objects.get(status="returned")
    assert returned.entries.exclude(review_comment="").exists(), "the secretary sees what to fix"
    assert Assessment.objects.filter(unit__kind="school_committee", status="accepted").exists()
    gaps = Rectification.objects.filter(source="self_assessment")
    # the accepted college's 2 gaps and the school's 2 gaps; one of them verified with evidence
    assert gaps.count() == 4
    verified = gaps.get(status="verified")
    assert verified.evidence.exists() and verified.verified_by.username == "staff"
    assert Rectification.objects.filter(source="inspection").count() == 2
    review = Review.objects.get()
    assert review.opinions.count() == 2 and review.steps.exclude(done_on=None).count() == 2
    assert Rectification.objects.filter(source="zone_review").count() == 2
