"""Changes to a person's own record (姓名, user name, e-mail, active) are kept in the history and shown on the
account's page, with the role changes; signing in writes none."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tracker.org.history import account_changes, changes_for
from tracker.org.models import Profile
from tracker.setup.services.accounts import AccountData, account_create, account_set_active, account_update

from .conftest import client_for

pytestmark = pytest.mark.django_db
Role = Profile.Role


def zh(text) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(str(text))


def _fields(change) -> dict[str, tuple[str, str]]:
    return {item.field: (item.old, item.new) for item in change.changes}


def test_name_and_e_mail_changes_are_recorded_with_who_made_them(world, staff, liaison):
    liaison.first_name, liaison.email = "欧阳秀兰", "ouyang@example.edu.cn"
    liaison.save()
    account_update(actor=staff, account=liaison, data=AccountData(
        full_name="欧阳慧兰", username=liaison.username, email="oyhl@example.edu.cn", role=Role.LIAISON,
        unit=world.member_unit))
    record = liaison.history.order_by("-history_id").first()
    assert record.history_user == staff and (record.first_name, record.email) == ("欧阳慧兰", "oyhl@example.edu.cn")
    with translation.override("zh-hans"):
        latest = account_changes(liaison)[0]
    fields = _fields(latest)
    assert fields[zh("Name")] == ("欧阳秀兰", "欧阳慧兰")
    assert latest.who == staff.get_full_name()
    assert any(old == "ouyang@example.edu.cn" and new == "oyhl@example.edu.cn" for old, new in fields.values())


def test_the_password_hash_and_sign_in_time_are_not_copied_and_signing_in_writes_nothing(world, liaison):
    User = get_user_model()
    historical = {field.name for field in User.history.model._meta.fields}
    assert "password" not in historical and "last_login" not in historical
    assert {"first_name", "email", "username", "is_active"} <= historical
    before = liaison.history.count()
    liaison.set_password("一个新的密码-2026")
    liaison.save()
    Client().force_login(liaison)  # as a sign-in does: update_last_login saves only `last_login`
    liaison.refresh_from_db()
    assert liaison.last_login is not None
    assert liaison.history.count() == before + 1, "the password save is recorded; the sign-in stamp is not"
    # ... and the password save shows no line (nothing a reader may see changed)
    assert all(change.kind != "changed" or change.changes for change in account_changes(liaison))
    liaison.first_name = "张卫国"
    liaison.save()
    assert liaison.history.order_by("-history_id").first().first_name == "张卫国", "the next save is recorded"


def test_the_account_page_shows_name_e_mail_role_and_deactivation_changes(world, staff, leader):
    client = client_for(staff)
    url = reverse("tracker:setup-account-update", args=[leader.pk])
    response = client.post(url, {"full_name": "诸葛明远", "username": "zhuge.my", "email": "zhuge@example.edu.cn",
                                 "role": Role.LEADER, "unit": ""})
    assert response.status_code == 302
    account_set_active(actor=staff, account=leader, active=False)
    page = client.get(url).content.decode()
    assert "诸葛明远" in page and "zhuge@example.edu.cn" in page and "zhuge.my" in page
    history = page[page.index('id="history"'):]
    assert "诸葛明远" in history and "zhuge@example.edu.cn" in history
    assert staff.get_full_name() in history
    with translation.override("zh-hans"):
        lines = account_changes(leader)
    assert [line.when for line in lines] == sorted((line.when for line in lines), reverse=True)
    active_label = zh(get_user_model()._meta.get_field("is_active").verbose_name)
    assert [(c.field, c.old, c.new) for c in lines[0].changes] == [(active_label, zh("Yes"), zh("No"))]


def test_a_new_account_and_its_role_are_both_in_its_history(world, staff):
    account = account_create(actor=staff, institution=world.institution, data=AccountData(
        full_name="上官婉清", username="shangguan", email="sg@example.edu.cn", role=Role.SECRETARY,
        unit=world.other_college))
    assert {record.history_user for record in account.history.all()} == {staff}
    kinds = [change.kind for change in account_changes(account)]
    assert kinds.count("created") == 2, "the person and their role"
    assert len(account_changes(account)) == len(changes_for(account.profile)) + 1


def test_the_account_page_asks_the_same_queries_for_a_short_and_a_long_history(world, staff, leader,
                                                                             django_assert_max_num_queries):
    client = client_for(staff)
    url = reverse("tracker:setup-account-update", args=[leader.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for n in range(12):
        leader.first_name = f"王{n}号"
        leader._history_user = staff
        leader.save()
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(url)
    assert "王11号" in response.content.decode()
