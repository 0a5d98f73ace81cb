"""Accounts set up in the portal (tracker/setup): committee staff list, add and change their own institution's accounts
(one 姓名 in Chinese order, role and unit), hand out one-time links to set a password, deactivate and reactivate; the
administrator adds a university with its first committee-staff account. Nobody makes an administrator here, and
another institution's account is a 404."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tracker.org.history import changes_for
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.setup.services import accounts as services
from tracker.setup.services.accounts import AccountData

from .conftest import client_for, make_person
from .factories import OrgUnitFactory
from .test_chinese_only import english_left

pytestmark = pytest.mark.django_db
User = get_user_model()
Role = Profile.Role
LINK = re.compile(r"http://testserver(/accounts/password/set/[^/]+/[^/<\s]+/)")


def zh(message: str, **values) -> str:
    with translation.override("zh-hans"):
        text = _(message)
    return text % values if values else text


@pytest.fixture
def survey(world):
    """A college of our own making, without e-mail."""
    return OrgUnitFactory(institution=world.institution, kind=OrgUnit.Kind.COLLEGE, name="测绘与地理信息学院")


def new_account(client, institution=None, **fields):
    data = {"full_name": "欧阳晓明", "username": "ouyang.xm", "email": "", "role": Role.LEADER, "unit": ""}
    data.update(fields)
    if institution is not None:
        data["institution"] = institution.pk
    return client.post(reverse("tracker:setup-account-create"), data)


def signs_in(username: str, password: str) -> bool:
    """Whether the sign-in page lets these in (it answers a refusal with the form again, 200)."""
    return Client().post(reverse("login"), {"username": username, "password": password}).status_code == 302


def link_of(response) -> str:
    found = LINK.findall(response.content.decode())
    assert len(found) == 1, found
    return found[0]


# --- The list ----------------------------------------------------------------------------------------


def test_list_shows_each_account_of_the_institution_only(world, staff, other_staff, secretary, admin_user, survey):
    person = make_person("zhou.wj", Role.SECRETARY, world.institution, survey)
    person.first_name, person.email = "周文静", "zhouwj@example.edu.cn"
    person.last_login = timezone.now()
    person.save()
    html = client_for(staff).get(reverse("tracker:setup-account-list")).content.decode()
    row = html[html.index(f'id="account-{person.pk}"'):]
    row = row[:row.index("</tr>")]
    for text in ("周文静", "zhou.wj", zh("College secretary"), "测绘与地理信息学院", "zhouwj@example.edu.cn",
                 zh("Active"), f"{timezone.localtime(person.last_login):%Y-%m-%d}"):
        assert text in row, text
    assert f'id="account-{secretary.pk}"' in html
    assert f'id="account-{other_staff.pk}"' not in html  # another institution's
    assert f'id="account-{admin_user.pk}"' not in html  # never an administrator's
    assert english_left(html, frozenset({"zhou", "wj", "staff", "secretary"})) == []


@pytest.mark.parametrize("persona", ["secretary", "liaison", "leader"])
def test_other_roles_may_not_open_the_accounts(request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("tracker:setup-account-list")).status_code == 403
    assert new_account(client).status_code == 403
    assert not User.objects.filter(username="ouyang.xm").exists()


# --- Adding an account, and its one-time link ------------------------------------------------------------


def test_staff_adds_a_secretary_whose_link_sets_the_password_once(world, staff, survey):
    response = new_account(client_for(staff), full_name="欧阳 晓明", username="ouyang.xm",
                           email="ouyang@example.edu.cn", role=Role.SECRETARY, unit=survey.pk)
    assert response.status_code == 200
    person = User.objects.get(username="ouyang.xm")
    assert (person.first_name, person.last_name, person.get_full_name()) == ("欧阳 晓明", "", "欧阳 晓明")
    assert not person.has_usable_password() and person.is_active
    assert (person.profile.role, person.profile.unit, person.profile.institution) == (
        Role.SECRETARY, survey, world.institution)
    html = response.content.decode()
    assert zh("Sent to %(address)s", address="ouyang@example.edu.cn") in html
    assert english_left(html, frozenset({"ouyang", "xm", "testserver"})) == []
    path = link_of(response)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ouyang@example.edu.cn"]
    assert path in mail.outbox[0].body and "ouyang.xm" in mail.outbox[0].body

    visitor = Client()
    page = visitor.get(path, follow=True)
    assert page.status_code == 200 and "ouyang.xm" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    done = visitor.post(set_url, {"new_password1": "Cehui-2024-xin", "new_password2": "Cehui-2024-xin"})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    person.refresh_from_db()
    assert person.check_password("Cehui-2024-xin")
    again = Client().get(path, follow=True).content.decode()
    assert zh("This link does not work: it was used already, it is too old, or it was copied incompletely. Ask "
              "your committee staff for a new one.") in again


def test_an_account_without_e_mail_gets_its_link_on_the_page_only(world, staff):
    response = new_account(client_for(staff), username="lao.zhang", role=Role.LEADER)
    assert response.status_code == 200
    assert zh("No address: hand the link over.") in response.content.decode()
    assert link_of(response) and mail.outbox == []


def test_a_secretary_needs_a_college_and_a_liaison_a_member_unit(world, staff, survey):
    client = client_for(staff)
    no_unit = new_account(client, role=Role.SECRETARY)
    assert no_unit.status_code == 400
    assert zh("A %(role)s must be bound to a unit of kind “%(kind)s”: choose it.",
              role=zh("College secretary"), kind=zh("College committee")) in no_unit.content.decode()
    wrong_kind = new_account(client, role=Role.LIAISON, unit=survey.pk)
    assert wrong_kind.status_code == 400
    assert zh("A %(role)s must be bound to a unit of kind “%(kind)s”; %(unit)s is a %(other)s.",
              role=zh("Member-unit liaison"), kind=zh("Member unit"), unit="测绘与地理信息学院",
              other=zh("College committee")) in wrong_kind.content.decode()
    assert not User.objects.filter(username="ouyang.xm").exists()


def test_a_user_name_taken_in_any_case_is_refused(world, staff):
    make_person("Ouyang.XM", Role.LEADER, world.other_institution)
    response = new_account(client_for(staff), username="ouyang.xm")
    assert response.status_code == 400
    assert zh("The user name “%(name)s” is taken; choose another.", name="ouyang.xm") in response.content.decode()


def test_staff_cannot_create_an_administrator(world, staff):
    response = new_account(client_for(staff), role=Role.ADMIN)
    assert response.status_code == 400
    assert zh("An administrator cannot be made here, neither as a new account nor by changing a role. Choose one of "
              "the other roles.") in response.content.decode()
    assert not User.objects.filter(username="ouyang.xm").exists()
    offered = client_for(staff).get(reverse("tracker:setup-account-create")).content.decode()
    assert f'value="{Role.ADMIN}"' not in offered and f'value="{Role.LEADER}"' in offered


def test_staff_cannot_promote_an_account_to_administrator(world, staff, leader):
    response = client_for(staff).post(reverse("tracker:setup-account-update", args=[leader.pk]), {
        "full_name": leader.first_name, "username": "leader", "email": "", "role": Role.ADMIN, "unit": ""})
    assert response.status_code == 400
    assert zh("An administrator cannot be made here, neither as a new account nor by changing a role. Choose one of "
              "the other roles.") in response.content.decode()
    leader.refresh_from_db()
    assert leader.profile.role == Role.LEADER and not leader.is_superuser and not leader.is_staff
    with pytest.raises(ValidationError):
        services.account_update(actor=staff, account=leader, data=AccountData(
            full_name="校领导", username="leader", role=Role.ADMIN))


# --- Changing an account -----------------------------------------------------------------------------------


def test_staff_changes_name_role_and_unit_and_the_history_records_it(world, staff, leader, survey):
    response = client_for(staff).post(reverse("tracker:setup-account-update", args=[leader.pk]), {
        "full_name": "司马光明", "username": "sima.gm", "email": "sima@example.edu.cn", "role": Role.SECRETARY,
        "unit": survey.pk})
    assert response.status_code == 302
    leader.refresh_from_db()
    assert (leader.first_name, leader.last_name, leader.username, leader.email) == (
        "司马光明", "", "sima.gm", "sima@example.edu.cn")
    assert (leader.profile.role, leader.profile.unit) == (Role.SECRETARY, survey)
    change = changes_for(leader.profile)[0]
    assert change.who == staff.get_full_name()


def test_nobody_changes_their_own_role_or_deactivates_themselves(world, staff):
    client = client_for(staff)
    response = client.post(reverse("tracker:setup-account-update", args=[staff.pk]), {
        "full_name": "新名字", "username": "staff", "email": "", "role": Role.LEADER, "unit": ""})
    assert response.status_code == 400
    assert zh("You cannot change your own role; ask another member of committee staff.") in response.content.decode()
    refused = client.post(reverse("tracker:setup-account-deactivate", args=[staff.pk]))
    assert refused.status_code == 400
    assert zh("You cannot deactivate your own account.") in refused.content.decode()
    staff.refresh_from_db()
    assert staff.profile.role == Role.STAFF and staff.is_active and staff.first_name != "新名字"


def test_a_deactivated_account_cannot_sign_in_until_reactivated(world, staff, liaison):
    liaison.set_password("Lianluo-2024")
    liaison.save()
    client = client_for(staff)
    assert client.post(reverse("tracker:setup-account-deactivate", args=[liaison.pk])).status_code == 302
    liaison.refresh_from_db()
    assert not liaison.is_active
    signed_in = client_for(liaison)  # a session opened before: it ends at the next page
    assert signed_in.get(reverse("tracker:home")).status_code == 302
    assert not signs_in("liaison", "Lianluo-2024")
    refused = client.post(reverse("tracker:setup-account-link", args=[liaison.pk]))
    assert refused.status_code == 400
    assert zh("This account is deactivated: reactivate it before giving a link.") in refused.content.decode()
    assert client.post(reverse("tracker:setup-account-reactivate", args=[liaison.pk])).status_code == 302
    assert signs_in("liaison", "Lianluo-2024")


def test_a_new_link_for_someone_who_forgot_the_password(world, staff, secretary):
    secretary.email = "mishu@example.edu.cn"
    secretary.save()
    response = client_for(staff).post(reverse("tracker:setup-account-link", args=[secretary.pk]))
    assert response.status_code == 200
    path = link_of(response)
    assert mail.outbox[0].to == ["mishu@example.edu.cn"] and path in mail.outbox[0].body
    visitor = Client()
    set_url = visitor.get(path, follow=True).redirect_chain[-1][0]
    visitor.post(set_url, {"new_password1": "Mishu-new-2025", "new_password2": "Mishu-new-2025"})
    secretary.refresh_from_db()
    assert secretary.check_password("Mishu-new-2025")


def test_another_institutions_account_is_a_404(world, other_staff, secretary):
    client = client_for(other_staff)
    assert client.get(reverse("tracker:setup-account-update", args=[secretary.pk])).status_code == 404
    for name in ("tracker:setup-account-update", "tracker:setup-account-link", "tracker:setup-account-deactivate",
                 "tracker:setup-account-reactivate"):
        assert client.post(reverse(name, args=[secretary.pk]), {
            "full_name": "越权", "username": "x", "role": Role.LEADER}).status_code == 404, name
    assert new_account(client, world.institution).status_code == 404
    assert client.get(reverse("tracker:setup-account-list") + f"?institution={world.institution.pk}"
                      ).status_code == 404
    secretary.refresh_from_db()
    assert secretary.is_active and secretary.first_name != "越权" and mail.outbox == []


def test_an_administrators_account_is_a_404_even_for_the_administrator(world, staff, admin_user):
    assert client_for(staff).get(reverse("tracker:setup-account-update", args=[admin_user.pk])).status_code == 404
    assert client_for(admin_user).post(reverse("tracker:setup-account-deactivate", args=[admin_user.pk])
                                       ).status_code == 404


# --- The administrator adds a university ---------------------------------------------------------------------


INSTITUTION = {"name": "江苏测试学院", "short_name": "江测", "code": "jstest", "full_name": "上官婉清",
               "username": "shangguan", "email": "sg@example.edu.cn"}


def test_the_administrator_adds_a_university_and_its_first_staff_account(world, admin_user):
    response = client_for(admin_user).post(reverse("tracker:setup-institution-create"), INSTITUTION)
    assert response.status_code == 200
    institution = Institution.objects.get(code="jstest")
    person = User.objects.get(username="shangguan")
    assert (institution.name, institution.short_name) == ("江苏测试学院", "江测")
    assert (person.first_name, person.last_name, person.profile.role, person.profile.institution) == (
        "上官婉清", "", Role.STAFF, institution)
    assert person.is_staff and not person.is_superuser and not person.has_usable_password()
    assert link_of(response) in mail.outbox[0].body
    # The new staff member sets up the new university only.
    newcomer = client_for(person)
    assert "江苏测试学院" in newcomer.get(reverse("tracker:setup-unit-list")).content.decode()
    assert newcomer.get(reverse("tracker:setup-unit-list") + f"?institution={world.institution.pk}"
                        ).status_code == 404


def test_a_taken_code_or_user_name_adds_nothing(world, admin_user, staff):
    response = client_for(admin_user).post(reverse("tracker:setup-institution-create"),
                                           {**INSTITUTION, "code": "CUMT", "username": "staff"})
    assert response.status_code == 400
    html = response.content.decode()
    assert zh("The code “%(code)s” is taken; choose another.", code="cumt") in html
    assert zh("The user name “%(name)s” is taken; choose another.", name="staff") in html
    assert not Institution.objects.filter(name="江苏测试学院").exists()


def test_only_the_administrator_adds_universities(world, staff):
    client = client_for(staff)
    assert client.get(reverse("tracker:setup-institution-create")).status_code == 403
    assert client.post(reverse("tracker:setup-institution-create"), INSTITUTION).status_code == 403
    assert not Institution.objects.filter(code="jstest").exists()


def test_the_set_up_pages_read_in_chinese(world, staff, admin_user, survey):
    pages = [
        (staff, reverse("tracker:setup")),
        (staff, reverse("tracker:setup-unit-create")),
        (staff, reverse("tracker:setup-unit-update", args=[survey.pk])),
        (staff, reverse("tracker:setup-account-create")),
        (staff, reverse("tracker:setup-account-update", args=[staff.pk])),
        (staff, reverse("tracker:setup-import")),
        (admin_user, reverse("tracker:setup")),
        (admin_user, reverse("tracker:setup-institution-create")),
        (None, reverse("password_set", args=["MQ", "not-a-token"])),
    ]
    for user, path in pages:
        response = client_for(user).get(path)
        assert response.status_code == 200, path
        assert english_left(response.content.decode(), frozenset({"staff", "admin", "cumt"})) == [], path
    home = client_for(staff).get(reverse("tracker:home")).content.decode()
    assert f'href="{reverse("tracker:setup")}">{zh("Set-up")}</a>' in home
    assert reverse("tracker:setup") not in client_for(make_person("lead2", Role.LEADER, world.institution)).get(
        reverse("tracker:home")).content.decode()


def test_the_account_list_asks_the_same_queries_for_few_accounts_and_many(world, staff, survey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff)
    client.get(reverse("tracker:setup-account-list"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("tracker:setup-account-list")).status_code == 200
    for n in range(20):
        make_person(f"person{n}", Role.SECRETARY if n % 2 else Role.LEADER, world.institution,
                    survey if n % 2 else None)
    with CaptureQueriesContext(connection) as large:
        html = client.get(reverse("tracker:setup-account-list")).content.decode()
    assert "person19" in html
    # session, user, profile, the institutions (frame), the accounts with their profiles and units joined
    assert len(large) == len(small), [q["sql"][:100] for q in large.captured_queries]
