"""Writes of the set-up's accounts (a person, the role they hold and its unit) and of new universities.

Accounts are made without a password: the person sets one through a one-time link (Django's password-reset token,
void once used or once the password changes). Nobody makes, changes or sees an administrator's account here.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.models import Institution, OrgUnit, Profile
from tracker.org.services import profile_assign_role
from tracker.org.xlsx import normalise
from tracker.setup.services.units import Errors, add_error, check_institution, merge_errors
from tracker.setup.xlsx import SETUP_ROLES

User = get_user_model()
Role = Profile.Role
Kind = OrgUnit.Kind
# The roles bound to a unit, and the kind of unit each is bound to (Profile.clean holds the same rule).
BOUND_KINDS = {Role.SECRETARY: Kind.COLLEGE, Role.LIAISON: Kind.MEMBER_UNIT}


def admin_refusal() -> str:
    return _("An administrator cannot be made here, neither as a new account nor by changing a role. Choose one of "
             "the other roles.")


@dataclass
class AccountData:
    """A person and the role they hold: 姓名 in Chinese order (kept whole in first_name), user name, e-mail, role
    and, for a secretary or liaison, the unit."""

    full_name: str
    username: str
    email: str = ""
    role: str = Role.STAFF
    unit: OrgUnit | None = None


def username_taken(username: str, exclude_pk: int | None = None) -> bool:
    """Whether another account has this user name, whatever the case of its letters."""
    same = User.objects.filter(username__iexact=username.strip())
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    return same.exists()


def role_errors(role: str, unit: OrgUnit | None, institution: Institution) -> Errors:
    """The role's rules: never an administrator; a secretary bound to a college and a liaison to a member unit, of
    the institution and in service."""
    errors: Errors = {}
    if role == Role.ADMIN:
        add_error(errors, "role", admin_refusal())
        return errors
    if role not in SETUP_ROLES:
        add_error(errors, "role", _("Choose one of the roles offered."))
        return errors
    kind = BOUND_KINDS.get(role)
    if kind and unit is None:
        add_error(errors, "unit", _("A %(role)s must be bound to a unit of kind “%(kind)s”: choose it.")
             % {"role": Role(role).label, "kind": Kind(kind).label})
    elif kind and unit.kind != kind:
        add_error(errors, "unit", _("A %(role)s must be bound to a unit of kind “%(kind)s”; %(unit)s is a %(other)s.")
             % {"role": Role(role).label, "kind": Kind(kind).label, "unit": unit.name,
                "other": Kind(unit.kind).label})
    if unit is not None and unit.institution_id != institution.pk:
        add_error(errors, "unit", _("The unit belongs to another institution."))
    return errors


def _validate_user(user: AbstractBaseUser, errors: Errors) -> None:
    if not user.first_name:
        add_error(errors, "full_name", _("This field is required."))
    if user.username and username_taken(user.username, user.pk):
        add_error(errors, "username", _("The user name “%(name)s” is taken; choose another.") % {"name": user.username})
    try:
        user.full_clean(exclude=["password"], validate_unique=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                add_error(errors, {"first_name": "full_name"}.get(key, key), message)
    if errors:
        raise ValidationError(errors)


def _new_user(data: AccountData) -> AbstractBaseUser:
    user = User(username=data.username.strip(), first_name=normalise(data.full_name), last_name="",
                email=data.email.strip(), is_active=True)
    user.set_unusable_password()  # the person sets it through the one-time link
    return user


def create_account(actor: AbstractBaseUser, institution: Institution, data: AccountData) -> AbstractBaseUser:
    """Make the account `data` describes, in `institution` (the caller checked the actor may set it up)."""
    errors = role_errors(data.role, data.unit, institution)
    if data.unit is not None and data.unit.is_retired:
        add_error(errors, "unit", _("%(unit)s is retired; bring it back first or choose another unit.")
             % {"unit": data.unit.name})
    user = _new_user(data)
    _validate_user(user, errors)
    user._history_user = actor
    user.save()
    profile_assign_role(user=user, role=data.role, institution=institution, unit=data.unit)
    return user


@transaction.atomic
def account_create(*, actor: AbstractBaseUser, institution: Institution, data: AccountData) -> AbstractBaseUser:
    """Add an account to an institution, with its role and unit, and no password yet (see `password_link`)."""
    check_institution(actor, institution)
    return create_account(actor, institution, data)


@transaction.atomic
def account_update(*, actor: AbstractBaseUser, account: AbstractBaseUser, data: AccountData) -> AbstractBaseUser:
    """Change a person's name, user name, e-mail, role or unit. Nobody changes their own role here (a member of
    committee staff would lock herself out of these pages)."""
    if not access.accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise PermissionDenied("actor may not change this account")
    current = User.objects.select_for_update(of=("self",)).select_related("profile__institution", "profile__unit").get(
        pk=account.pk)
    profile = current.profile
    errors = role_errors(data.role, data.unit, profile.institution)
    if current.pk == actor.pk and data.role != profile.role:
        add_error(errors, "role", _("You cannot change your own role; ask another member of committee staff."))
    if data.unit is not None and data.unit.is_retired and data.unit.pk != profile.unit_id:
        add_error(errors, "unit", _("%(unit)s is retired; bring it back first or choose another unit.")
             % {"unit": data.unit.name})
    current.username = data.username.strip()
    current.first_name = normalise(data.full_name)
    current.last_name = ""
    current.email = data.email.strip()
    _validate_user(current, errors)
    current._history_user = actor
    current.save(update_fields=["username", "first_name", "last_name", "email"])
    if data.role != profile.role or (data.unit.pk if data.unit else None) != profile.unit_id:
        profile_assign_role(user=current, role=data.role, institution=profile.institution, unit=data.unit)
    return current


@transaction.atomic
def account_set_active(*, actor: AbstractBaseUser, account: AbstractBaseUser, active: bool) -> AbstractBaseUser:
    """Deactivate an account (it can no longer sign in; a signed-in session ends at its next page) or reactivate
    it. Nobody deactivates their own account."""
    if not access.accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise PermissionDenied("actor may not change this account")
    if account.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    current = User.objects.select_for_update().get(pk=account.pk)
    if current.is_active == active:
        raise ValidationError(_("This account is already active.") if active
                              else _("This account is already deactivated."))
    current.is_active = active
    current._history_user = actor
    current.save(update_fields=["is_active"])
    return current


def password_link(*, actor: AbstractBaseUser, account: AbstractBaseUser) -> str:
    """The path of a one-time link that lets the person set a password (valid PASSWORD_RESET_TIMEOUT, void once a
    password is set). An account that is not active gets none: reactivate it first."""
    if not access.accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise PermissionDenied("actor may not hand out links for this account")
    if not account.is_active:
        raise ValidationError(_("This account is deactivated: reactivate it before giving a link."))
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    return reverse("password_set", kwargs={"uidb64": uid, "token": default_token_generator.make_token(account)})


def link_valid_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60))


SENT, NO_ADDRESS, FAILED = "sent", "no_address", "failed"


def send_password_link(*, account: AbstractBaseUser, url: str, sender: AbstractBaseUser) -> str:
    """E-mail the link to the person, in Chinese; SENT, NO_ADDRESS, or FAILED when the mail server refused it (the
    page still shows the link to hand over)."""
    if not account.email:
        return NO_ADDRESS
    with translation.override("zh-hans"):
        subject = _("Your account on %(portal)s") % {"portal": settings.PORTAL_NAME}
        body = _(
            "%(name)s, hello:\n\n%(sender)s has given you an account on %(portal)s. Your user name is %(username)s.\n"
            "Open this link to set your password (it works once, for %(days)s days):\n\n%(url)s\n\n"
            "If you did not expect this mail, you may ignore it."
        ) % {"name": account.get_full_name() or account.get_username(), "portal": settings.PORTAL_NAME,
             "sender": sender.get_full_name() or sender.get_username(), "username": account.get_username(),
             "days": link_valid_days(), "url": url}
    try:
        send_mail(subject, body, None, [account.email])
    except (smtplib.SMTPException, OSError):
        return FAILED
    return SENT


# --- Institutions --------------------------------------------------------------------------------


@transaction.atomic
def institution_create(*, actor: AbstractBaseUser, name: str, short_name: str, code: str,
                       staff: AccountData) -> tuple[Institution, AbstractBaseUser]:
    """Add a university and its first committee-staff account (the administrator alone)."""
    if not access.can_create_institutions(actor):
        raise PermissionDenied("only the administrator adds institutions")
    errors: Errors = {}
    institution = Institution(name=name.strip(), short_name=short_name.strip(), code=code.strip().lower())
    if institution.name and Institution.objects.filter(name=institution.name).exists():
        add_error(errors, "name", _("There is already an institution called “%(name)s”.") % {"name": institution.name})
    if institution.code and Institution.objects.filter(code__iexact=institution.code).exists():
        add_error(errors, "code", _("The code “%(code)s” is taken; choose another.") % {"code": institution.code})
    try:
        institution.full_clean(validate_unique=False)
    except ValidationError as error:
        merge_errors(errors, error.message_dict)
    user = _new_user(AccountData(full_name=staff.full_name, username=staff.username, email=staff.email))
    try:
        _validate_user(user, {})
    except ValidationError as error:
        merge_errors(errors, error.message_dict)
    if errors:
        raise ValidationError(errors)
    institution.save()
    account = create_account(actor, institution, AccountData(
        full_name=staff.full_name, username=staff.username, email=staff.email, role=Role.STAFF))
    return institution, account
