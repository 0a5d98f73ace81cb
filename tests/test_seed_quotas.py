"""The seed quotas: every quota of DOMAIN.md for both seed plans, with target, scope and source; and on the
demo data each one shows a computed value."""

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from tracker.org.models import Institution
from tracker.plans.models import Plan
from tracker.quotas import metrics
from tracker.quotas.metrics import METRICS
from tracker.quotas.models import Quota, QuotaEntry
from tracker.work.models.menus import MenuMatch

from .conftest import client_for
from .factories import InstitutionFactory, QuotaFactory

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "seed_quotas.json"
DOMAIN = REPO.parent / "shared" / "DOMAIN.md"
CUMT_DOC = "中矿委〔2020〕20号"
SUDA_ARRANGEMENT = "推进关工委优质化建设工作的具体安排"
SUDA_OPINION = "苏州大学关于推进关工委优质化建设工作的实施意见"

# DOMAIN.md, "Quotas": one line per row of its table (the Party committee row is set for the institution
# and for each college). (metric, scope, comparator, CUMT target, Soochow target)
EACH, WHOLE = Quota.Scope.EACH_COLLEGE, Quota.Scope.INSTITUTION
DOMAIN_QUOTAS = {
    "participation ≥ 60 %": [("participation_rate", EACH, "gte", 60, 60)],
    "backbone ≥ 20 %": [("backbone_rate", EACH, "gte", 20, 20)],
    "school-level platforms ≥ 10": [("school_platforms", WHOLE, "gte", 10, 10)],
    "college-level platforms (CUMT 1-2, Soochow ≥ 2)": [("college_platforms", EACH, "gte", 1, 2)],
    "recognised brands ≥ 2": [("recognised_brands", WHOLE, "gte", 2, 2)],
    "十佳 brands: 10 by 2020": [("school_brands", WHOLE, "gte", 10, 10)],
    "Party committee hears the report ≥ 1 a year": [
        ("party_reports_this_year", WHOLE, "gte", 1, 1), ("party_reports_this_year", EACH, "gte", 1, 1),
    ],
    "骨干人员培训班 yearly": [("training_courses_this_year", WHOLE, "gte", 1, 1)],
    "double menus in every college": [("menus_matched", EACH, "eq", 1, 1)],
    "college rules in force in every college": [("manual", EACH, "eq", 1, 1)],
}


@pytest.fixture
def seeded(db):
    call_command("seed_plans", verbosity=0)


def quota(code: str, metric: str, scope: str) -> Quota:
    return Quota.objects.select_related("plan").get(institution__code=code, metric=metric, scope=scope)


@pytest.mark.parametrize("row", sorted(DOMAIN_QUOTAS))
def test_every_domain_quota_is_seeded_for_both_institutions(seeded, row):
    for metric, scope, comparator, cumt_target, suda_target in DOMAIN_QUOTAS[row]:
        for code, target in (("cumt", cumt_target), ("suda", suda_target)):
            found = quota(code, metric, scope)
            assert (found.comparator, found.target) == (comparator, Decimal(target)), (row, code)
            assert found.plan == Plan.objects.get(institution__code=code)
            assert found.source_document and found.source_clause, (row, code)


def test_fixture_holds_exactly_the_domain_quotas(seeded):
    expected = sum(len(lines) for lines in DOMAIN_QUOTAS.values())
    for code in ("cumt", "suda"):
        assert Quota.objects.filter(institution__code=code).count() == expected
    assert Quota.objects.count() == 2 * expected


def test_domain_table_has_as_many_rows_as_checked_here():
    if not DOMAIN.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"DOMAIN.md not found at {DOMAIN}")
        pytest.skip("DOMAIN.md not available")
    text = DOMAIN.read_text(encoding="utf-8")
    table = text.split("## Quotas", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]  # header and rule
    assert len(rows) == len(DOMAIN_QUOTAS)


def test_every_metric_key_exists_and_fits_the_quotas_scope(seeded):
    for seeded_quota in Quota.objects.all():
        assert seeded_quota.metric in METRICS, seeded_quota.name
        assert METRICS[seeded_quota.metric].supports(seeded_quota.scope), seeded_quota.name


