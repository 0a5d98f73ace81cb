"""Self-assessment pages (对标找差): rounds, the filing board, one unit's assessment, its items, report and workflow.

Reads go through access.py (404 for what one may not see), writes through services/assessments.py; a refusal
is shown on the page with status 400 and the input kept, an edit against a newer version with status 409 and
what the others saved. Each page reads a fixed number of queries however many units and items there are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tracker import access
from tracker.assessments.forms.assessments import (
    EntryReviewForm,
    EntrySelfForm,
    ReportForm,
    RoundForm,
    TransitionForm,
)
from tracker.assessments.models.assessments import Assessment, AssessmentEntry, FilingReminder, Rectification
from tracker.assessments.models.standards import StandardItem
from tracker.assessments.querysets import standard_items_for_page
from tracker.assessments.services import assessments as service
from tracker.assessments.services.standards import CENT, score_choices
from tracker.assessments.views.copying import round_copy_links
from tracker.org.forms import add_errors
from tracker.org.history import changes_for
from tracker.org.models import OrgUnit, Profile
from tracker.org.versions import StaleEditError, refused_as_stale
from tracker.templatetags.scores import score

Status = Assessment.Status
FILED = (Status.SUBMITTED, Status.RESUBMITTED, Status.ACCEPTED)


def rating(item: StandardItem, score: Decimal | None) -> str:
    """The grade a score stands for, e.g. “基本达标 (60%)”; a bonus item's score is its own label."""
    if score is None:
        return ""
    choices = score_choices(item)
    if choices is None:
        return f"{score.normalize():f}"
    return next((text for value, text in choices if value == score.quantize(CENT)), "")


# --- Rounds ---------------------------------------------------------------------------------------


def _manageable_institutions(user) -> list:
    """The institutions whose rounds this user may open (committee staff: their own; administrators: all)."""
    return [i for i in access.institutions_visible_to(user).order_by("code") if access.can_manage_rounds(user, i.pk)]


def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    rounds = list(access.rounds_visible_to(user).select_related("standard", "institution").annotate(
        filed=Count("assessments", filter=Q(assessments__status__in=FILED)),
        accepted=Count("assessments", filter=Q(assessments__status=Status.ACCEPTED)),
    ).prefetch_related(Prefetch("units", queryset=OrgUnit.objects.only("pk"))).order_by("-due_on", "-id"))
    # Units that file, per institution and kind, in one query: the denominator of "filed".
    units = Counter({(row["institution_id"], row["kind"]): row["n"] for row in (
        OrgUnit.objects.in_service().filter(institution_id__in={r.institution_id for r in rounds},
                               kind__in=[OrgUnit.Kind.COLLEGE, OrgUnit.Kind.SCHOOL_COMMITTEE])
        .values("institution_id", "kind").annotate(n=Count("id")))})
    profile = access.profile_of(user)
    own_unit = profile.unit if profile is not None and profile.role == Profile.Role.SECRETARY else None
    own = {}
    if own_unit is not None:
        own = {a.round_id: a for a in access.assessments_visible_to(user).filter(round__in=rounds, unit=own_unit)}
    rows = [{
        "round": r,
        # A round that names its units (a pilot, a batch) expects those; otherwise every unit of its kind.
        "units": len(r.chosen_unit_ids) or units[(r.institution_id, r.unit_kind)],
        "board": access.can_see_filing_board(user, r),
        "own": own.get(r.pk),
        "may_start": own_unit is not None and access.can_start_assessment(user, r, own_unit),
        "not_taking_part": own_unit is not None and own_unit.kind == r.unit_kind and not r.takes_part(own_unit),
    } for r in rounds]
    context = {"rows": rows, "own_unit": own_unit, "can_create": bool(_manageable_institutions(user)),
               "is_liaison": access.role_of(user) == Profile.Role.LIAISON}
    return render(request, "tracker/assessments/round_list.html", context)


@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    institutions = _manageable_institutions(user)
    if not institutions:
        raise PermissionDenied
    queryset = access.institutions_visible_to(user).filter(pk__in=[i.pk for i in institutions])
    standards = access.standards_visible_to(user)
    form = RoundForm(request.POST if request.method == "POST" else None, institutions=queryset, standards=standards)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = service.round_create(actor=user, institution=data["institution"], standard=data["standard"],
                                               name=data["name"], due_on=data["due_on"],
                                               report_max_chars=data["report_max_chars"],
                                               units=list(data["units"]))
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("The round “%(name)s” was opened.") % {"name": created.name})
                return redirect(created)
    return render(request, "tracker/assessments/round_form.html", {"form": form}, status=status)


