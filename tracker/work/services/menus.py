"""The double menus (双菜单): adding needs and resources, suggesting matches, and following a match to delivery."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker import access
from tracker.org.models import Institution, OrgUnit
from tracker.roster.models import Speciality, Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem

SUGGESTION_LIMIT = 50
# Tags typed in one box: separated by commas (also Chinese ones), 、, semicolons or spaces.
TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")
TAG_MAX_LENGTH = Speciality._meta.get_field("name").max_length


class StaleMatchError(ValidationError):
    """The match changed after the form was loaded; `current` is the match as it now stands."""

    def __init__(self, message: str, current: MenuMatch):
        super().__init__(message)
        self.current = current


def _tags_for(
    *, institution: Institution, tags: Iterable[Speciality], new_tags: str,
) -> tuple[list[Speciality], dict[str, list[str]]]:
    """The chosen tags plus those typed in (made if new), all of `institution`; errors keyed by field."""
    errors: dict[str, list[str]] = {}
    chosen = list(tags)
    if any(tag.institution_id != institution.pk for tag in chosen):
        errors.setdefault("tags", []).append(_("A tag belongs to another institution."))
    names = [name for name in TAG_SEPARATORS.split(new_tags.strip()) if name]
    too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
    if too_long:
        errors.setdefault("new_tags", []).append(
            _("A tag may have at most %(limit)d characters: %(names)s")
            % {"limit": TAG_MAX_LENGTH, "names": "、".join(too_long)}
        )
    if errors:
        return chosen, errors
    for name in names:
        tag, _created = Speciality.objects.get_or_create(institution=institution, name=name)
        if tag not in chosen:
            chosen.append(tag)
    return chosen, errors


def _save_with_tags(
    item: NeedItem | ResourceItem, *, actor: AbstractBaseUser, institution: Institution,
    tags: Iterable[Speciality], new_tags: str, default_tags: Iterable[Speciality] = (),
) -> None:
    """Check a new menu item and its tags (chosen, plus those typed in), then save it with them.

    `default_tags` are used when no tag is chosen or typed. Nothing is saved if the item or a tag is refused.
    """
    item.full_clean()
    chosen, errors = _tags_for(institution=institution, tags=tags, new_tags=new_tags)
    if errors:
        raise ValidationError(errors)
    if not chosen:
        chosen = list(default_tags)
    item._history_user = actor
    item.save()
    item.tags.set(chosen)


@transaction.atomic
def need_create(
    *,
    actor: AbstractBaseUser,
    unit: OrgUnit,
    audience: str,
    title: str,
    description: str = "",
    tags: Iterable[Speciality] = (),
    new_tags: str = "",
) -> NeedItem:
    """Put a need of a unit's students or young teachers on the needs menu (需求菜单)."""
    if not access.can_keep_unit_records(actor, unit):
        raise PermissionDenied("actor may not keep this unit's menus")
    need = NeedItem(unit=unit, audience=audience, title=title.strip(), description=description.strip())
    _save_with_tags(need, actor=actor, institution=unit.institution, tags=tags, new_tags=new_tags)
    return need


@transaction.atomic
def resource_create(
    *,
    actor: AbstractBaseUser,
    volunteer: Volunteer,
    title: str,
    description: str = "",
    tags: Iterable[Speciality] = (),
    new_tags: str = "",
) -> ResourceItem:
    """Put what a volunteer offers on the resource menu (资源特长菜单).

    With no tag chosen or typed, the item takes the volunteer's specialities from the roster, so it can be
    suggested at once.
    """
    if not access.can_keep_unit_records(actor, volunteer.unit):
        raise PermissionDenied("actor may not keep this volunteer's unit's menus")
    resource = ResourceItem(volunteer=volunteer, title=title.strip(), description=description.strip())
    _save_with_tags(resource, actor=actor, institution=volunteer.institution, tags=tags, new_tags=new_tags,
                    default_tags=volunteer.specialities.all())
    return resource


def match_create(*, actor: AbstractBaseUser, resource: ResourceItem, need: NeedItem) -> MenuMatch:
    """Propose that an offer answer a need. Who may: whoever keeps the need's unit (the college that asked)."""
    if not access.can_keep_unit_records(actor, need.unit):
        raise PermissionDenied("actor may not keep the need's unit's menus")
    errors = []
    if not resource.active:
        errors.append(_("“%(title)s” is no longer on the resource menu.") % {"title": resource.title})
    if not need.active:
        errors.append(_("“%(title)s” is no longer on the needs menu.") % {"title": need.title})
    if MenuMatch.objects.filter(resource=resource, need=need).exists():
        errors.append(_("This offer is already matched with this need."))
    if errors:
        raise ValidationError(errors)
    match = MenuMatch(resource=resource, need=need, proposed_on=timezone.localdate())
    match.full_clean()
    match._history_user = actor
    match.save()
    return match