def test_sources_cite_the_clause_that_sets_the_number(seeded):
    participation = quota("suda", "participation_rate", EACH)
    assert SUDA_ARRANGEMENT in participation.source_document and participation.source_clause == "二.3"
    brands = quota("cumt", "recognised_brands", WHOLE)
    assert brands.source_document.startswith(CUMT_DOC) and "二（三）2" in brands.source_clause
    cumt_platforms = quota("cumt", "college_platforms", EACH)
    assert cumt_platforms.source_document.startswith(CUMT_DOC) and "任务8" in cumt_platforms.source_clause
    suda_platforms = quota("suda", "college_platforms", EACH)
    assert SUDA_ARRANGEMENT in suda_platforms.source_document and suda_platforms.source_clause.startswith("二.4")
    assert quota("suda", "manual", EACH).source_clause == "二.2"
    assert "任务4" in quota("cumt", "training_courses_this_year", WHOLE).source_clause
    for code in ("cumt", "suda"):
        ten_best = quota(code, "school_brands", WHOLE)
        assert SUDA_OPINION in ten_best.source_document and ten_best.deadline == dt.date(2020, 12, 31)
    # A number one university takes from the other's document says so.
    assert "参照" in quota("cumt", "participation_rate", EACH).source_clause
    assert "参照" in quota("suda", "recognised_brands", WHOLE).source_clause


def test_names_are_chinese_and_unique_per_institution(seeded):
    for code in ("cumt", "suda"):
        names = list(Quota.objects.filter(institution__code=code).values_list("name", flat=True))
        assert len(names) == len(set(names))
        assert all(re.search(r"[\u4e00-\u9fff]", name) for name in names)


def test_fixture_names_no_spam_address():
    raw = FIXTURE.read_text(encoding="utf-8")
    assert ".cpm" not in raw and "\u4f18\u5fb7" not in raw


def test_seed_plans_loads_quotas_once_and_into_a_database_seeded_before_them(db):
    call_command("seed_plans", verbosity=0)
    count = Quota.objects.count()
    call_command("seed_plans", verbosity=0)
    assert Quota.objects.count() == count
    Quota.objects.all().delete()  # as in a database seeded before the quotas existed
    call_command("seed_plans", verbosity=0)
    assert Quota.objects.count() == count


def test_seed_plans_refuses_to_load_quotas_over_other_quotas(db):
    call_command("seed_plans", verbosity=0)
    Quota.objects.all().delete()
    QuotaFactory(institution=InstitutionFactory(code="jiangnan"))
    with pytest.raises(CommandError, match="quotas"):
        call_command("seed_plans", verbosity=0)


# --- On the demo data ---------------------------------------------------------------------------------


# These use tests/conftest.py's `demo`: seeded once for the module's last tests (none after them needs an empty
# database), instead of once per test.


def test_every_seed_quota_has_a_computed_value_on_the_demo_data(demo):
    quotas = list(Quota.objects.select_related("institution"))
    colleges = metrics.colleges_by_institution(Institution.objects.values_list("pk", flat=True))
    for result in metrics.evaluate(quotas, colleges, timezone.localdate()):
        name = f"{result.quota.institution.code}: {result.quota.name}"
        assert result.metric is not None, name
        if result.per_college:
            assert result.rows, name
            assert any(row.reading.value is not None for row in result.rows), name
        else:
            assert result.reading.value is not None, name


def test_demo_menus_and_rules_differ_between_colleges(demo):
    quotas = list(Quota.objects.filter(metric__in=["menus_matched", "manual"]).select_related("institution"))
    colleges = metrics.colleges_by_institution(Institution.objects.values_list("pk", flat=True))
    for result in metrics.evaluate(quotas, colleges, timezone.localdate()):
        values = {row.reading.value for row in result.rows}
        assert {Decimal(0), Decimal(1)} <= values, result.quota.name
    assert set(MenuMatch.objects.values_list("status", flat=True)) == set(MenuMatch.Status.values)
    entry = QuotaEntry.objects.select_related("entered_by", "quota__institution").first()
    assert entry.evidence.original_name.endswith(".pdf")
    expected_user = {"cumt": "staff", "suda": "suda_staff"}[entry.quota.institution.code]
    assert entry.entered_by.username == expected_user


def test_demo_twice_adds_no_menu_or_quota_rows(demo):
    counts = (MenuMatch.objects.count(), QuotaEntry.objects.count())
    call_command("seed_demo", force=True, verbosity=0)
    assert (MenuMatch.objects.count(), QuotaEntry.objects.count()) == counts


def test_quota_page_shows_every_demo_quota(demo):
    from django.contrib.auth import get_user_model

    for username, code in (("staff", "cumt"), ("suda_staff", "suda")):
        html = client_for(get_user_model().objects.get(username=username)).get(reverse("tracker:quota-list"))
        assert html.status_code == 200
        page = html.content.decode()
        for name in Quota.objects.filter(institution__code=code).values_list("name", flat=True):
            assert name in page
