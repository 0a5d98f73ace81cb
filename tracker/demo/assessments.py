"""Demo self-assessments, rectifications and a university review (中国矿业大学), made through the services.

The college round has one assessment in each state a user meets: accepted (with its gaps on the rectification
list), returned with a reviewer's comment (the demo secretary's own college, so she finds work waiting),
submitted, draft, and colleges that have not started. The school's own round is accepted and goes with the
2022 zone review (片区评议), whose opinions a demo reviewer wrote. A new college round of this year, opened the day
the demo is seeded and due `CURRENT_ROUND_DAYS` later, is the one every college has still to file (issue 15: the
demo secretary's 我的待办 shows it with its days left, beside her returned assessment). Idempotent: a second run
changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tracker.assessments.models.assessments import Assessment, AssessmentRound, Rectification, Review
from tracker.assessments.models.standards import Standard
from tracker.assessments.services import assessments as svc
from tracker.demo.plans import DEMO_PDF
from tracker.org.models import Institution, OrgUnit
from tracker.org.services import profile_assign_role

COLLEGE_STANDARD = "二级关工委工作基本要求（演示）"
SCHOOL_STANDARD = "校关工委工作基本要求（演示）"
COLLEGE_ROUND = "2021年二级关工委对标找差"
SCHOOL_ROUND = "2022年学校对标自评"
REVIEW = "2022年第五片区优质化建设评议"
CURRENT_ROUND = "{year}年二级关工委对标找差"  # the year the demo is seeded
CURRENT_ROUND_DAYS = 28

# college → the state its assessment is left in; colleges not named have not started.
COLLEGE_STATES = {
    "矿业工程学院": Assessment.Status.ACCEPTED,
    "机电工程学院": Assessment.Status.RETURNED,
    "安全工程学院": Assessment.Status.SUBMITTED,
    "力学与土木工程学院": Assessment.Status.DRAFT,
}
# Items scored below full in the demo, with the gap and the measure a secretary would write.
COLLEGE_GAPS = {
    "3": ("学院关工委工作制度未按新要求修订。", "对照《实施意见》修订学院关工委工作制度并报校关工委备案。"),
    "5": ("五老参与率为48%，未达到60%的要求。", "逐一走访退休教职工，建立结对台账，提高参与率。"),
}
SCHOOL_GAPS = {
    "7": ("校级工作平台9个，距10个尚差1个。", "依托离退休工作处新建“银龄助学”校级平台。"),
    "8": ("获得上级认可的工作品牌1个。", "培育“五老讲党史”为第二个品牌并申报。"),
}
RETURN_COMMENT = ("5", "参与率数据请以花名册为准并附名单。")
INSPECTIONS = [
    ("机电工程学院", "工作台账记录不完整，部分活动缺少照片和签到表。", "按月补齐台账，活动留存签到表和照片。", 60),
    ("化工学院", "学院党委未专题听取关工委工作汇报。", "下次党委会专题听取汇报并形成纪要。", -20),
]
OPINIONS = [
    "二级关工委之间工作开展不平衡，部分学院活动偏少。",
    "“五老”骨干队伍年龄偏大，需加强新退休人员的动员。",
]


def _score_for(item, gaps: dict) -> str:
    """Full marks, except the items with a demo gap, which get the grade below full (or 0)."""
    if not item.counts_in_total:
        return "1"
    if item.number not in gaps:
        return str(item.points)
    from tracker.assessments.services.standards import score_choices

    choices = score_choices(item)
    return str(choices[1][0]) if choices else "0"


def _fill(actor, assessment: Assessment, gaps: dict) -> Assessment:
    for entry in assessment.entries.select_related("item"):
        gap, measure = gaps.get(entry.item.number, ("", ""))
        part = svc.SelfPart(self_score=_score_for(entry.item, gaps), gap=gap, measure=measure,
                            owner="学院关工委秘书" if gap else "", deadline=dt.date(2022, 6, 30) if gap else None)
        files = [SimpleUploadedFile(f"第{entry.item.number}项佐证材料.pdf", DEMO_PDF, "application/pdf")] \
            if entry.item.number == "1" else []
        svc.entry_save_self(actor=actor, entry=entry, loaded_version=entry.version, part=part, files=files)
    assessment.refresh_from_db()
    report = f"{assessment.unit.name}对照基本要求逐项自查，形成自评报告。主要差距见各项说明，整改措施已落实到人。"
    return svc.assessment_save_report(actor=actor, assessment=assessment, loaded_version=assessment.version,
                                      report=report)


def _review(actor, assessment: Assessment, comment: tuple[str, str] | None = None) -> Assessment:
    for entry in assessment.entries.select_related("item"):
        note = comment[1] if comment and entry.item.number == comment[0] else ""
        svc.entry_save_review(actor=actor, entry=entry, loaded_version=entry.version,
                              part=svc.ReviewPart(review_score=str(entry.self_score), review_comment=note))
    assessment.refresh_from_db()
    return assessment


def _walk(staff, filer, assessment: Assessment, target: str, gaps: dict) -> None:
    """Take a fresh assessment to `target` the way people would."""
    if target == Assessment.Status.DRAFT:
        entry = assessment.entries.select_related("item").first()
        svc.entry_save_self(actor=filer, entry=entry, loaded_version=entry.version,
                            part=svc.SelfPart(self_score=str(entry.item.points)))
        return
    assessment = _fill(filer, assessment, gaps)
    assessment = svc.assessment_submit(actor=filer, assessment=assessment, loaded_version=assessment.version)
    if target == Assessment.Status.SUBMITTED:
        return
    if target == Assessment.Status.RETURNED:
        assessment = _review(staff, assessment, RETURN_COMMENT)
        svc.assessment_return(actor=staff, assessment=assessment, loaded_version=assessment.version,
                              comment="请按意见修改第5项后重新提交。")
        return
    assessment = _review(staff, assessment)
    svc.assessment_accept(actor=staff, assessment=assessment, loaded_version=assessment.version,
                          comment="材料齐全，同意验收。")


def _secretary_of(college: OrgUnit):
    """The college's secretary; colleges without a demo account get one that cannot sign in (a college files
    its own self-assessment, so someone of the college must have filed it)."""
    profile = college.profiles.filter(role="secretary").select_related("user").first()
    if profile is not None:
        return profile.user
    user, created = get_user_model().objects.get_or_create(
        username=f"demo_secretary_{college.institution.code}_{college.order}",
        defaults={"first_name": f"{college.label}关工委秘书"})
    if created:
        user.set_unusable_password()
        user.save()
    profile_assign_role(user=user, role="secretary", institution=college.institution, unit=college)
    return user


@transaction.atomic
def seed_assessments_demo() -> None:
    institution = Institution.objects.filter(code="cumt").first()
    college_standard = Standard.objects.filter(name=COLLEGE_STANDARD).first()
    school_standard = Standard.objects.filter(name=SCHOOL_STANDARD).first()
    if institution is None or college_standard is None or school_standard is None:
        return
    User = get_user_model()
    staff = User.objects.get(username="staff")
    reviewer = User.objects.get(username="reviewer")

    college_round = AssessmentRound.objects.filter(institution=institution, name=COLLEGE_ROUND).first()
    if college_round is None:
        college_round = svc.round_create(actor=staff, institution=institution, standard=college_standard,
                                         name=COLLEGE_ROUND, due_on=dt.date(2021, 12, 31))
        for name, state in COLLEGE_STATES.items():
            college = OrgUnit.objects.get(institution=institution, name=name)
            filer = _secretary_of(college)
            assessment = svc.assessment_start(actor=filer, assessment_round=college_round, unit=college)
            _walk(staff, filer, assessment, state, COLLEGE_GAPS)
        committee = OrgUnit.objects.filter(institution=institution, kind=OrgUnit.Kind.SCHOOL_COMMITTEE).first()
        for unit_name, problem, measure, days in INSPECTIONS:
            unit = OrgUnit.objects.get(institution=institution, name=unit_name)
            svc.rectification_create(actor=staff, institution=institution, unit=unit,
                                     source=Rectification.Source.INSPECTION, problem=problem, measure=measure,
                                     deadline=dt.date(2022, 3, 1) + dt.timedelta(days=days))
        first_gap = Rectification.objects.filter(institution=institution, source="self_assessment").first()
        if first_gap is not None:  # one gap already put right and verified, one on its way
            done = svc.rectification_advance(
                actor=staff, rectification=first_gap, loaded_version=first_gap.version, status="done",
                note="制度已修订并印发。",
                files=[SimpleUploadedFile("修订后的工作制度.pdf", DEMO_PDF, "application/pdf")])
            svc.rectification_advance(actor=staff, rectification=done, loaded_version=done.version,
                                      status="verified", note="已核验修订稿。")

        school_round = svc.round_create(actor=staff, institution=institution, standard=school_standard,
                                        name=SCHOOL_ROUND, due_on=dt.date(2022, 3, 31), report_max_chars=3000)
        school = svc.assessment_start(actor=staff, assessment_round=school_round, unit=committee)
        _walk(staff, staff, school, Assessment.Status.ACCEPTED, SCHOOL_GAPS)

    if not Review.objects.filter(institution=institution, name=REVIEW).exists():
        zone = OrgUnit.objects.filter(kind=OrgUnit.Kind.ZONE, name__contains="第五片区").first()
        school_round = AssessmentRound.objects.filter(institution=institution, name=SCHOOL_ROUND).first()
        review = svc.review_create(
            actor=staff, institution=institution, name=REVIEW, zone=zone, assessment_round=school_round,
            planned={"apply": dt.date(2022, 3, 31), "peer_review": dt.date(2022, 5, 31),
                     "rectify": dt.date(2022, 6, 30), "publish": dt.date(2022, 9, 30), "file": dt.date(2022, 12, 31)},
        )
        steps = {step.kind: step for step in review.steps.all()}
        for kind, day, note in (("apply", dt.date(2022, 3, 28), "向第五片区提交评议申请及申报材料。"),
                                ("peer_review", dt.date(2022, 5, 20), "片区评审组来校实地调研。")):
            step = steps[kind]
            svc.review_step_record(actor=staff, step=step, loaded_version=step.version, planned_on=step.planned_on,
                                   done_on=day, note=note)
        for text in OPINIONS:
            svc.review_opinion_add(actor=reviewer, review=review, text=text)

    # This year's round, due in four weeks: no college has filed yet (any college round but the 2021 one: once
    # seeded, a later run, in another year too, leaves it as it is).
    if not AssessmentRound.objects.filter(institution=institution, standard=college_standard).exclude(
            name=COLLEGE_ROUND).exists():
        today = timezone.localdate()
        svc.round_create(actor=staff, institution=institution, standard=college_standard,
                         name=CURRENT_ROUND.format(year=today.year),
                         due_on=today + dt.timedelta(days=CURRENT_ROUND_DAYS))