# --- The filing board -------------------------------------------------------------------------------


class BoardScore:
    """An entry's scores as the board needs them (the same names as AssessmentEntry's, for `Totals.add`)."""

    __slots__ = ("pk", "item", "self_score", "review_score")

    def __init__(self, pk: int, item: StandardItem, self_score: Decimal | None, review_score: Decimal | None):
        self.pk, self.item, self.self_score, self.review_score = pk, item, self_score, review_score

    final_score = AssessmentEntry.final_score
    below_full = AssessmentEntry.below_full


@dataclass
class BoardCell:
    item: StandardItem
    entry: BoardScore | None = None
    open_rectification: bool = False

    @property
    def state(self) -> str:
        if self.entry is None or self.entry.final_score is None:
            return "empty"
        return "below" if self.entry.below_full else "scored"

    def html(self, title: str, mark: str) -> str:
        """The cell's <td>, built here rather than in the template: the board has 30 × 28 of them, and a template
        loop spent most of the page's time on them. `title` is the item's escaped number and text; `mark` the
        escaped open-rectification mark."""
        text = ""
        if self.entry is not None:
            text = score(self.entry.self_score) or "·"
            if self.entry.review_score is not None:
                text += " / " + score(self.entry.review_score)
            if self.open_rectification:
                text += mark
        return f'<td class="board-cell board-cell--{self.state}" title="{title}">{text}</td>'


@dataclass
class BoardRow:
    unit: OrgUnit
    assessment: Assessment | None
    cells: list[BoardCell]
    totals: service.Totals
    open_rectifications: int
    last_reminder: FilingReminder | None
    behind: bool
    may_start: bool

    cells_html: str = ""

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else "not_started"

    @property
    def status_label(self) -> str:
        return self.assessment.get_status_display() if self.assessment else _("Not started")


@dataclass
class GroupHead:
    group: object
    span: int = 0
    items: list[StandardItem] = field(default_factory=list)


