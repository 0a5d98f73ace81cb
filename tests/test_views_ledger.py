"""The work ledger (工作台账) through the test client: list, detail, recording, editing and the xlsx export."""

import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from tracker.org.models import EvidenceFile
from tracker.work.models.platforms import Activity
from tracker.work.xlsx import HEADERS

from .conftest import client_for
from .factories import (
    PDF_BYTES,
    ActivityFactory,
    EvidenceFileFactory,
    OrgUnitFactory,
    VolunteerFactory,
    WorkPlatformFactory,
)

pytestmark = pytest.mark.django_db

LIST = "tracker:activity-list"


def entry_data(unit, **fields) -> dict:
    data = {"unit": unit.pk, "date": "2021-06-18", "kind": "theme_education", "title": "“永远跟党走”主题教育报告会",
            "platform": "", "retiree_count": 4, "youth_count": 120, "notes": "老同志宣讲党史。"}
    data.update(fields)
    return data


def html_of(response) -> str:
    return response.content.decode()


# --- The list ----------------------------------------------------------------------------------


def test_list_rows_show_date_unit_kind_title_platform_counts_and_evidence(world, staff):
    platform = WorkPlatformFactory(owner=world.college, name="青蓝工程平台")
    activity = ActivityFactory(unit=world.college, platform=platform, title="青蓝结对座谈会", date=dt.date(2021, 3, 8),
                               kind=Activity.Kind.MEETING, retiree_count=7, youth_count=45)
    EvidenceFileFactory(ledger=True, activity=activity)
    EvidenceFileFactory(ledger=True, activity=activity)
    html = html_of(client_for(staff).get(reverse(LIST)))
    row = html[html.index(f'id="entry-{activity.pk}"'):]
    row = row[:row.index("</tr>")]
    for text in ("2021-03-08", "机电工程学院", str(_("Meeting")), "青蓝结对座谈会", "青蓝工程平台",
                 '<td class="number">7</td>', '<td class="number">45</td>', '<td class="number">2</td>'):
        assert text in row, text


def test_secretary_sees_only_her_colleges_entries_and_no_unit_filter(world, secretary):
    ActivityFactory(unit=world.college, title="本院学习会")
    ActivityFactory(unit=world.other_college, title="他院学习会")
    html = html_of(client_for(secretary).get(reverse(LIST)))
    assert "本院学习会" in html and "他院学习会" not in html and 'name="unit"' not in html


def test_leader_reads_every_units_entries_and_filters_by_unit(world, leader):
    ActivityFactory(unit=world.college, title="本院学习会")
    ActivityFactory(unit=world.other_college, title="他院学习会")
    client = client_for(leader)
    everything = html_of(client.get(reverse(LIST)))
    assert "本院学习会" in everything and "他院学习会" in everything and 'name="unit"' in everything
    assert _("Record an entry") not in everything
    one = html_of(client.get(reverse(LIST), {"unit": world.other_college.pk}))
    assert "他院学习会" in one and "本院学习会" not in one


def test_filters_by_platform_kind_and_period(world, staff):
    platform = WorkPlatformFactory(owner=world.college)
    ActivityFactory(unit=world.college, platform=platform, title="平台活动", date=dt.date(2020, 5, 1))
    ActivityFactory(unit=world.college, kind="training", title="骨干培训班", date=dt.date(2021, 10, 28))
    ActivityFactory(unit=world.college, kind="visit", title="重阳走访", date=dt.date(2022, 10, 4))
    client = client_for(staff)
    by_platform = html_of(client.get(reverse(LIST), {"platform": platform.pk}))
    assert "平台活动" in by_platform and "骨干培训班" not in by_platform
    by_kind = html_of(client.get(reverse(LIST), {"kind": "training"}))
    assert "骨干培训班" in by_kind and "重阳走访" not in by_kind
    by_period = html_of(client.get(reverse(LIST), {"date_from": "2021-01-01", "date_to": "2021-12-31"}))
    assert "骨干培训班" in by_period and "平台活动" not in by_period and "重阳走访" not in by_period


def test_period_ending_before_it_starts_is_reported(world, staff):
    ActivityFactory(unit=world.college, title="学习会")
    html = html_of(client_for(staff).get(reverse(LIST), {"date_from": "2022-01-01", "date_to": "2021-01-01"}))
    assert _("The end of the period cannot be before its start.") in html and "学习会" in html


