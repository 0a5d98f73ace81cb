"""Personal API tokens: made, listed and revoked by their owner on "我的账号"; the key shown once and stored as a
hash; an expired, revoked, unknown or malformed token is a 401 with its own code; "last used" is recorded."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tracker.api.models import ApiToken
from tracker.api.services import MAX_ACTIVE_TOKENS

from .conftest import client_for
from .factories import api_token

pytestmark = pytest.mark.django_db

PLANS = "api:plan-list"


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_the_key_is_shown_once_on_the_page_and_stored_only_as_its_hash(world, staff):
    client = client_for(staff)
    response = client.post(reverse("api_tokens"), {"name": "校数据平台", "expires_on": ""})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("ywp_") and len(key) > 40
    page = response.content.decode()
    assert key in page and "只显示这一次" in page
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(owner=staff)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12]
    stored = [str(value) for value in ApiToken.objects.values_list(*[f.attname for f in ApiToken._meta.fields])[0]]
    assert not any(key in value for value in stored)
    # The list shows the token by its name and first characters, never its key again.
    later = client.get(reverse("api_tokens")).content.decode()
    assert "校数据平台" in later and token.prefix in later and key not in later
    assert bearer(key).get(reverse(PLANS)).status_code == 200


def test_the_account_page_leads_to_the_tokens(world, leader):
    page = client_for(leader).get(reverse("account")).content.decode()
    assert reverse("api_tokens") in page


def test_a_token_needs_a_name_unique_among_ones_own_and_no_past_expiry(world, staff, leader):
    client = client_for(staff)
    assert client.post(reverse("api_tokens"), {"name": "校数据平台"}).status_code == 200
    again = client.post(reverse("api_tokens"), {"name": "校数据平台"})
    assert again.status_code == 400 and "已有同名的令牌" in again.content.decode()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    past = client.post(reverse("api_tokens"), {"name": "旧的", "expires_on": yesterday.isoformat()})
    assert past.status_code == 400 and "不能早于今天" in past.content.decode()
    assert client_for(leader).post(reverse("api_tokens"), {"name": "校数据平台"}).status_code == 200  # another's
    assert ApiToken.objects.filter(owner=staff).count() == 1


def test_one_person_keeps_at_most_a_few_tokens_in_force(world, staff):
    for number in range(MAX_ACTIVE_TOKENS):
        api_token(staff, name=f"令牌{number}")
    response = client_for(staff).post(reverse("api_tokens"), {"name": "再一个"})
    assert response.status_code == 400
    assert ApiToken.objects.filter(owner=staff).count() == MAX_ACTIVE_TOKENS


def test_the_list_shows_only_ones_own_tokens(world, staff, leader):
    api_token(staff, name="员工的令牌")
    api_token(leader, name="领导的令牌")
    page = client_for(leader).get(reverse("api_tokens")).content.decode()
    assert "领导的令牌" in page and "员工的令牌" not in page


def test_revoking_asks_first_and_then_the_token_answers_401(world, staff):
    token, key = api_token(staff)
    client = client_for(staff)
    confirm = client.get(reverse("api_token_revoke", args=[token.pk]))
    assert confirm.status_code == 200 and "撤销" in confirm.content.decode()
    assert bearer(key).get(reverse(PLANS)).status_code == 200  # asking changes nothing
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = bearer(key).get(reverse(PLANS))
    assert refusal(response) == (401, "token_revoked")
    assert "撤销" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "已撤销" in client.get(reverse("api_tokens")).content.decode()


def test_nobody_else_revokes_a_token(world, staff, admin_user):
    token, key = api_token(staff)
    assert client_for(admin_user).post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(key).get(reverse(PLANS)).status_code == 200


def test_a_token_works_through_its_expiry_day_and_not_after(world, staff, time_machine):
    time_machine.move_to(dt.datetime(2031, 3, 1, 10, tzinfo=dt.UTC))
    _token, key = api_token(staff, expires_on=dt.date(2031, 3, 2))
    assert bearer(key).get(reverse(PLANS)).status_code == 200
    time_machine.move_to(dt.datetime(2031, 3, 2, 15, tzinfo=dt.UTC))  # 23:00 in Shanghai, still the last day
    assert bearer(key).get(reverse(PLANS)).status_code == 200
    time_machine.move_to(dt.datetime(2031, 3, 2, 17, tzinfo=dt.UTC))  # 01:00 on 3 March in Shanghai
    response = bearer(key).get(reverse(PLANS))
    assert refusal(response) == (401, "token_expired")
    assert "2031-03-02" in response.json()["detail"]


@pytest.mark.parametrize("header", [
    "Bearer ywp_not-a-real-key", "Bearer", "Bearer two parts", "bearer ywp_zzz",
])
def test_an_unknown_or_malformed_token_is_a_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse(PLANS))
    assert refusal(response) == (401, "token_invalid")


def test_no_credentials_is_a_401_that_says_how_to_send_a_token(world):
    response = APIClient().get(reverse(PLANS))
    assert refusal(response) == (401, "not_authenticated")
    assert "Bearer" in response.json()["detail"] and "令牌" in response.json()["detail"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_token_of_a_switched_off_account_is_refused(world, staff):
    _token, key = api_token(staff)
    staff.is_active = False
    staff.save()
    assert refusal(bearer(key).get(reverse(PLANS))) == (401, "account_inactive")


def test_last_used_is_recorded_but_not_written_on_every_request(world, staff, time_machine):
    time_machine.move_to(dt.datetime(2031, 5, 1, 2, tzinfo=dt.UTC), tick=False)
    token, key = api_token(staff)
    client = bearer(key)
    client.get(reverse(PLANS))
    token.refresh_from_db()
    first = token.last_used_at
    assert first == timezone.now()
    time_machine.move_to(dt.datetime(2031, 5, 1, 2, 0, 30, tzinfo=dt.UTC), tick=False)
    client.get(reverse(PLANS))
    token.refresh_from_db()
    assert token.last_used_at == first  # within a minute: not written again
    time_machine.move_to(dt.datetime(2031, 5, 1, 2, 5, tzinfo=dt.UTC), tick=False)
    client.get(reverse(PLANS))
    token.refresh_from_db()
    assert token.last_used_at > first


def test_the_token_pages_keep_the_content_security_policy(world, staff):
    from .test_production import INLINE

    token, _key = api_token(staff, expires_on=dt.date(2099, 1, 1))
    client = client_for(staff)
    for response in (client.post(reverse("api_tokens"), {"name": "另一个"}),
                     client.get(reverse("api_token_revoke", args=[token.pk]))):
        html = response.content.decode()
        for pattern, what in INLINE:
            assert not pattern.search(html), what
    listing = client.get(reverse("api_tokens")).content.decode()
    assert "2099-01-01" in listing and "直到撤销" in listing and "有效" in listing
