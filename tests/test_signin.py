"""Signing in: lockout with a cool-off, sign-out after inactivity, changing one's password, the second factor
(TOTP) that administrators must use and others may, and university single sign-on (CAS) against a stub.

Time is moved with time-machine; TOTP codes are computed with django_otp.oath.totp, as the phone app would.
"""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tracker.signin.lockout import client_ip

from .conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"  # tests/factories.py: every factory user's password
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)  # 17:00 in Asia/Shanghai
CAS_SERVER = "https://cas.example.edu.cn/cas/"


@pytest.fixture(autouse=True)
def _second_factor_enforced(settings):
    """The rest of the suite signs the admin persona in with force_login and no code; here the rule is on."""
    settings.OTP_ADMIN_REQUIRED = True


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def code_for(device: TOTPDevice) -> str:
    """The code the phone shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def enrolled_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="portal", confirmed=True)


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Lockout ----------------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_user_name_until_the_cool_off_has_passed(staff):
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for attempt in range(1, 5):
            response = sign_in(client, "staff", "wrong-password")
            assert response.status_code == 200
            assert response.context["attempts_left"] == 5 - attempt
        locked = sign_in(client, "staff", "wrong-password")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert 'id="locked-out"' in page and '<strong id="retry-at">17:15</strong>' in page

        refused = sign_in(client, "staff")  # the right password, during the lockout
        assert refused.status_code == 429 and signed_in_user_id(client) is None
        assert '<strong id="retry-at">17:15</strong>' in refused.content.decode()  # retrying does not move it

        traveller.shift(dt.timedelta(minutes=14))
        assert sign_in(client, "staff").status_code == 429

        traveller.shift(dt.timedelta(minutes=1, seconds=1))
        response = sign_in(client, "staff")
        assert response.status_code == 302 and response["Location"] == reverse("tracker:home")
        assert signed_in_user_id(client) == str(staff.pk)
    assert not AccessAttempt.objects.filter(username="staff").exists()  # reset on success


def test_a_right_password_resets_the_count(staff):
    client = Client()
    for _ in range(4):
        sign_in(client, "staff", "wrong-password")
    assert sign_in(client, "staff").status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        response = sign_in(client, "staff", "wrong-password")
    assert response.status_code == 200 and response.context["attempts_left"] == 1


def test_lockout_is_per_user_name_and_address(staff, secretary):
    client = Client()
    for _ in range(5):
        sign_in(client, "staff", "wrong-password")
    assert sign_in(client, "staff").status_code == 429
    assert sign_in(Client(), "staff", REMOTE_ADDR="10.20.30.40").status_code == 302  # another computer
    assert sign_in(Client(), "secretary").status_code == 302  # another user at the same computer


def test_client_address_behind_a_reverse_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.1.2.3")
    assert client_ip(request) == "127.0.0.1"  # no proxy configured: the header is not trusted
    settings.SIGNIN_PROXY_COUNT = 1
    assert client_ip(request) == "10.1.2.3"  # the entry nginx appended; the forged one on the left is ignored
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


# --- Inactivity ---------------------------------------------------------------------------------------------------


def test_signed_out_after_two_hours_without_a_request_but_not_while_in_use(staff):
    home = reverse("tracker:home")
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        assert sign_in(client, "staff").status_code == 302
        for _ in range(3):  # a request every 119 minutes keeps the session alive
            traveller.shift(dt.timedelta(minutes=119))
            assert client.get(home).status_code == 200
        traveller.shift(dt.timedelta(minutes=121))
        response = client.get(home)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={home}"
        assert signed_in_user_id(client) is None
        assert any("120" in text for text in message_texts(response))


def test_inactivity_timeout_comes_from_the_settings(staff, settings):
    settings.SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=30)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "staff")
        traveller.shift(dt.timedelta(minutes=31))
        assert client.get(reverse("tracker:home")).status_code == 302
        assert signed_in_user_id(client) is None


# --- Password change ----------------------------------------------------------------------------------------------


def test_the_header_links_the_user_name_to_the_account_page(staff):
    page = client_for(staff).get(reverse("tracker:home")).content.decode()
    assert f'id="account-link" href="{reverse("account")}"' in page
    account = client_for(staff).get(reverse("account")).content.decode()
    assert f'href="{reverse("password_change")}"' in account


def test_password_change_applies_the_validators_and_keeps_the_user_signed_in(secretary):
    client = client_for(secretary)
    url = reverse("password_change")
    assert client.get(url).status_code == 200
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and weak.context["form"].errors["new_password2"]
    short = client.post(url, {"old_password": PASSWORD, "new_password1": "x7#", "new_password2": "x7#"})
    assert "密码长度太短" in short.content.decode()  # in Chinese, like the other rules
    wrong_old = client.post(url, {"old_password": "not-it", "new_password1": "Gwgw-spring-2025",
                                  "new_password2": "Gwgw-spring-2025"})
    assert wrong_old.status_code == 200 and wrong_old.context["form"].errors["old_password"]
    secretary.refresh_from_db()
    assert secretary.check_password(PASSWORD)

    done = client.post(url, {"old_password": PASSWORD, "new_password1": "Gwgw-spring-2025",
                             "new_password2": "Gwgw-spring-2025"})
    assert done.status_code == 302 and done["Location"] == reverse("account")
    secretary.refresh_from_db()
    assert secretary.check_password("Gwgw-spring-2025")
    assert client.get(reverse("tracker:home")).status_code == 200  # still signed in
    assert sign_in(Client(), "secretary", "Gwgw-spring-2025").status_code == 302


# --- Second factor ------------------------------------------------------------------------------------------------


def test_an_administrator_without_a_device_must_enrol_before_any_page_opens(admin_user):
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        assert sign_in(client, "admin").status_code == 302
        setup = reverse("otp_setup")
        for url in (reverse("tracker:home"), reverse("admin:index"), reverse("tracker:plan-list"),
                    reverse("account")):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(setup), url
        assert client.post(reverse("otp_remove")).status_code == 302  # a POST is turned away too

        page = client.get(f"{setup}?next=/admin/")
        html = page.content.decode()
        assert page.status_code == 200 and re.search(r'<svg role="img" aria-label="[^"]+" class="qr-code"', html)
        assert "<script" not in html.split('class="qr-code"', 1)[1].split("</svg>", 1)[0]
        device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
        key = re.search(r'id="manual-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
        assert key.startswith(device.config_url.split("secret=")[1].split("&")[0][:16])

        wrong = client.post(setup, {"code": wrong_code(device), "next": "/admin/"})
        assert wrong.status_code == 200 and wrong.context["form"].errors
        traveller.shift(dt.timedelta(seconds=2))  # wrong codes slow further tries down (1, 2, 4 … seconds)
        right = client.post(setup, {"code": code_for(device), "next": "/admin/"})
        assert right.status_code == 302 and right["Location"] == "/admin/"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.get(reverse("tracker:home")).status_code == 200


def test_an_administrator_with_a_device_is_asked_for_the_code_after_the_password(admin_user):
    device = enrolled_device(admin_user)
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "admin")
        verify = reverse("otp_verify")
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302 and response["Location"] == f"{verify}?next=%2Fadmin%2F"
        # enrolling another device instead is not a way round the code
        assert client.get(reverse("otp_setup"))["Location"].startswith(verify)
        assert TOTPDevice.objects.filter(user=admin_user).count() == 1

        assert client.post(verify, {"code": wrong_code(device), "next": "/admin/"}).status_code == 200
        too_soon = client.post(verify, {"code": code_for(device), "next": "/admin/"})
        assert too_soon.status_code == 200 and too_soon.context["form"].non_field_errors()  # wait a moment
        assert client.get(reverse("admin:index")).status_code == 302

        traveller.shift(dt.timedelta(seconds=2))
        response = client.post(verify, {"code": code_for(device), "next": "/admin/"})
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert client.get(reverse("admin:index")).status_code == 200


def test_the_next_address_after_the_code_stays_on_the_site(admin_user):
    device = enrolled_device(admin_user)
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, "admin")
        response = client.post(reverse("otp_verify"), {"code": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("tracker:home")


def test_force_login_of_an_administrator_is_sent_to_the_second_factor_too(admin_user, settings):
    """Why the rest of the suite switches OTP_ADMIN_REQUIRED off in tests/conftest.py."""
    client = client_for(admin_user)
    assert client.get(reverse("tracker:home"))["Location"].startswith(reverse("otp_setup"))
    settings.OTP_ADMIN_REQUIRED = False
    assert client.get(reverse("tracker:home")).status_code == 200


def test_other_roles_may_enrol_and_are_then_asked_for_the_code(staff):
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "staff")
        assert client.get(reverse("tracker:home")).status_code == 200  # no device: no code asked
        assert f'href="{reverse("otp_setup")}"' in client.get(reverse("account")).content.decode()
        assert client.get(reverse("otp_setup")).status_code == 200
        device = TOTPDevice.objects.get(user=staff)
        response = client.post(reverse("otp_setup"), {"code": code_for(device)})
        assert response.status_code == 302 and response["Location"] == reverse("account")
        assert 'id="otp-remove"' in client.get(reverse("account")).content.decode()
        client.post(reverse("logout"))

        traveller.shift(dt.timedelta(minutes=1))
        sign_in(client, "staff")
        response = client.get(reverse("tracker:plan-list"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
        device.refresh_from_db()
        assert client.post(reverse("otp_verify"), {"code": code_for(device)}).status_code == 302
        assert client.get(reverse("tracker:plan-list")).status_code == 200

        assert client.post(reverse("otp_remove")).status_code == 302  # and may turn it off again
        assert not TOTPDevice.objects.filter(user=staff).exists()
        client.post(reverse("logout"))
        sign_in(client, "staff")
        assert client.get(reverse("tracker:plan-list")).status_code == 200


def test_an_administrator_who_removes_his_device_must_enrol_a_new_one(admin_user):
    device = enrolled_device(admin_user)
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, "admin")
        client.post(reverse("otp_verify"), {"code": code_for(device)})
        assert client.get(reverse("tracker:home")).status_code == 200
        response = client.post(reverse("otp_remove"))
        assert response["Location"] == reverse("otp_setup")
        assert client.get(reverse("tracker:home"))["Location"].startswith(reverse("otp_setup"))


def test_administrators_need_no_code_when_the_rule_is_switched_off(admin_user, settings):
    settings.OTP_ADMIN_REQUIRED = False
    client = Client()
    sign_in(client, "admin")
    assert client.get(reverse("admin:index")).status_code == 200


# --- University single sign-on (CAS) ----------------------------------------------------------------------------


@pytest.fixture
def cas_on(settings):
    settings.CAS_ENABLED = True
    settings.CAS_SERVER_URL = CAS_SERVER
    settings.CAS_VERSION = "3"


def cas_server_says(username: str | None):
    """A stub of the CAS server's ticket validation (serviceValidate): the user name it vouches for."""
    return mock.patch("cas.CASClientV3.verify_ticket", return_value=(username, {}, None))