def test_list_pages_by_fifty(world, staff):
    for n in range(55):
        ActivityFactory(unit=world.college, title=f"条目{n:02d}", date=dt.date(2020, 1, 1) + dt.timedelta(days=n))
    client = client_for(staff)
    first = client.get(reverse(LIST))
    assert len(first.context["page"].object_list) == 50 and "条目54" in html_of(first)
    second = html_of(client.get(reverse(LIST), {"page": 2}))
    assert "条目04" in second and "条目05" not in second


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_query_count_is_the_same_at_2_and_40_colleges_and_20_more_entries(world, staff):
    # session, user, profile, units (filter), platforms (filter), count, may-add check, page rows (+unit, platform,
    # recorder, evidence count)
    client = client_for(staff)
    url = reverse(LIST)
    platform = WorkPlatformFactory(owner=world.college)
    ActivityFactory(unit=world.college, platform=platform)
    before = _queries(client, url)
    colleges = [OrgUnitFactory(institution=world.institution, kind="college", name=f"新学院{n}") for n in range(38)]
    for n in range(20):
        activity = ActivityFactory(unit=colleges[n], platform=WorkPlatformFactory(owner=colleges[n]))
        EvidenceFileFactory(ledger=True, activity=activity)
        activity.retirees.set([VolunteerFactory(unit=activity.unit)])
    assert _queries(client, url) == before
    assert _queries(client, f"{url}?kind=meeting&date_from=2021-01-01") == before
    assert before <= 8


# --- The detail page ---------------------------------------------------------------------------


def test_detail_lists_evidence_as_downloads_and_names_visible_people(world, secretary):
    activity = ActivityFactory(unit=world.college, title="重阳节走访慰问", retiree_count=3)
    activity.retirees.set([VolunteerFactory(unit=world.college, name="本院老师"),
                           VolunteerFactory(unit=world.other_college, name="他院老师")])
    evidence = EvidenceFileFactory(ledger=True, activity=activity, original_name="走访照片.pdf")
    client = client_for(secretary)
    response = client.get(activity.get_absolute_url())
    html = html_of(response)
    assert "重阳节走访慰问" in html and "走访照片.pdf" in html and evidence.get_absolute_url() in html
    assert "本院老师" in html and "他院老师" not in html and response.context["others"] == 1
    download = client.get(evidence.get_absolute_url())
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_secretary_cannot_see_another_colleges_entry_or_its_evidence(world, other_secretary, liaison):
    activity = ActivityFactory(unit=world.college)
    evidence = EvidenceFileFactory(ledger=True, activity=activity)
    for user in (other_secretary, liaison):
        client = client_for(user)
        assert client.get(activity.get_absolute_url()).status_code == 404
        assert client.get(reverse("tracker:activity-update", args=[activity.pk])).status_code == 404
        assert client.get(evidence.get_absolute_url()).status_code == 404


# --- Recording and editing ---------------------------------------------------------------------


def test_secretary_records_an_entry_with_two_evidence_files(world, secretary):
    volunteer = VolunteerFactory(unit=world.college, name="孙老师")
    files = [SimpleUploadedFile("通知.pdf", PDF_BYTES), SimpleUploadedFile("签到表.pdf", PDF_BYTES)]
    client = client_for(secretary)
    form = client.get(reverse("tracker:activity-create"))
    assert list(form.context["form"].fields["unit"].queryset) == [world.college]
    response = client.post(reverse("tracker:activity-create"),
                           entry_data(world.college, retirees=[volunteer.pk], files=files))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert response["Location"] == activity.get_absolute_url()
    assert activity.recorded_by == secretary and list(activity.retirees.all()) == [volunteer]
    assert activity.evidence.count() == 2
    page = html_of(client.get(response["Location"]))
    assert "通知.pdf" in page and "签到表.pdf" in page and "孙老师" in page