def round_board(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment_round = access.get_round_for_user(user, pk)
    if not access.can_see_filing_board(user, assessment_round):
        raise PermissionDenied
    units = list(service.filing_units(assessment_round))
    items = list(standard_items_for_page(assessment_round.standard))
    by_id = {item.pk: item for item in items}
    heads: dict[int, GroupHead] = {}
    for item in items:
        head = heads.setdefault(item.group_id, GroupHead(item.group))
        head.span += 1
        head.items.append(item)
    assessments = {a.unit_id: a for a in Assessment.objects.filter(round=assessment_round)}
    entries: dict[tuple[int, int], BoardScore] = {}
    # Only what the cells and totals show, as plain values: 840 entries at one university, whose texts the board
    # never prints (model instances cost more than the rest of the view).
    for pk, assessment_id, item_id, self_score, review_score in AssessmentEntry.objects.filter(
            assessment__round=assessment_round).values_list("id", "assessment_id", "item_id", "self_score",
                                                            "review_score"):
        entries[(assessment_id, item_id)] = BoardScore(pk, by_id[item_id], self_score, review_score)
    open_by_entry = set(access.rectifications_visible_to(user).filter(entry__assessment__round=assessment_round)
                        .exclude(status__in=Rectification.CLOSED).values_list("entry_id", flat=True))
    reminders = list(FilingReminder.objects.filter(round=assessment_round).select_related("unit", "sent_by"))
    last_reminder: dict[int, FilingReminder] = {}
    for reminder in reminders:  # newest first
        last_reminder.setdefault(reminder.unit_id, reminder)
    titles = {item.pk: escape(f"{item.number}. {item.text}") for item in items}
    mark = format_html(' <span class="rect-mark" title="{}">▲</span>', _("open rectification"))
    rows = []
    for unit in units:
        assessment = assessments.get(unit.pk)
        cells, totals = [], service.Totals()
        for item in items:
            entry = entries.get((assessment.pk, item.pk)) if assessment else None
            cells.append(BoardCell(item, entry, entry is not None and entry.pk in open_by_entry))
            if entry is not None:
                totals.add(entry)
        rows.append(BoardRow(
            unit, assessment, cells, totals, sum(cell.open_rectification for cell in cells),
            last_reminder.get(unit.pk), service.is_behind(assessment.status if assessment else None),
            assessment is None and access.can_start_assessment(user, assessment_round, unit),
            mark_safe("".join(cell.html(titles[cell.item.pk], mark) for cell in cells)),  # escaped above
        ))
    context = {
        "round": assessment_round,
        "heads": list(heads.values()),
        "items": items,
        "rows": rows,
        "reminders": reminders,
        "behind": sum(row.behind for row in rows),
        "filed": sum(not row.behind for row in rows),
        "can_manage": access.can_manage_rounds(user, assessment_round.institution_id),
        # Units the round names are exactly those on the board; none named, every unit of the kind is.
        "chosen": any(unit.named for unit in units),
        **round_copy_links(request, assessment_round),
    }
    return render(request, "tracker/assessments/round_board.html", context)


@require_POST
def round_remind(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment_round = access.get_round_for_user(user, pk)
    if not access.can_manage_rounds(user, assessment_round.institution_id):
        raise PermissionDenied
    result = service.send_filing_reminders(actor=user, assessment_round=assessment_round)
    if result.sent:
        messages.success(request, _("Reminders were sent to %(units)s.") % {
            "units": "、".join(reminder.unit.label for reminder in result.sent)})
    if result.without_address:
        messages.error(request, _("No e-mail address is known for %(units)s: remind them by telephone, or add "
                                  "an address to the unit or its secretary.") % {
            "units": "、".join(unit.label for unit in result.without_address)})
    if result.failed:
        messages.error(request, _("The mail server refused the reminders to %(units)s: nothing was logged for "
                                  "them; try again later or remind them by telephone.") % {
            "units": "、".join(unit.label for unit in result.failed)})
    if not result.sent and not result.without_address and not result.failed:
        messages.success(request, _("No unit is behind: nobody was reminded."))
    return redirect(assessment_round)


@require_POST
def assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment_round = access.get_round_for_user(user, pk)
    unit_pk = request.POST.get("unit", "")
    unit = access.units_visible_to(user).filter(pk=unit_pk).first() if unit_pk.isdigit() else None
    if unit is None or not access.can_start_assessment(user, assessment_round, unit):
        raise PermissionDenied
    assessment = service.assessment_start(actor=user, assessment_round=assessment_round, unit=unit)
    return redirect(assessment)


# --- One unit's assessment ------------------------------------------------------------------------


@dataclass
class ItemRow:
    entry: AssessmentEntry
    self_rating: str
    review_rating: str
    rectification: Rectification | None
    to_fix: bool  # returned with a reviewer's comment on this item


def _entries_for_page(assessment: Assessment) -> list[AssessmentEntry]:
    """The assessment's entries in the standard's order, with item, group, reviewer and evidence (three queries)."""
    return list(assessment.entries.select_related("item__group", "reviewed_by").prefetch_related("evidence")
                .order_by("item__group__order", "item__order", "id"))


def _detail_page(request: HttpRequest, assessment: Assessment, *, status: int = 200,
                 report_form: ReportForm | None = None, comment: str = "", errors: list[str] | None = None,
                 stale_changes: list | None = None, occurred_on: str = "") -> HttpResponse:
    user = request.user
    entries = _entries_for_page(assessment)
    groups, overall = service.assessment_totals(entries)
    rectifications = list(access.rectifications_visible_to(user).filter(entry__assessment=assessment)
                          .select_related("unit").order_by("deadline", "id"))
    by_entry = {r.entry_id: r for r in rectifications}
    returned = assessment.status == Status.RETURNED
    rows = {entry.pk: ItemRow(entry, rating(entry.item, entry.self_score), rating(entry.item, entry.review_score),
                              by_entry.get(entry.pk), returned and bool(entry.review_comment)) for entry in entries}
    bonus = {"self": sum((e.self_score for e in entries if not e.item.counts_in_total and e.self_score is not None),
                         Decimal("0")),
             "review": sum((e.review_score for e in entries
                            if not e.item.counts_in_total and e.review_score is not None), Decimal("0"))}
    can_fill = access.can_fill_assessment(user, assessment)
    can_review = access.can_review_assessment(user, assessment)
    editable = can_fill and assessment.is_editable
    if editable and report_form is None:
        report_form = ReportForm(initial={"version": assessment.version, "report": assessment.report},
                                 limit=assessment.round.report_max_chars)
    context = {
        "assessment": assessment,
        "round": assessment.round,
        "board_link": access.can_see_filing_board(user, assessment.round),
        "blocks": [(block, [rows[entry.pk] for entry in block.entries]) for block in groups],
        "overall": overall,
        "bonus": bonus,  # bonus points come on top: shown apart from the counted items
        "counted": {"self": overall.self_score - bonus["self"], "review": overall.review_score - bonus["review"]},
        "editable": editable,
        "may_submit": editable,
        "may_decide": can_review and assessment.is_under_review,
        "problems": service.submit_problems(assessment, entries) if editable else [],
        "report_form": report_form if editable else None,
        "comment": comment,
        "occurred_on": occurred_on,  # the day typed for a step, kept when the step was refused
        "errors": errors or [],
        "stale_changes": stale_changes,
        "transitions": list(assessment.transitions.select_related("actor")),
        "rectifications": rectifications,
        "to_fix": sum(row.to_fix for row in rows.values()),
    }
    return render(request, "tracker/assessments/assessment_detail.html", context, status=status)


def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, access.get_assessment_for_user(request.user, pk))


@require_POST
def assessment_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = access.get_assessment_for_user(user, pk)
    if not access.can_fill_assessment(user, assessment):
        raise PermissionDenied
    form = ReportForm(request.POST, limit=assessment.round.report_max_chars)
    if not form.is_valid():
        return _detail_page(request, assessment, status=400, report_form=form)
    try:
        service.assessment_save_report(actor=user, assessment=assessment, loaded_version=form.cleaned_data["version"],
                                       report=form.cleaned_data["report"])
    except StaleEditError as stale:
        assessment = access.get_assessment_for_user(user, pk)
        form = refused_as_stale(request, stale, assessment,
                                lambda bound: ReportForm(bound, limit=assessment.round.report_max_chars), tell=False)
        return _detail_page(request, assessment, status=409, report_form=form, errors=stale.messages,
                            stale_changes=stale.changes)
    except ValidationError as error:
        add_errors(form, error)
        if form.non_field_errors():  # e.g. no longer editable: the form is not shown, so say it above
            return _detail_page(request, assessment, status=400, errors=list(form.non_field_errors()))
        return _detail_page(request, assessment, status=400, report_form=form)
    messages.success(request, _("The report was saved."))
    return redirect(reverse("tracker:assessment-detail", args=[pk]) + "#report")


@require_POST
def assessment_transition(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assessment = access.get_assessment_for_user(user, pk)
    form = TransitionForm(request.POST)
    typed = {"comment": request.POST.get("comment", ""), "occurred_on": request.POST.get("occurred_on", "")}
    if not form.is_valid():
        if set(form.errors) == {"occurred_on"}:  # a day outside the plausible range: say so
            return _detail_page(request, assessment, status=400, errors=form.errors["occurred_on"], **typed)
        return _detail_page(request, assessment, status=400,
                            errors=[_("The request was incomplete: open the page again and retry.")])
    data = form.cleaned_data
    action = {"submit": service.assessment_submit, "return": service.assessment_return,
              "accept": service.assessment_accept}[data["action"]]
    extra = {"occurred_on": data["occurred_on"]}
    if data["action"] != "submit":
        extra["comment"] = data["comment"]
    try:
        done = action(actor=user, assessment=assessment, loaded_version=data["version"], **extra)
    except StaleEditError as stale:
        assessment = access.get_assessment_for_user(user, pk)
        return _detail_page(request, assessment, status=409, errors=stale.messages, stale_changes=stale.changes,
                            **typed)
    except ValidationError as error:
        return _detail_page(request, assessment, status=400, errors=error.messages, **typed)
    messages.success(request, _("The self-assessment is now “%(status)s”.") % {"status": done.get_status_display()})
    return redirect(done)


# --- One item of an assessment -------------------------------------------------------------------


def _item_page(request: HttpRequest, entry: AssessmentEntry, *, status: int = 200,
               self_form: EntrySelfForm | None = None, review_form: EntryReviewForm | None = None,
               stale_changes: list | None = None, stale_kind: str = "",
               errors: list[str] | None = None) -> HttpResponse:
    user = request.user
    assessment = entry.assessment
    may_fill = access.can_fill_assessment(user, assessment) and assessment.is_editable
    may_review = access.can_review_assessment(user, assessment) and assessment.is_under_review
    if may_fill and self_form is None:
        self_form = EntrySelfForm(entry=entry)
    if may_review and review_form is None:
        review_form = EntryReviewForm(entry=entry)
    order = list(assessment.entries.order_by("item__group__order", "item__order", "id").values_list("pk", flat=True))
    at = order.index(entry.pk)
    context = {
        "entry": entry,
        "item": entry.item,
        "assessment": assessment,
        "board_link": access.can_see_filing_board(user, assessment.round),
        "choices": score_choices(entry.item),
        "self_rating": rating(entry.item, entry.self_score),
        "review_rating": rating(entry.item, entry.review_score),
        "evidence": list(entry.evidence.select_related("uploaded_by")),
        "self_form": self_form if may_fill else None,
        "review_form": review_form if may_review else None,
        "previous_pk": order[at - 1] if at > 0 else None,
        "next_pk": order[at + 1] if at + 1 < len(order) else None,
        "position": at + 1,
        "count": len(order),
        "stale_changes": stale_changes,
        "stale_kind": stale_kind,
        "errors": errors or [],
        "history": changes_for(entry),
    }
    return render(request, "tracker/assessments/assessment_item.html", context, status=status)


def _after_save(request: HttpRequest, entry: AssessmentEntry) -> HttpResponse:
    """Back to the item, or on to the next one when the user asked for it."""
    if request.POST.get("then") == "next":
        following = (entry.assessment.entries.filter(
            Q(item__group__order__gt=entry.item.group.order)
            | Q(item__group__order=entry.item.group.order, item__order__gt=entry.item.order))
            .order_by("item__group__order", "item__order", "id").first())
        if following is not None:
            return redirect(following)
    return redirect(entry)


@require_http_methods(["GET", "POST"])
def assessment_item(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    user = request.user
    entry = access.get_entry_for_user(user, pk, entry_pk)
    if request.method == "GET":
        return _item_page(request, entry)
    if not access.can_fill_assessment(user, entry.assessment):
        raise PermissionDenied
    form = EntrySelfForm(request.POST, request.FILES, entry=entry)
    if form.is_valid():
        files = form.cleaned_data["files"]
        try:
            service.entry_save_self(actor=user, entry=entry, loaded_version=form.cleaned_data["version"],
                                    part=form.to_part(), files=files)
        except StaleEditError as stale:
            entry = access.get_entry_for_user(user, pk, entry_pk)
            form = refused_as_stale(request, stale, entry, lambda bound: EntrySelfForm(bound, entry=entry),
                                    files_dropped=bool(files))
            return _item_page(request, entry, status=409, self_form=form, stale_changes=stale.changes,
                              stale_kind="self")
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Item %(number)s was saved.") % {"number": entry.item.number})
            return _after_save(request, entry)
    # Once the assessment is out of the unit's hands the form is not shown: say why above the item.
    errors = [] if entry.assessment.is_editable else list(form.non_field_errors())
    return _item_page(request, entry, status=400, self_form=form, errors=errors)


@require_POST
def assessment_item_review(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    user = request.user
    entry = access.get_entry_for_user(user, pk, entry_pk)
    if not access.can_review_assessment(user, entry.assessment):
        raise PermissionDenied
    form = EntryReviewForm(request.POST, entry=entry)
    if form.is_valid():
        try:
            service.entry_save_review(actor=user, entry=entry, loaded_version=form.cleaned_data["version"],
                                      part=form.to_part())
        except StaleEditError as stale:
            entry = access.get_entry_for_user(user, pk, entry_pk)
            form = refused_as_stale(request, stale, entry, lambda bound: EntryReviewForm(bound, entry=entry))
            return _item_page(request, entry, status=409, review_form=form, stale_changes=stale.changes,
                              stale_kind="review")
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The review of item %(number)s was saved.") % {"number": entry.item.number})
            return _after_save(request, entry)
    errors = [] if entry.assessment.is_under_review else list(form.non_field_errors())
    return _item_page(request, entry, status=400, review_form=form, errors=errors)