@transaction.atomic
def match_advance(
    *,
    actor: AbstractBaseUser,
    match: MenuMatch,
    loaded_version: int,
    status: str,
    feedback: str = "",
    delivered_on: dt.date | None = None,
) -> MenuMatch:
    """Move a match one step along MenuMatch.TRANSITIONS (proposed → agreed → delivered).

    Delivering needs feedback (how it went) and sets the delivery date (today unless given). The form carries
    the version it was loaded at: a save against a newer version is refused with StaleMatchError.
    """
    if not access.can_keep_unit_records(actor, match.need.unit):
        raise PermissionDenied("actor may not keep the need's unit's menus")
    current = MenuMatch.objects.select_for_update().get(pk=match.pk)
    if current.version != loaded_version:
        raise StaleMatchError(
            _("Someone else changed this match after you opened it. Your input is kept below; "
              "look at the match as it is now, then save again."),
            current,
        )
    Status = MenuMatch.Status
    allowed = MenuMatch.TRANSITIONS.get(current.status, ())
    if status not in allowed:
        if allowed:
            message = _("A match that is “%(now)s” can only become “%(next)s”.") % {
                "now": current.get_status_display(), "next": "、".join(str(Status(s).label) for s in allowed),
            }
        else:
            message = _("A match that is “%(now)s” cannot change any more.") % {"now": current.get_status_display()}
        raise ValidationError({"status": [message]})
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    feedback = feedback.strip()
    if status == Status.DELIVERED:
        delivered_on = delivered_on or today
        if not feedback:
            errors.setdefault("feedback", []).append(_("Say how the delivery went before marking it delivered."))
        if delivered_on > today:
            errors.setdefault("delivered_on", []).append(_("The date cannot be in the future."))
        elif delivered_on < current.proposed_on:
            errors.setdefault("delivered_on", []).append(_("The match cannot be delivered before it was proposed."))
    else:
        delivered_on = None
    if errors:
        raise ValidationError(errors)
    current.status = status
    current.delivered_on = delivered_on
    if feedback:
        current.feedback = feedback
    current.version += 1
    current._history_user = actor
    current.full_clean()
    current.save(update_fields=["status", "delivered_on", "feedback", "version"])
    return current


# --- Suggestions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """An offer and a need that share tags and are not matched yet."""

    resource: ResourceItem
    need: NeedItem
    shared: list[Speciality]


def suggest_matches(
    *, resources: QuerySet[ResourceItem], needs: QuerySet[NeedItem], limit: int = SUGGESTION_LIMIT,
) -> list[Suggestion]:
    """Pairs (resource, need) among those given, both on their menus, sharing at least one tag and not
    already matched, the most shared tags first. Pass the querysets the user may see: a suggestion never
    names an offer or a need she could not see.

    Five queries whatever the menus' size: the pairs are counted in the database by joining the two tag
    tables on the tag; then the chosen resources and needs are fetched, each with their tags.
    """
    need_tags = NeedItem.tags.through
    already = MenuMatch.objects.filter(need=OuterRef("needitem_id"), resource=OuterRef("resource_id"))
    pairs = list(
        need_tags.objects.filter(
            needitem__in=needs.filter(active=True), speciality__resources__in=resources.filter(active=True),
        )
        .annotate(resource_id=F("speciality__resources"))
        .exclude(Exists(already))
        .values("needitem_id", "resource_id")
        .annotate(shared=Count("speciality_id"))
        .order_by("-shared", "needitem_id", "resource_id")[:limit]
    )
    if not pairs:
        return []
    resources_by_id = ResourceItem.objects.select_related("volunteer__unit").prefetch_related("tags").in_bulk(
        {pair["resource_id"] for pair in pairs}
    )
    needs_by_id = NeedItem.objects.select_related("unit").prefetch_related("tags").in_bulk(
        {pair["needitem_id"] for pair in pairs}
    )
    suggestions = []
    for pair in pairs:
        resource, need = resources_by_id[pair["resource_id"]], needs_by_id[pair["needitem_id"]]
        need_tag_ids = {tag.pk for tag in need.tags.all()}
        shared = [tag for tag in resource.tags.all() if tag.pk in need_tag_ids]
        suggestions.append(Suggestion(resource, need, shared))
    return suggestions
