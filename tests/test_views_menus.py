"""The double menus through the test client: the board and its suggestions, adding to the menus, and a match
followed from proposal to delivery (transitions, illegal moves, stale forms)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from tracker.roster.models import Speciality
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.services import menus as services

from .conftest import client_for
from .factories import (
    MenuMatchFactory,
    NeedItemFactory,
    ResourceItemFactory,
    SpecialityFactory,
    VolunteerFactory,
    college,
)

pytestmark = pytest.mark.django_db
BOARD = "tracker:menu-board"


def zh(message: str, **values) -> str:
    """A message as the page shows it (Chinese, whether or not the catalogue has it yet), HTML-escaped."""
    with translation.override("zh-hans"):
        text = _(message)
    return escape(text % values if values else text)


def tags(world, *names):
    return [SpecialityFactory(institution=world.institution, name=name) for name in names]


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def suggested_pairs(html: str) -> list[tuple[int, int]]:
    """(resource, need) of each suggestion row, in page order."""
    pairs = []
    for chunk in html.split('class="suggestion" ')[1:]:
        resource = int(chunk.split('data-resource="', 1)[1].split('"', 1)[0])
        need = int(chunk.split('data-need="', 1)[1].split('"', 1)[0])
        pairs.append((resource, need))
    return pairs


# --- The board and its suggestions ---------------------------------------------------------------------


def test_board_lists_needs_offers_and_matches_with_status(world, staff):
    match = MenuMatchFactory(need__unit=world.college, need__title="考研经验分享", resource__title="党史专题讲座",
                             status=MenuMatch.Status.AGREED)
    html = get(client_for(staff), reverse(BOARD))
    assert "考研经验分享" in html and "党史专题讲座" in html and match.resource.volunteer.name in html
    assert "badge--agreed" in html and reverse("tracker:match-detail", args=[match.pk]) in html


def test_suggestions_rank_pairs_by_shared_tags_and_skip_matched_or_inactive(world, staff):
    history, calligraphy, psychology, research = tags(world, "党史", "书法", "心理咨询", "科研指导")
    both = ResourceItemFactory(volunteer__unit=world.college, tags=[history, calligraphy])
    one = ResourceItemFactory(volunteer__unit=world.other_college, tags=[history])
    unrelated = ResourceItemFactory(volunteer__unit=world.college, tags=[research])
    off_menu = ResourceItemFactory(volunteer__unit=world.college, tags=[history, calligraphy], active=False)
    need = NeedItemFactory(unit=world.college, tags=[history, calligraphy, psychology])
    matched = NeedItemFactory(unit=world.college, tags=[history])
    MenuMatchFactory(resource=one, need=matched)
    html = get(client_for(staff), reverse(BOARD))
    pairs = suggested_pairs(html)
    assert pairs[0] == (both.pk, need.pk)
    assert (one.pk, need.pk) in pairs and (both.pk, matched.pk) in pairs
    assert pairs.index((both.pk, need.pk)) < pairs.index((one.pk, need.pk))
    assert (one.pk, matched.pk) not in pairs  # already matched
    assert all(resource not in (unrelated.pk, off_menu.pk) for resource, _need in pairs)
    assert services.suggest_matches(resources=ResourceItem.objects.all(), needs=NeedItem.objects.all())[0].shared == [
        calligraphy, history,
    ]


def test_suggestions_stop_at_fifty(world, staff):
    (shared,) = tags(world, "党史")
    for _n in range(8):
        ResourceItemFactory(volunteer__unit=world.college, tags=[shared])
    for _n in range(7):
        NeedItemFactory(unit=world.college, tags=[shared])
    assert len(suggested_pairs(get(client_for(staff), reverse(BOARD)))) == services.SUGGESTION_LIMIT == 50


def test_secretary_never_sees_another_colleges_volunteers_or_needs(world, secretary):
    (shared,) = tags(world, "党史")
    mine = ResourceItemFactory(volunteer__unit=world.college, volunteer__name="本院老师", tags=[shared])
    theirs = ResourceItemFactory(volunteer__unit=world.other_college, volunteer__name="外院老师", tags=[shared],
                                 title="外院讲座")
    my_need = NeedItemFactory(unit=world.college, tags=[shared])
    their_need = NeedItemFactory(unit=world.other_college, tags=[shared], title="化工学院的需求")
    client = client_for(secretary)
    html = get(client, reverse(BOARD))
    assert "本院老师" in html and "外院老师" not in html and "外院讲座" not in html and "化工学院的需求" not in html
    assert suggested_pairs(html) == [(mine.pk, my_need.pk)]
    # A unit filter in the address changes nothing for her: no other college's rows appear.
    html = get(client, reverse(BOARD), unit=world.other_college.pk)
    assert "外院老师" not in html and "化工学院的需求" not in html and (theirs.pk, their_need.pk) not in (
        suggested_pairs(html)
    )
    assert 'name="unit"' not in html  # no filter offered


def test_staff_filters_by_unit_and_gets_offers_from_any_college_for_its_needs(world, staff):
    (shared,) = tags(world, "党史")
    other_offer = ResourceItemFactory(volunteer__unit=world.other_college, tags=[shared], title="化工学院的讲座")
    need = NeedItemFactory(unit=world.college, tags=[shared], title="机电学院的需求")
    NeedItemFactory(unit=world.other_college, tags=[shared], title="化工学院的需求")
    html = get(client_for(staff), reverse(BOARD), unit=world.college.pk)
    needs = html[html.index('id="needs"'):]
    assert "机电学院的需求" in needs and "化工学院的需求" not in needs
    assert suggested_pairs(html) == [(other_offer.pk, need.pk)]
    assert "化工学院的讲座" not in html[html.index('id="resources"'):]  # the resource menu is the unit's own


def test_leader_reads_every_college_but_cannot_propose(world, leader):
    (shared,) = tags(world, "党史")
    ResourceItemFactory(volunteer__unit=world.other_college, tags=[shared], volunteer__name="外院老师")
    NeedItemFactory(unit=world.college, tags=[shared])
    html = get(client_for(leader), reverse(BOARD))
    assert "外院老师" in html and len(suggested_pairs(html)) == 1
    assert reverse("tracker:match-create") not in html and 'name="unit"' in html


def test_unknown_unit_filter_is_reported(world, staff):
    html = get(client_for(staff), reverse(BOARD), unit=999999)
    assert zh("A filter was not understood, so every unit is shown.") in html


def test_empty_board_says_what_to_do(world, secretary):
    html = get(client_for(secretary), reverse(BOARD))
    assert reverse("tracker:need-create") in html and reverse("tracker:resource-create") in html


def _menus_for(unit, shared) -> None:
    """An offer and two needs sharing tags, one pair matched, and a second offer: rows of every kind."""
    offer = ResourceItemFactory(volunteer__unit=unit, tags=shared)
    MenuMatchFactory(resource=offer, need=NeedItemFactory(unit=unit, tags=shared[:1]))
    NeedItemFactory(unit=unit, tags=shared)
    ResourceItemFactory(volunteer__unit=unit, tags=shared[1:])


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_board_query_count_stays_flat(world, staff):
    # session, user, profile, filter units, editable units, suggested pairs, their offers (+tags) and needs
    # (+tags), the needs menu (+tags), the resource menu (+tags), matches: none of them per row.
    shared = tags(world, "党史", "书法")
    for unit in (world.college, world.other_college):
        _menus_for(unit, shared)
    client = client_for(staff)
    url = reverse(BOARD)
    before = _queries(client, url)
    for n in range(38):
        _menus_for(college(world.institution, f"新增学院{n}", order=10 + n), shared)
    assert _queries(client, url) == before
    assert before <= 16


# --- Adding to the menus -------------------------------------------------------------------------------


def test_secretary_adds_a_need_with_chosen_and_new_tags(world, secretary):
    (history,) = tags(world, "党史")
    client = client_for(secretary)
    html = get(client, reverse("tracker:need-create"))
    assert f'<option value="{world.college.pk}"' in html and f'value="{world.other_college.pk}"' not in html
    response = client.post(reverse("tracker:need-create"), {
        "unit": world.college.pk, "audience": "students", "title": "入党积极分子党史辅导",
        "tags": [history.pk], "new_tags": "思想政治教育，党建",
    })
    assert response.status_code == 302
    need = NeedItem.objects.get()
    assert need.unit == world.college and need.title == "入党积极分子党史辅导"
    assert sorted(tag.name for tag in need.tags.all()) == sorted(["党史", "思想政治教育", "党建"])
    assert need.history.first().history_user == secretary


def test_need_without_title_is_refused_with_nothing_stored(world, secretary):
    response = client_for(secretary).post(reverse("tracker:need-create"), {
        "unit": world.college.pk, "audience": "students", "title": "", "new_tags": "党建",
    })
    assert response.status_code == 400
    assert zh("Please correct the errors below. Nothing was saved.") in response.content.decode()
    assert not NeedItem.objects.exists() and not Speciality.objects.exists()


def test_overlong_new_tag_is_refused(world, staff):
    response = client_for(staff).post(reverse("tracker:need-create"), {
        "unit": world.college.pk, "audience": "students", "title": "需求", "new_tags": "长" * 31,
    })
    assert response.status_code == 400 and not NeedItem.objects.exists()


def test_offer_takes_the_volunteers_specialities_when_no_tag_is_given(world, secretary):
    volunteer = VolunteerFactory(unit=world.college)
    volunteer.specialities.set(tags(world, "书法", "党史"))
    response = client_for(secretary).post(reverse("tracker:resource-create"), {
        "volunteer": volunteer.pk, "title": "书法入门", "description": "每周一次",
    })
    assert response.status_code == 302
    offer = ResourceItem.objects.get()
    assert offer.volunteer == volunteer and {t.name for t in offer.tags.all()} == {"书法", "党史"}


def test_secretary_cannot_offer_for_another_colleges_volunteer(world, secretary):
    outsider = VolunteerFactory(unit=world.other_college, name="外院老师")
    client = client_for(secretary)
    assert "外院老师" not in get(client, reverse("tracker:resource-create"))
    response = client.post(reverse("tracker:resource-create"), {"volunteer": outsider.pk, "title": "讲座"})
    assert response.status_code == 400 and not ResourceItem.objects.exists()


def test_leader_cannot_open_the_forms(world, leader):
    client = client_for(leader)
    assert client.get(reverse("tracker:need-create")).status_code == 403
    assert client.get(reverse("tracker:resource-create")).status_code == 403


def test_offer_form_without_volunteers_says_to_fill_the_roster(world, liaison):
    html = get(client_for(liaison), reverse("tracker:resource-create"))
    assert 'name="title"' not in html and reverse("tracker:menu-board") in html


def test_services_check_permission_too(world, secretary):
    with pytest.raises(PermissionDenied):
        services.need_create(actor=secretary, unit=world.other_college, audience="students", title="越权")
    with pytest.raises(PermissionDenied):
        services.resource_create(actor=secretary, volunteer=VolunteerFactory(unit=world.other_college), title="越权")


# --- Matches: proposal, transitions, stale forms -------------------------------------------------------


def propose(client, resource, need):
    return client.post(reverse("tracker:match-create"), {"resource": resource.pk, "need": need.pk})


def test_secretary_proposes_a_match_from_a_suggestion(world, secretary):
    (shared,) = tags(world, "党史")
    offer = ResourceItemFactory(volunteer__unit=world.college, tags=[shared])
    need = NeedItemFactory(unit=world.college, tags=[shared])
    client = client_for(secretary)
    response = propose(client, offer, need)
    assert response.status_code == 302
    match = MenuMatch.objects.get()
    assert (match.status, match.proposed_on, match.version) == ("proposed", timezone.localdate(), 1)
    assert response["Location"] == reverse("tracker:match-detail", args=[match.pk])
    assert suggested_pairs(get(client, reverse(BOARD))) == []  # matched pairs are no longer suggested


def test_the_same_pair_twice_is_refused(world, staff):
    match = MenuMatchFactory(need__unit=world.college)
    response = propose(client_for(staff), match.resource, match.need)
    assert response.status_code == 400
    assert zh("This offer is already matched with this need.") in response.content.decode()
    assert MenuMatch.objects.count() == 1


def test_a_need_off_the_menu_cannot_be_matched(world, staff):
    offer = ResourceItemFactory(volunteer__unit=world.college)
    need = NeedItemFactory(unit=world.college, active=False, title="已撤下的需求")
    response = propose(client_for(staff), offer, need)
    assert response.status_code == 400 and not MenuMatch.objects.exists()
    assert zh("“%(title)s” is no longer on the needs menu.", title="已撤下的需求") in response.content.decode()


def test_missing_ids_are_a_form_error(world, staff):
    response = client_for(staff).post(reverse("tracker:match-create"), {"resource": "", "need": "x"})
    assert response.status_code == 400 and not MenuMatch.objects.exists()


def test_secretary_cannot_pair_her_need_with_another_colleges_offer(world, secretary):
    outsider = ResourceItemFactory(volunteer__unit=world.other_college)
    need = NeedItemFactory(unit=world.college)
    assert propose(client_for(secretary), outsider, need).status_code == 404
    assert not MenuMatch.objects.exists()


def advance(client, match, **fields):
    data = {"version": match.version, "status": "agreed", "feedback": ""}
    data.update(fields)
    return client.post(reverse("tracker:match-advance", args=[match.pk]), data)


def test_match_goes_proposed_agreed_delivered_with_feedback_and_date(world, secretary):
    match = MenuMatchFactory(need__unit=world.college)
    client = client_for(secretary)
    assert advance(client, match, status="agreed").status_code == 302
    match.refresh_from_db()
    assert (match.status, match.version, match.delivered_on) == ("agreed", 2, None)
    response = advance(client, match, status="delivered", feedback="学生反馈很有收获。",
                       delivered_on=str(timezone.localdate() - dt.timedelta(days=1)))
    assert response.status_code == 302
    match.refresh_from_db()
    assert (match.status, match.version) == ("delivered", 3)
    assert match.delivered_on == timezone.localdate() - dt.timedelta(days=1)
    assert match.feedback == "学生反馈很有收获。"
    html = get(client, reverse("tracker:match-detail", args=[match.pk]))
    assert "学生反馈很有收获。" in html and secretary.first_name in html and 'name="version"' not in html


def test_delivery_date_defaults_to_today(world, staff):
    match = MenuMatchFactory(need__unit=world.college, status=MenuMatch.Status.AGREED)
    assert advance(client_for(staff), match, status="delivered", feedback="顺利完成。").status_code == 302
    match.refresh_from_db()
    assert match.delivered_on == timezone.localdate()


def test_delivery_without_feedback_is_refused(world, staff):
    match = MenuMatchFactory(need__unit=world.college, status=MenuMatch.Status.AGREED)
    response = advance(client_for(staff), match, status="delivered", feedback="  ")
    assert response.status_code == 400
    assert zh("Say how the delivery went before marking it delivered.") in response.content.decode()
    match.refresh_from_db()
    assert (match.status, match.version) == ("agreed", 1)


def test_delivery_in_the_future_or_before_the_proposal_is_refused(world, staff):
    match = MenuMatchFactory(need__unit=world.college, status=MenuMatch.Status.AGREED, proposed_on=dt.date(2021, 3, 1))
    client = client_for(staff)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert advance(client, match, status="delivered", feedback="好", delivered_on=str(tomorrow)).status_code == 400
    assert advance(client, match, status="delivered", feedback="好", delivered_on="2021-02-01").status_code == 400
    match.refresh_from_db()
    assert match.status == "agreed"


@pytest.mark.parametrize(
    ("start", "target"),
    [("proposed", "delivered"), ("proposed", "proposed"), ("agreed", "proposed"), ("delivered", "agreed"),
     ("delivered", "delivered")],
)
def test_illegal_transitions_are_refused_with_a_message(world, staff, start, target):
    match = MenuMatchFactory(need__unit=world.college, status=start)
    response = advance(client_for(staff), match, status=target, feedback="试图跳过")
    assert response.status_code == 400
    html = response.content.decode()
    allowed = MenuMatch.TRANSITIONS[start]
    with translation.override("zh-hans"):
        now = MenuMatch.Status(start).label
        if allowed:
            expected = _("A match that is “%(now)s” can only become “%(next)s”.") % {
                "now": now, "next": "、".join(str(MenuMatch.Status(s).label) for s in allowed)}
        else:
            expected = _("A match that is “%(now)s” cannot change any more.") % {"now": now}
    assert escape(expected) in html
    match.refresh_from_db()
    assert (match.status, match.version) == (start, 1)


def test_stale_form_is_refused_and_keeps_the_users_feedback(world, staff, secretary):
    match = MenuMatchFactory(need__unit=world.college)
    assert advance(client_for(secretary), match, status="agreed").status_code == 302
    # The staff member's page was loaded at version 1, before the secretary's change.
    response = advance(client_for(staff), match, version=1, status="agreed", feedback="我这边也约好了时间。")
    assert response.status_code == 409
    html = response.content.decode()
    assert zh("Someone else changed this match after you opened it. Your input is kept below; "
              "look at the match as it is now, then save again.") in html
    assert "我这边也约好了时间。" in html and 'name="version" value="2"' in html
    assert 'name="status" value="delivered"' in html
    match.refresh_from_db()
    assert (match.status, match.version) == ("agreed", 2)


def test_stale_form_on_a_delivered_match_still_shows_what_was_typed(world, staff):
    match = MenuMatchFactory(need__unit=world.college, status=MenuMatch.Status.DELIVERED, version=3)
    response = advance(client_for(staff), match, version=2, status="delivered", feedback="旧页面写的反馈")
    assert response.status_code == 409 and "旧页面写的反馈" in response.content.decode()


def test_leader_sees_the_match_but_cannot_advance_it(world, leader):
    match = MenuMatchFactory(need__unit=world.college)
    client = client_for(leader)
    assert 'name="version"' not in get(client, reverse("tracker:match-detail", args=[match.pk]))
    assert advance(client, match).status_code == 403
    match.refresh_from_db()
    assert match.status == "proposed"


def test_service_refuses_a_stale_version(world, staff):
    match = MenuMatchFactory(need__unit=world.college, version=4)
    with pytest.raises(services.StaleMatchError) as refused:
        services.match_advance(actor=staff, match=match, loaded_version=3, status="agreed")
    assert refused.value.current.version == 4
    with pytest.raises(ValidationError):
        services.match_advance(actor=staff, match=match, loaded_version=4, status="delivered", feedback="跳步")


def test_secretary_sees_a_match_for_her_need_but_not_who_from_another_college_offers_it(world, secretary):
    from .factories import MenuMatchFactory

    match = MenuMatchFactory(need__unit=world.college, resource__volunteer__unit=world.other_college,
                             resource__volunteer__name="外院老同志甲")
    client = client_for(secretary)
    board = client.get(reverse("tracker:menu-board")).content.decode()
    detail = client.get(reverse("tracker:match-detail", args=[match.pk])).content.decode()
    assert match.resource.title in board and match.resource.title in detail
    assert "外院老同志甲" not in board and "外院老同志甲" not in detail