def test_secretary_cannot_record_for_another_college(world, secretary):
    response = client_for(secretary).post(reverse("tracker:activity-create"), entry_data(world.other_college))
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date": "2099-01-01"}, "date", "The date cannot be in the future."),
        ({"title": ""}, "title", None),
        ({"retiree_count": -1}, "retiree_count", None),
        ({"files": [SimpleUploadedFile("宏.exe", b"MZ\x90\x00")]}, "files", None),
        ({"files": [SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00binary")]}, "files", None),
    ],
)
def test_bad_entry_is_refused_with_a_message_and_nothing_stored(world, staff, fields, field, message):
    response = client_for(staff).post(reverse("tracker:activity-create"), entry_data(world.college, **fields))
    assert response.status_code == 400 and field in response.context["form"].errors
    html = html_of(response)
    assert _("Please correct the errors below. Nothing was saved.") in html
    if message:
        assert _(message) in html
    assert not Activity.objects.exists() and not EvidenceFile.objects.exists()


def test_more_retirees_named_than_counted_is_explained(world, staff):
    people = [VolunteerFactory(unit=world.college).pk for _ in range(3)]
    response = client_for(staff).post(reverse("tracker:activity-create"),
                                      entry_data(world.college, retirees=people, retiree_count=1))
    assert response.status_code == 400
    expected = _("%(named)s retirees are named as taking part, so the number taking part must be at least "
                 "%(named)s.") % {"named": 3}
    assert expected in html_of(response)
    assert not Activity.objects.exists()


def test_oversized_evidence_is_refused(world, staff, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    files = [SimpleUploadedFile("大.pdf", PDF_BYTES + b"0" * 100)]
    response = client_for(staff).post(reverse("tracker:activity-create"), entry_data(world.college, files=files))
    assert response.status_code == 400 and "files" in response.context["form"].errors
    assert not Activity.objects.exists() and not EvidenceFile.objects.exists()


def test_edit_adds_evidence_and_keeps_what_was_attached(world, secretary):
    activity = ActivityFactory(unit=world.college, title="旧标题")
    EvidenceFileFactory(ledger=True, activity=activity, original_name="旧材料.pdf")
    client = client_for(secretary)
    url = reverse("tracker:activity-update", args=[activity.pk])
    page = html_of(client.get(url))
    assert "旧标题" in page and "旧材料.pdf" in page and 'name="version" value="1"' in page
    response = client.post(url, entry_data(world.college, title="新标题", version=1,
                                           files=[SimpleUploadedFile("新材料.pdf", PDF_BYTES)]))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.version) == ("新标题", 2)
    assert sorted(activity.evidence.values_list("original_name", flat=True)) == ["新材料.pdf", "旧材料.pdf"]


def test_stale_edit_is_refused_and_keeps_what_the_user_typed(world, staff, secretary):
    activity = ActivityFactory(unit=world.college, title="旧标题")
    url = reverse("tracker:activity-update", args=[activity.pk])
    assert client_for(staff).post(url, entry_data(world.college, title="同事的标题", version=1)).status_code == 302
    response = client_for(secretary).post(url, entry_data(
        world.college, title="我基于旧页面的标题", version=1, files=[SimpleUploadedFile("纪要.pdf", PDF_BYTES)]))
    assert response.status_code == 409
    html = html_of(response)
    assert _("Someone else changed this ledger entry after you opened it. Your input is kept below; "
             "look at their changes, then save again.") in html
    assert "我基于旧页面的标题" in html and 'name="version" value="2"' in html
    assert _("Files are not kept across a refused save: choose them again.") in html
    assert Activity.objects.get().title == "同事的标题" and not EvidenceFile.objects.exists()


def test_leader_reads_but_may_not_record_or_edit(world, leader):
    activity = ActivityFactory(unit=world.college, title="旧标题")
    client = client_for(leader)
    assert client.get(activity.get_absolute_url()).status_code == 200
    assert client.get(reverse("tracker:activity-create")).status_code == 403
    assert client.post(reverse("tracker:activity-create"), entry_data(world.college)).status_code == 403
    url = reverse("tracker:activity-update", args=[activity.pk])
    assert client.post(url, entry_data(world.college, title="被改", version=1)).status_code == 403
    assert Activity.objects.get().title == "旧标题"


def test_liaison_records_for_his_own_unit(world, liaison):
    response = client_for(liaison).post(reverse("tracker:activity-create"), entry_data(world.member_unit))
    assert response.status_code == 302 and Activity.objects.get().unit == world.member_unit


# --- The export --------------------------------------------------------------------------------


def workbook_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def test_export_holds_the_filtered_entries_under_chinese_headers(world, staff):
    platform = WorkPlatformFactory(owner=world.college, name="青蓝工程平台")
    activity = ActivityFactory(unit=world.college, platform=platform, date=dt.date(2021, 10, 28), kind="training",
                               title="骨干人员培训班", retiree_count=2, youth_count=60, notes="86人参加。")
    activity.retirees.set([VolunteerFactory(unit=world.college, name="甲老师"),
                           VolunteerFactory(unit=world.college, name="乙老师")])
    EvidenceFileFactory(ledger=True, activity=activity)
    ActivityFactory(unit=world.college, date=dt.date(2020, 1, 5), title="范围之外")
    ActivityFactory(unit=world.other_college, date=dt.date(2021, 5, 5), title="他院条目")
    response = client_for(staff).get(reverse("tracker:activity-export"), {
        "unit": world.college.pk, "date_from": "2021-01-01", "date_to": "2021-12-31"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    filename = "工作台账_机电工程学院_2021-01-01_2021-12-31.xlsx"
    assert f"filename*=utf-8''{quote(filename)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    rows = workbook_rows(response)
    assert rows[0] == ("日期", "单位", "类别", "标题", "工作平台", "参与老同志人数", "参与老同志", "受益青年师生人数",
                       "备注", "佐证材料数")
    assert tuple(HEADERS) == rows[0]
    assert len(rows) == 2
    date, unit, kind, title, platform_name, retirees, named, youth, notes, evidence = rows[1]
    assert (date.date(), unit, title, platform_name, retirees, youth, notes, evidence) == (
        dt.date(2021, 10, 28), "机电工程学院", "骨干人员培训班", "青蓝工程平台", 2, 60, "86人参加。", 1)
    assert set(named.split("、")) == {"甲老师", "乙老师"}
    assert kind == str(Activity.Kind.TRAINING.label)
    with translation.override("zh-hans"):
        assert kind == str(Activity.Kind.TRAINING.label) and kind.isascii() is False
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "工作台账" and sheet.freeze_panes == "A2"
    assert sheet["A2"].number_format == "yyyy-mm-dd" and sheet["A1"].font.bold
    assert sheet.column_dimensions["D"].width == 36


def test_secretarys_export_holds_only_her_colleges_entries_and_people(world, secretary):
    mine = ActivityFactory(unit=world.college, title="本院条目", date=dt.date(2022, 3, 1), retiree_count=2)
    mine.retirees.set([VolunteerFactory(unit=world.college, name="本院老师"),
                       VolunteerFactory(unit=world.other_college, name="他院老师")])
    ActivityFactory(unit=world.other_college, title="他院条目")
    response = client_for(secretary).get(reverse("tracker:activity-export"))
    rows = workbook_rows(response)
    assert [row[3] for row in rows[1:]] == ["本院条目"] and rows[1][6] == "本院老师"
    today = timezone.localdate().isoformat()
    assert quote(f"工作台账_机电工程学院_2022-03-01_{today}.xlsx") in response["Content-Disposition"]


def test_export_of_an_empty_ledger_is_a_header_only_workbook(world, leader):
    response = client_for(leader).get(reverse("tracker:activity-export"))
    assert response.status_code == 200 and workbook_rows(response) == [tuple(HEADERS)]
    assert quote("全部单位") in response["Content-Disposition"]


def test_export_with_a_filter_not_understood_sends_back_to_the_list(world, staff):
    response = client_for(staff).get(reverse("tracker:activity-export"), {"unit": 99999})
    assert response.status_code == 302 and response["Location"].startswith(reverse(LIST))


# --- The day it happened and the time it was recorded (issue 14) ------------------------------------


def test_an_entry_of_a_past_day_shows_that_day_and_when_it_was_recorded(world, secretary):
    client = client_for(secretary)
    response = client.post(reverse("tracker:activity-create"),
                           entry_data(world.college, date="2021-06-18", title="七一座谈会（补录）"))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.date == dt.date(2021, 6, 18) and timezone.localtime(activity.recorded_at).date() != activity.date
    html = html_of(client.get(activity.get_absolute_url()))
    history = html[html.index('id="history"'):]
    assert '<time class="occurred" datetime="2021-06-18">' in history
    recorded = timezone.localtime(activity.recorded_at).strftime("%Y-%m-%d %H:%M")
    assert _("recorded %(at)s") % {"at": recorded} in history
    # Entered on the day it happened: the line says the time only.
    today = timezone.localdate().isoformat()
    assert client.post(reverse("tracker:activity-create"),
                       entry_data(world.college, date=today, title="今日学习会")).status_code == 302
    same_day = Activity.objects.get(title="今日学习会")
    history = html_of(client.get(same_day.get_absolute_url()))
    assert 'class="occurred"' not in history[history.index('id="history"'):]