def test_cas_is_off_by_default(world):
    assert Client().get(reverse("cas_login"), {"ticket": "ST-1"}).status_code == 404
    assert 'id="cas-login"' not in Client().get(reverse("login")).content.decode()


def test_cas_sign_in_starts_at_the_cas_server(cas_on, world):
    assert 'id="cas-login"' in Client().get(reverse("login")).content.decode()
    response = Client().get(reverse("cas_login"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{CAS_SERVER}login?service=http%3A%2F%2Ftestserver%2Faccounts%2Fcas")


def test_a_cas_ticket_signs_in_the_account_with_the_same_user_name(cas_on, secretary):
    client = Client()
    with cas_server_says("secretary") as verify:
        response = client.get(reverse("cas_login"), {"ticket": "ST-1-abc"})
    verify.assert_called_once_with("ST-1-abc")
    assert response.status_code == 302 and response["Location"] == reverse("tracker:home")
    assert signed_in_user_id(client) == str(secretary.pk)
    assert client.get(reverse("tracker:home")).status_code == 200

    signed_out = client.post(reverse("logout"))  # and signing out leaves the CAS session too
    assert signed_out["Location"] == f"{CAS_SERVER}logout?service=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F"
    assert signed_in_user_id(client) is None


def test_an_unknown_cas_user_is_refused_and_no_account_is_created(cas_on, world):
    client = Client()
    with cas_server_says("ts20250001"):
        response = client.get(reverse("cas_login"), {"ticket": "ST-2"})
    assert response.status_code == 403
    assert "ts20250001" in response.content.decode() and 'id="cas-refused"' in response.content.decode()
    assert not get_user_model().objects.filter(username="ts20250001").exists()
    assert signed_in_user_id(client) is None


def test_a_switched_off_account_and_a_bad_ticket_are_refused(cas_on, secretary):
    secretary.is_active = False
    secretary.save()
    with cas_server_says("secretary"):
        inactive = Client().get(reverse("cas_login"), {"ticket": "ST-3"})
    assert inactive.status_code == 403 and inactive.context["reason"] == "inactive"
    with cas_server_says(None):
        bad = Client().get(reverse("cas_login"), {"ticket": "ST-expired"})
    assert bad.status_code == 403 and bad.context["cas_username"] is None


def test_cas_refusals_do_not_lock_anyone_out(cas_on, secretary):
    for number in range(7):
        with cas_server_says(f"stranger{number}"):
            Client().get(reverse("cas_login"), {"ticket": f"ST-{number}"})
    client = Client()
    with cas_server_says("secretary"):
        assert client.get(reverse("cas_login"), {"ticket": "ST-ok"}).status_code == 302
    assert signed_in_user_id(client) == str(secretary.pk)


def test_an_administrator_signed_in_through_cas_still_gives_the_second_factor(cas_on, admin_user):
    client = Client()
    with cas_server_says("admin"):
        client.get(reverse("cas_login"), {"ticket": "ST-4"})
    assert signed_in_user_id(client) == str(admin_user.pk)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("otp_setup"))


# --- Password spraying and request rate (issue 13, point 4) ---------------------------------------------------


def test_password_spraying_from_one_address_is_stopped_across_user_names(db, settings):
    from django.contrib.auth import get_user_model

    from tracker.org.services import profile_assign_role

    from .factories import InstitutionFactory

    settings.SIGNIN_RATE = "1000/m"  # the rate limit is tested below; here the failures per address count
    institution = InstitutionFactory()
    users = []
    for number in range(50):
        user = get_user_model().objects.create_user(f"sprayed{number}", password="right-password-123")
        profile_assign_role(user=user, role="leader", institution=institution)
        users.append(user)
    client = Client(REMOTE_ADDR="10.9.8.7")
    statuses = []
    for user in users:
        for attempt in range(4):
            response = client.post(reverse("login"), {"username": user.username, "password": f"guess{attempt}"})
            statuses.append(response.status_code)
    refused_from = statuses.index(429)
    assert refused_from <= settings.SIGNIN_ADDRESS_FAILURE_LIMIT  # stopped long before the 200th attempt
    assert "尝试登录次数过多" in response.content.decode()
    # even the right password is refused from that address now, and still taken from another
    right = {"username": users[-1].username, "password": "right-password-123"}
    assert client.post(reverse("login"), right).status_code == 429
    assert Client(REMOTE_ADDR="10.9.8.8").post(reverse("login"), right).status_code == 302


def test_sign_in_posts_per_address_are_rate_limited_with_a_chinese_page(db, settings):
    settings.SIGNIN_RATE = "5/m"
    client = Client(REMOTE_ADDR="10.9.8.9")
    statuses = [client.post(reverse("login"), {"username": f"nobody{n}", "password": "x"}).status_code
                for n in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    page = client.post(reverse("login"), {"username": "nobody", "password": "x"}).content.decode()
    assert "短时间内从这台电脑所在的网络地址尝试登录的次数过多" in page and "分钟后再试" in page
    assert Client(REMOTE_ADDR="10.9.8.10").post(reverse("login"), {"username": "a", "password": "b"}).status_code == 200
