"""Standard pages through the test client: who sees which standards, the detail layout and totals, the export."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tracker.assessments.models.standards import StandardItem
from tracker.assessments.xlsx import HEADERS, XLSX_CONTENT_TYPE

from .conftest import client_for
from .factories import StandardFactory, StandardGroupFactory, StandardItemFactory

pytestmark = pytest.mark.django_db
Mode = StandardItem.Mode


@pytest.fixture
def standard(world):
    """A college standard of the first institution: two groups, a deduction item and a bonus item."""
    standard = StandardFactory(institution=world.institution, name="机电学院考核标准")
    lead = StandardGroupFactory(standard=standard, order=1, name="领导机制")
    team = StandardGroupFactory(standard=standard, order=2, name="队伍建设")
    StandardItemFactory(group=lead, order=1, number="1", text="学院党委每年听取汇报", points=Decimal("10"))
    StandardItemFactory(group=team, order=1, number="2", text="骨干参加培训班", points=Decimal("5"),
                        mode=Mode.DEDUCTION, deduction_step=Decimal("0.5"), rule="每少1次扣0.5分")
    StandardItemFactory(group=team, order=2, number="3", text="获省优秀团队称号", points=Decimal("2"),
                        mode=Mode.BONUS)
    return standard


def test_list_shows_shared_and_own_standards_but_not_another_institutions(world, secretary):
    StandardFactory(institution=None, name="省基本要求")
    StandardFactory(institution=world.institution, name="矿大学院标准")
    StandardFactory(institution=world.other_institution, name="苏大学院标准")
    html = client_for(secretary).get(reverse("tracker:standard-list")).content.decode()
    assert "省基本要求" in html and "矿大学院标准" in html
    assert "苏大学院标准" not in html


def test_import_link_only_for_those_who_may_import(world, staff, leader):
    link = reverse("tracker:standard-import")
    assert link in client_for(staff).get(reverse("tracker:standard-list")).content.decode()
    assert link not in client_for(leader).get(reverse("tracker:standard-list")).content.decode()


def test_other_institutions_standard_is_404(world, other_staff, standard):
    assert client_for(other_staff).get(standard.get_absolute_url()).status_code == 404
    assert client_for(other_staff).get(reverse("tracker:standard-export", args=[standard.pk])).status_code == 404


def test_detail_lays_out_groups_and_items_and_counts_full_marks_without_bonus(world, leader, standard):
    response = client_for(leader).get(standard.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for header in HEADERS:
        assert f"<th scope=\"col\">{header}</th>" in html
    order = ["领导机制", "学院党委每年听取汇报", "队伍建设", "骨干参加培训班"]
    assert [html.index(text) for text in order] == sorted(html.index(text) for text in order)
    assert response.context["full_marks"] == Decimal("15")  # 10 + 5; the bonus comes on top
    assert response.context["bonus_maximum"] == Decimal("2")
    assert '<dd class="standard-full-marks">15</dd>' in html
    assert '<dd class="standard-bonus">2</dd>' in html


def test_shared_standard_readable_by_every_role(world, liaison, other_staff):
    shared = StandardFactory(institution=None, name="省基本要求")
    StandardItemFactory(group=StandardGroupFactory(standard=shared), text="常态化指标保持")
    for user in (liaison, other_staff):
        assert "常态化指标保持" in client_for(user).get(shared.get_absolute_url()).content.decode()


def test_export_has_exactly_the_six_columns_and_the_items(world, secretary, standard):
    response = client_for(secretary).get(reverse("tracker:standard-export", args=[standard.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert rows[1:] == [
        ("1", "领导机制", "学院党委每年听取汇报", "达到的得满分，否则不得分", 10, "全有全无"),
        ("2", "队伍建设", "骨干参加培训班", "每少1次扣0.5分", 5, "扣分0.5"),
        ("3", "队伍建设", "获省优秀团队称号", "达到的得满分，否则不得分", 2, "加分"),
    ]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_detail_query_count_stays_flat(world, staff, standard):
    # session, user, profile, standard(+institution; visibility is a subquery), items(+group), its copies
    client = client_for(staff)
    url = standard.get_absolute_url()
    before = _queries(client, url)
    groups = [StandardGroupFactory(standard=standard, order=10 + n) for n in range(4)]
    for n in range(20):
        StandardItemFactory(group=groups[n % 4], order=n + 1, number=f"{100 + n}")
    assert _queries(client, url) == before
    assert before == 6


def test_list_query_count_stays_flat(world, staff):
    client = client_for(staff)
    url = reverse("tracker:standard-list")
    StandardFactory(institution=world.institution)
    before = _queries(client, url)
    for _n in range(20):
        StandardItemFactory(group=StandardGroupFactory(standard=StandardFactory(institution=world.institution)))
    assert _queries(client, url) == before


def test_standard_added_by_staff_in_admin_belongs_to_her_institution(world, staff):
    from tracker.assessments.models.standards import Standard

    response = client_for(staff).post(reverse("admin:tracker_standard_add"), {
        "institution": "", "name": "学院标准", "level": "college", "source_document": "本校文件",
        "groups-TOTAL_FORMS": 0, "groups-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302
    assert Standard.objects.get(name="学院标准").institution == world.institution
