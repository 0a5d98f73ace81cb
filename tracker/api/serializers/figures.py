"""Quotas with their computed values, self-assessments with their items and scores, the rectification list, reviews
with their steps, and the dashboard's figures (live, as of a day, or frozen in a snapshot)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.api.serializers.records import PersonField, UnitRef, label_of
from tracker.assessments.models.assessments import (
    Assessment,
    AssessmentEntry,
    Rectification,
    Review,
    ReviewOpinion,
    ReviewStep,
)
from tracker.quotas import metrics
from tracker.reporting.models import ReportSnapshot

# --- Quotas: the computed value (per college where the quota is set per college) ---------------------------


class ReadingSerializer(serializers.Serializer):
    """One computed value: `value` null means no data (a rate over nobody), never zero; a rate carries its parts."""

    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, read_only=True)
    numerator = serializers.IntegerField(allow_null=True, read_only=True)
    denominator = serializers.IntegerField(allow_null=True, read_only=True)


class CollegeReadingSerializer(serializers.Serializer):
    unit = UnitRef(read_only=True)
    reading = ReadingSerializer(read_only=True)
    status = serializers.ChoiceField(choices=metrics.QuotaStatus.choices, read_only=True)
    status_label = serializers.SerializerMethodField()

    def get_status_label(self, row: metrics.CollegeResult) -> str:
        return str(metrics.QuotaStatus(row.status).label)


class QuotaSerializer(serializers.Serializer):
    """A quota (a `metrics.QuotaResult`): its target and source, and its value computed from live data today."""

    id = serializers.IntegerField(source="quota.pk", read_only=True)
    institution = serializers.IntegerField(source="quota.institution_id", read_only=True)
    plan = serializers.IntegerField(source="quota.plan_id", read_only=True, allow_null=True)
    order = serializers.IntegerField(source="quota.order", read_only=True)
    name = serializers.CharField(source="quota.name", read_only=True)
    metric = serializers.CharField(source="quota.metric", read_only=True)
    comparator = serializers.CharField(source="quota.comparator", read_only=True)
    target = serializers.DecimalField(source="quota.target", max_digits=8, decimal_places=2, read_only=True)
    scope = serializers.CharField(source="quota.scope", read_only=True)
    deadline = serializers.DateField(source="quota.deadline", read_only=True, allow_null=True)
    source_document = serializers.CharField(source="quota.source_document", read_only=True)
    source_clause = serializers.CharField(source="quota.source_clause", read_only=True)
    unit_of_measure = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=metrics.QuotaStatus.choices, read_only=True)
    status_label = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(read_only=True)
    reading = ReadingSerializer(read_only=True, allow_null=True,
                                help_text="全校范围指标的当前值；按学院设定的指标为 null，见 colleges。")
    colleges = CollegeReadingSerializer(source="rows", many=True, read_only=True,
                                        help_text="按学院设定的指标：每个学院的当前值与达标情况。")
    colleges_met = serializers.IntegerField(read_only=True)
    as_of = serializers.SerializerMethodField()

    def get_unit_of_measure(self, result: metrics.QuotaResult) -> str:
        return str(result.metric.unit) if result.metric else ""

    def get_status_label(self, result: metrics.QuotaResult) -> str:
        return str(metrics.QuotaStatus(result.status).label)

    @extend_schema_field(serializers.DateField())
    def get_as_of(self, result: metrics.QuotaResult):
        return timezone.localdate()


# --- Self-assessments ------------------------------------------------------------------------------------


class EntrySerializer(serializers.ModelSerializer):
    """One item of the standard as the unit scored it (自评分) and the reviewers did (考评分)."""

    number = serializers.CharField(source="item.number", read_only=True)
    group = serializers.CharField(source="item.group.name", read_only=True)
    text = serializers.CharField(source="item.text", read_only=True)
    rule = serializers.CharField(source="item.rule", read_only=True)
    points = serializers.DecimalField(source="item.points", max_digits=6, decimal_places=2, read_only=True)
    mode = serializers.CharField(source="item.mode", read_only=True)
    reviewed_by = PersonField()
    evidence_total = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentEntry
        fields = ["id", "item", "number", "group", "text", "rule", "points", "mode", "self_score", "gap", "measure",
                  "owner", "deadline", "review_score", "review_comment", "reviewed_by", "reviewed_at",
                  "evidence_total", "version"]
        read_only_fields = fields

    def get_evidence_total(self, entry: AssessmentEntry) -> int:
        return len(entry.evidence.all())


class RoundRef(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True)
    standard = serializers.CharField(source="standard.name", read_only=True)


class AssessmentSerializer(serializers.ModelSerializer):
    round = RoundRef(read_only=True)
    unit = UnitRef(read_only=True)
    status_label = label_of(Assessment, "status")

    class Meta:
        model = Assessment
        fields = ["id", "round", "unit", "status", "status_label", "submitted_at", "accepted_at", "created_at",
                  "version"]
        read_only_fields = fields


class TotalsSerializer(serializers.Serializer):
    full = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    bonus_max = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    self_score = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    review_score = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)
    scored = serializers.IntegerField(read_only=True)
    reviewed = serializers.IntegerField(read_only=True)
    items = serializers.IntegerField(read_only=True)


class AssessmentDetailSerializer(AssessmentSerializer):
    entries = EntrySerializer(many=True, read_only=True, source="entry_rows")
    totals = TotalsSerializer(read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "report", "totals", "entries"]
        read_only_fields = fields


# --- Rectifications and reviews ---------------------------------------------------------------------------


class RectificationSerializer(serializers.ModelSerializer):
    unit = UnitRef(read_only=True)
    source_label = label_of(Rectification, "source")
    status_label = label_of(Rectification, "status")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = ["id", "institution", "unit", "source", "source_label", "problem", "measure", "deadline", "status",
                  "status_label", "note", "done_on", "verified_at", "overdue", "created_at", "version"]
        read_only_fields = fields

    def get_overdue(self, rectification: Rectification) -> bool:
        return rectification.is_overdue_on(timezone.localdate())


class ReviewStepSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(read_only=True)
    kind_label = label_of(ReviewStep, "kind")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ReviewStep
        fields = ["id", "number", "kind", "kind_label", "planned_on", "done_on", "note", "overdue", "version"]
        read_only_fields = fields

    def get_overdue(self, step: ReviewStep) -> bool:
        return step.is_overdue_on(timezone.localdate())


class ReviewOpinionSerializer(serializers.ModelSerializer):
    author = PersonField()

    class Meta:
        model = ReviewOpinion
        fields = ["id", "text", "author", "occurred_on", "created_at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    zone = UnitRef(read_only=True, allow_null=True)
    steps = serializers.SerializerMethodField(help_text="评议的各个步骤，按顺序。")

    class Meta:
        model = Review
        fields = ["id", "institution", "name", "zone", "assessment_round", "outcome", "steps"]
        read_only_fields = fields


    @extend_schema_field(ReviewStepSerializer(many=True))
    def get_steps(self, review: Review) -> list:
        steps = sorted(review.steps.all(), key=lambda step: step.number)
        return ReviewStepSerializer(steps, many=True, context=self.context).data


class ReviewDetailSerializer(ReviewSerializer):
    opinions = ReviewOpinionSerializer(source="opinion_rows", many=True, read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "opinions"]
        read_only_fields = fields


# --- The dashboard (a `reporting.dashboard.Dashboard`) -----------------------------------------------------


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True)
    tone = serializers.CharField(help_text="ok · warn · bad · neutral")
    url = serializers.CharField(help_text="门户中对应页面的地址。")


class DueItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="task · rectification · review_step")
    kind_label = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    plan = serializers.CharField()
    due = serializers.DateField()
    days = serializers.IntegerField(help_text="距截止日的天数；负数为已逾期的天数。")
    url = serializers.CharField()


class QuotaColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    url = serializers.CharField()


class QuotaCellSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    value = serializers.CharField()
    url = serializers.CharField()


class CollegeRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    cells = QuotaCellSerializer(many=True, help_text="与 quota_columns 一一对应。")
    filing_status = serializers.CharField()
    filing_label = serializers.CharField()
    filing_url = serializers.CharField()
    open_rectifications = serializers.IntegerField()
    overdue_rectifications = serializers.IntegerField()


class InstitutionQuotaSerializer(serializers.Serializer):
    name = serializers.CharField()
    target = serializers.CharField()
    value = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    url = serializers.CharField()
    records_url = serializers.CharField()


class FilingSerializer(serializers.Serializer):
    round_name = serializers.CharField()
    url = serializers.CharField()
    due = serializers.DateField()
    expected = serializers.IntegerField()
    filed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    returned = serializers.IntegerField()
    not_started = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    """Every figure of the dashboard page (the timelines' drawing aside: the plan and its tasks hold the same)."""

    institution_id = serializers.IntegerField()
    institution = serializers.CharField()
    as_of = serializers.DateField()
    live = serializers.BooleanField(help_text="true：今天的实时数据；false：截至 as_of 当天。")
    unit_id = serializers.IntegerField(allow_null=True, help_text="学院页面时为该学院；全校总览为 null。")
    unit = serializers.CharField()
    figures = FigureSerializer(many=True)
    upcoming = DueItemSerializer(many=True)
    upcoming_total = serializers.IntegerField()
    upcoming_days = serializers.IntegerField()
    overdue = DueItemSerializer(many=True)
    overdue_total = serializers.IntegerField()
    quota_columns = QuotaColumnSerializer(many=True)
    college_rows = CollegeRowSerializer(many=True)
    institution_quotas = InstitutionQuotaSerializer(many=True)
    filing = FilingSerializer(allow_null=True)


class SnapshotSerializer(serializers.ModelSerializer):
    created_by = PersonField()

    class Meta:
        model = ReportSnapshot
        fields = ["id", "institution", "unit", "name", "as_of", "created_by", "created_at"]
        read_only_fields = fields


class SnapshotDetailSerializer(SnapshotSerializer):
    figures = DashboardSerializer(source="dashboard", read_only=True, help_text="冻结时的全部数字，与当时的总览一致。")

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "figures"]
        read_only_fields = fields

