"""Demo double menus and hand-entered quota values, on top of the demo roster.

Deterministic (choices follow each college's position) and idempotent (every row is looked up before it is
made, so a second run creates nothing). Colleges differ on purpose: some have both menus and a delivered
match (menus_matched = 1), some lack needs, offers or a delivery; matches stand in every status. Some colleges
have their rules-in-force value entered with evidence, some not, one entered as "no". Every row is made
through the services users call.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tracker.demo.plans import DEMO_PDF
from tracker.org.models import Institution, OrgUnit
from tracker.quotas.models import Quota, QuotaEntry
from tracker.quotas.services import quota_entry_create, quota_takes_values_by_hand
from tracker.roster.models import Volunteer
from tracker.work.models.menus import MenuMatch, NeedItem, ResourceItem
from tracker.work.services.menus import match_advance, match_create, need_create, resource_create

# Which staff account makes each university's demo rows.
DEMO_STAFF = {"cumt": "staff", "suda": "suda_staff"}

# (who asks, what is needed, tags): the tags are specialities of the demo roster, so suggestions appear.
NEEDS = [
    (NeedItem.Audience.STUDENTS, "考研与学业规划指导", "科研指导 就业指导"),
    (NeedItem.Audience.STUDENTS, "入党积极分子党史学习辅导", "党建 思想政治教育"),
    (NeedItem.Audience.YOUNG_TEACHERS, "青年教师课堂教学督导", "教学督导"),
    (NeedItem.Audience.STUDENTS, "新生心理适应谈心", "心理咨询"),
    (NeedItem.Audience.STUDENTS, "书法社团指导", "书法"),
    (NeedItem.Audience.YOUNG_TEACHERS, "青年教师科研项目申报辅导", "科研指导"),
]
# The status of each college's first match, cycled: most delivered, some agreed.
FIRST_MATCH = [MenuMatch.Status.DELIVERED, MenuMatch.Status.AGREED, MenuMatch.Status.DELIVERED,
               MenuMatch.Status.AGREED, MenuMatch.Status.DELIVERED, MenuMatch.Status.DELIVERED]
FEEDBACK = "活动如期开展，学生反馈良好，计划下学期继续。"


def _has_needs(index: int) -> bool:
    return index % 5 != 4


def _has_offers(index: int) -> bool:
    return index % 4 != 1


def _needs(actor, college: OrgUnit, index: int) -> list[NeedItem]:
    needs = []
    for audience, title, tags in (NEEDS[index % len(NEEDS)], NEEDS[(index + 2) % len(NEEDS)]):
        need = NeedItem.objects.filter(unit=college, title=title).first() or need_create(
            actor=actor, unit=college, audience=audience, title=title, new_tags=tags,
        )
        needs.append(need)
    return needs


def _offers(actor, college: OrgUnit, index: int) -> list[ResourceItem]:
    """What the college's first two participating volunteers offer: guidance on what its students ask for
    (the topics of the needs list), tagged with the topic and the volunteer's first speciality."""
    offers = []
    volunteers = (Volunteer.objects.filter(unit=college, participating=True)
                  .prefetch_related("specialities").order_by("staff_number")[:2])
    for number, volunteer in enumerate(volunteers):
        topics = NEEDS[(index + 2 * number) % len(NEEDS)][2].split()
        title = f"{topics[0]}专题辅导"
        specialities = [tag.name for tag in volunteer.specialities.all()][:1]
        offer = ResourceItem.objects.filter(volunteer=volunteer, title=title).first() or resource_create(
            actor=actor, volunteer=volunteer, title=title, new_tags=" ".join(topics + specialities),
            description=f"{volunteer.former_post or '老同志'}结合亲身经历开展{topics[0]}专题辅导。",
        )
        offers.append(offer)
    return offers


def _match(actor, offer: ResourceItem, need: NeedItem, status: str) -> None:
    if MenuMatch.objects.filter(resource=offer, need=need).exists():
        return
    match = match_create(actor=actor, resource=offer, need=need)
    path = [MenuMatch.Status.AGREED, MenuMatch.Status.DELIVERED]
    for step in path[: path.index(status) + 1] if status in path else []:
        match = match_advance(actor=actor, match=match, loaded_version=match.version, status=step,
                              feedback=FEEDBACK if step == MenuMatch.Status.DELIVERED else "")


def _menus(actor, colleges: list[OrgUnit]) -> None:
    for index, college in enumerate(colleges):
        needs = _needs(actor, college, index) if _has_needs(index) else []
        offers = _offers(actor, college, index) if _has_offers(index) else []
        if needs and offers:
            _match(actor, offers[0], needs[0], FIRST_MATCH[index % len(FIRST_MATCH)])
        if len(needs) > 1 and len(offers) > 1:
            _match(actor, offers[1], needs[1], MenuMatch.Status.PROPOSED)


def _rules_in_force(actor, institution: Institution, colleges: list[OrgUnit]) -> None:
    """Values for the hand-entered per-college quotas: most colleges yes, one no, some not entered yet."""
    quotas = [quota for quota in Quota.objects.filter(institution=institution, scope=Quota.Scope.EACH_COLLEGE)
              if quota_takes_values_by_hand(quota)]
    for quota in quotas:
        entered = set(QuotaEntry.objects.filter(quota=quota).values_list("unit_id", flat=True))
        for index, college in enumerate(colleges):
            if college.pk in entered or index % 3 == 2:
                continue
            value = 0 if index % 6 == 1 else 1
            evidence = SimpleUploadedFile(f"{college.name}关工委工作制度汇编.pdf", DEMO_PDF, "application/pdf")
            quota_entry_create(
                actor=actor, quota=quota, unit=college, value=value, evidence=evidence,
                note="已印发并执行。" if value else "制度正在修订，尚未印发。",
            )


@transaction.atomic
def seed_menus_demo() -> None:
    """Needs, offers and matches for each demo university, and hand-entered quota values."""
    User = get_user_model()
    for code, username in DEMO_STAFF.items():
        institution = Institution.objects.filter(code=code).first()
        actor = User.objects.filter(username=username).first()
        if institution is None or actor is None:
            continue
        colleges = list(OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.COLLEGE)
                        .order_by("order", "name"))
        if Volunteer.objects.filter(institution=institution).exists():
            # Offers come from the demo roster: without it there is nothing to offer or match.
            _menus(actor, colleges)
        _rules_in_force(actor, institution, colleges)
