"""The admin site holds like the portal's own pages: every admin URL of every model × every persona, on the demo.

For every model the admin shows, one object of 中国矿业大学 (the demo's first institution) is taken and every admin URL
that names an object (change, delete, history, a history version) is asked for by every persona, besides the
model's list and add pages. 苏州大学's staff (`suda_staff`) asking for 中国矿业大学's object is the cross-institution
case: 404, 403 or a redirect away from the object, never 200. The history version pages are read-only for
everyone: posting one back is refused and changes nothing.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import NoReverseMatch, reverse

from tracker import admin as tracker_admin
from tracker.assessments.models.assessments import FilingReminder
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.roster.models import RosterImport

from .conftest import client_for

pytestmark = pytest.mark.django_db

ACCOUNTS = ["anonymous", "admin", "staff", "suda_staff", "secretary", "liaison", "leader", "reviewer"]
NOT_ADMIN_SITE_USERS = ["anonymous", "secretary", "liaison", "leader", "reviewer"]
MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)
TRACKER_MODELS = [model for model in MODELS if model._meta.app_label == "tracker"]


@pytest.fixture
def accounts(demo):
    users = {user.username: user for user in get_user_model().objects.all()}
    users["anonymous"] = None
    return users


@pytest.fixture
def cumt(demo):
    institution = Institution.objects.get(code="cumt")
    # The two records the demo has none of, so that their pages are asked for too.
    college = OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE).first()
    secretary = get_user_model().objects.get(username="secretary")
    RosterImport.objects.create(institution=institution, unit=college, created_by=secretary, file_name="名册.xlsx",
                                rows=[])
    from tracker.assessments.models.assessments import AssessmentRound

    assessment_round = AssessmentRound.objects.filter(institution=institution).first()
    from .factories import scored_standard

    if not institution.standards.exists():
        scored_standard(institution)  # the demo's standards are shared ones, which staff do not see
    FilingReminder.objects.create(round=assessment_round, unit=college, status_then="none", sent_by=secretary,
                                  recipients="jdxy@example.edu.cn")
    return institution


def cumt_object(model, institution):
    """One object of the model that belongs to 中国矿业大学 (for models not bound to an institution: any)."""
    model_admin = admin.site._registry[model]
    path = getattr(model_admin, "institution_path", None)
    queryset = model._default_manager.order_by("pk")
    if path:
        lookup = {"pk": institution.pk} if path == "pk" else {f"{path}__pk": institution.pk}
        queryset = queryset.filter(**lookup)
    if model is Profile:
        queryset = queryset.exclude(role=Profile.Role.ADMIN)
    return queryset.first()


def admin_urls(model, obj) -> dict[str, str]:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = {"changelist": reverse(f"{info}_changelist")}
    try:
        urls["add"] = reverse(f"{info}_add")
    except NoReverseMatch:
        pass
    if obj is not None:
        urls["change"] = reverse(f"{info}_change", args=[obj.pk])
        urls["delete"] = reverse(f"{info}_delete", args=[obj.pk])
        urls["history"] = reverse(f"{info}_history", args=[obj.pk])
        if hasattr(model, "history") and isinstance(admin.site._registry[model], tracker_admin.HistoryScopedAdmin):
            version = model.history.filter(id=obj.pk).order_by("history_id").first()
            if version is not None:
                urls["version"] = reverse(f"{info}_simple_history", args=[obj.pk, version.history_id])
    return urls


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_url_for_every_persona(accounts, cumt, model):
    obj = cumt_object(model, cumt)
    for account in ACCOUNTS:
        client = client_for(accounts[account])
        for kind, url in admin_urls(model, obj).items():
            response = client.get(url)
            where = f"{account} {kind} {url}"
            assert response.status_code != 500, where
            if account in NOT_ADMIN_SITE_USERS:
                assert response.status_code in (302, 403), where
                if response.status_code == 302:
                    assert "/login/" in response["Location"], where
            elif account == "admin":
                # read-only records refuse add and delete even to administrators
                assert response.status_code in ((200, 403) if kind in ("add", "delete") else (200,)), where
            elif account == "suda_staff" and kind not in ("changelist", "add") and model is not Institution:
                # 中国矿业大学's object asked for by 苏州大学's staff: nothing of it is shown.
                assert response.status_code in (302, 403, 404), where
                if response.status_code == 302:
                    assert str(obj.pk) not in response["Location"], where
            elif account == "suda_staff" and model is Institution and kind not in ("changelist", "add"):
                assert response.status_code in (302, 403, 404), where
            if response.status_code == 200 and account in ("staff", "suda_staff") and kind == "changelist":
                assert not _shows_other_institution(response, account, model), where


def _shows_other_institution(response, account: str, model) -> bool:
    """Whether a change list shows a record of the other institution (by its admin change link)."""
    own = "中国矿业大学" if account == "staff" else "苏州大学"
    other = Institution.objects.exclude(name=own).get()
    path = getattr(admin.site._registry[model], "institution_path", None)
    if not path:
        return False
    lookup = {"pk": other.pk} if path == "pk" else {f"{path}__pk": other.pk}
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    html = response.content.decode()
    return any(f'href="{reverse(info, args=[pk])}"' in html
               for pk in model._default_manager.filter(**lookup).values_list("pk", flat=True)[:50])


@pytest.mark.parametrize("model", [model for model in TRACKER_MODELS
                                   if isinstance(admin.site._registry[model], tracker_admin.HistoryScopedAdmin)],
                         ids=lambda model: model._meta.label)
def test_a_history_version_posted_back_is_refused_and_changes_nothing(accounts, cumt, model):
    obj = cumt_object(model, cumt)
    if not model.history.filter(id=obj.pk).exists():
        obj.save()  # the seed plans are loaded as fixtures, which write no history; one save writes a version
    url = admin_urls(model, obj).get("version")
    assert url, f"{model._meta.label} has no history version to post"
    before = model_to_dict(obj)
    data = {key: ("" if value is None else value) for key, value in before.items()
            if not isinstance(value, list | dict)}
    if model is Profile:
        data["role"] = Profile.Role.ADMIN
    for account in ("admin", "staff", "suda_staff"):
        response = client_for(accounts[account]).post(url, data)
        assert response.status_code in (403, 404), account
    obj.refresh_from_db()
    assert model_to_dict(obj) == before


def test_staff_cannot_make_themselves_administrator(accounts, cumt):
    staff = accounts["staff"]
    profile = staff.profile
    client = client_for(staff)
    version = profile.history.order_by("history_id").first()
    url = reverse("admin:tracker_profile_simple_history", args=[profile.pk, version.history_id])
    data = {"user": staff.pk, "role": "admin", "institution": cumt.pk, "unit": ""}
    assert client.post(url, data).status_code == 403
    # Staff read profiles in the admin but do not change them there (they are given by the administrator).
    assert client.post(reverse("admin:tracker_profile_change", args=[profile.pk]), data).status_code == 403
    staff.refresh_from_db()
    profile.refresh_from_db()
    assert not staff.is_superuser and profile.role == Profile.Role.STAFF


def test_staff_see_no_administrator_and_pick_only_their_own_people(accounts, cumt, rf):
    client = client_for(accounts["staff"])
    admin_profile = Profile.objects.get(user__username="admin")
    assert client.get(reverse("admin:tracker_profile_change", args=[admin_profile.pk])).status_code == 302
    changelist = client.get(reverse("admin:tracker_profile_changelist")).content.decode()
    assert reverse("admin:tracker_profile_change", args=[admin_profile.pk]) not in changelist
    # Were staff ever given a profile form, its accounts would be their own institution's, never an administrator.
    request = rf.get("/")
    request.user = accounts["staff"]
    users = tracker_admin.scoped_choices(request, get_user_model(), get_user_model().objects.all())
    names = set(users.values_list("username", flat=True))
    assert {"staff", "secretary", "leader"} <= names
    assert not names & {"admin", "suda_staff"}
    # and the role drop-down never offers the administrator's role
    field = admin.site._registry[Profile].formfield_for_choice_field(Profile._meta.get_field("role"), request)
    assert Profile.Role.ADMIN not in [value for value, _label in field.choices]


def test_a_save_that_would_leave_the_institution_is_rolled_back(accounts, cumt):
    """A zone has no institution: a staff member's unit saved without one would leave her scope."""
    client = client_for(accounts["staff"])
    before = OrgUnit.objects.count()
    response = client.post(reverse("admin:tracker_orgunit_add"),
                           {"institution": "", "kind": "zone", "name": "自建片区", "short_name": "", "order": 0,
                            "email": "", "parent": ""})
    assert response.status_code == 403
    assert OrgUnit.objects.count() == before


@pytest.mark.parametrize("kind", ["change", "delete", "history", "version"])
def test_ids_too_long_for_the_database_are_404(accounts, cumt, kind):
    client = client_for(accounts["admin"])
    huge = "99999999999999999999"
    urls = {
        "change": f"/admin/tracker/task/{huge}/change/",
        "delete": f"/admin/tracker/task/{huge}/delete/",
        "history": f"/admin/tracker/task/{huge}/history/",
        "version": f"/admin/tracker/task/1/history/{huge}/",
    }
    assert client.get(urls[kind]).status_code in (302, 404)


def test_models_without_history_use_the_plain_scoped_admin():
    for model in TRACKER_MODELS:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, tracker_admin.ScopedAdmin), model
        keeps_history = hasattr(model, "history")
        assert isinstance(model_admin, tracker_admin.HistoryScopedAdmin) == keeps_history, model
