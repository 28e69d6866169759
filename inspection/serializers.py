from rest_framework import serializers

from efficiency.models import Region, Unit, User

from .models import Draw, Finding, InspectionCap, InspectionPlan, Method, PlanOverride, Rectification, Visit


class OverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanOverride
        fields = ["kind", "approved_by", "approved_at", "reason", "figures"]


class PlanSerializer(serializers.ModelSerializer):
    overrides = OverrideSerializer(many=True, read_only=True)
    has_assessment_report = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPlan
        fields = ["id", "topic", "scope", "method", "issuing_unit", "region", "start_date", "end_date", "units",
                  "sample_size", "status", "filed_by", "submitted_at", "approved_by", "approved_at", "decision_note",
                  "results_published_at", "overrides", "closed_on", "closed_at", "closed_by", "closing_summary",
                  "closing_report", "assessor", "assessment_recorded_at", "has_assessment_report"]
        read_only_fields = fields

    def get_has_assessment_report(self, plan) -> bool:
        return bool(plan.assessment_report)


class PlanDetailSerializer(PlanSerializer):
    """One plan with what it exceeds (R30/R31): a leader must record an override for each."""

    excess = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "excess"]
        read_only_fields = fields

    def get_excess(self, plan) -> dict:
        from .services import excess_message, plan_excesses

        return {kind: {**figures, "message": excess_message(kind, figures)}
                for kind, figures in plan_excesses(plan).items()}


class PlanUpdateSerializer(serializers.Serializer):
    """PUT takes every field, PATCH any of them; the issuing body and the region do not change."""

    topic = serializers.CharField(max_length=200)
    scope = serializers.CharField()
    method = serializers.ChoiceField(choices=Method.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True)
    sample_size = serializers.IntegerField(min_value=1)


class CloseSerializer(serializers.Serializer):
    summary = serializers.CharField()
    closed_on = serializers.DateField(required=False)


class AssessmentSerializer(serializers.Serializer):
    assessor = serializers.CharField(max_length=200)
    report = serializers.FileField(required=False)


class PlanInputSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=200)
    scope = serializers.CharField()
    method = serializers.ChoiceField(choices=Method.choices)
    issuing_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True)
    sample_size = serializers.IntegerField(min_value=1)


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField()


class CapSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionCap
        fields = ["id", "issuing_unit", "year", "base_2018", "cap", "set_by", "set_at"]
        read_only_fields = ["set_by", "set_at"]
        validators = []


class DrawSerializer(serializers.ModelSerializer):
    seed = serializers.CharField(read_only=True)

    class Meta:
        model = Draw
        fields = ["id", "plan", "target_pool", "inspector_pool", "seed", "algorithm", "n_targets", "per_target",
                  "pools", "result", "drawn_by", "drawn_at", "published_at"]


class DrawInputSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    target_pool = serializers.IntegerField()
    inspector_pool = serializers.IntegerField()
    n_targets = serializers.IntegerField(min_value=1)
    per_target = serializers.IntegerField(min_value=1, default=2)
    seed = serializers.IntegerField(min_value=0, max_value=2**64 - 1, required=False, allow_null=True)


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "plan", "draw", "unit", "kind", "visited_on", "place", "people_met", "summary", "inspectors",
                  "status", "closed_at"]
        read_only_fields = ["status", "closed_at"]


class VisitInputSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    kind = serializers.ChoiceField(choices=Method.choices)
    visited_on = serializers.DateField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    people_met = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    inspectors = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)


class PhotoInputSerializer(serializers.Serializer):
    image = serializers.FileField()
    caption = serializers.CharField(required=False, allow_blank=True, default="")


class FindingSerializer(serializers.ModelSerializer):
    rectification = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "visit", "plan", "unit", "title", "description", "severity", "rectify_target", "rectify_days",
                  "feedback_date", "responsible", "accountability_proposed_at", "rectification"]
        read_only_fields = ["plan", "accountability_proposed_at"]


class FindingInputSerializer(serializers.Serializer):
    visit = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=Finding.Severity.choices, default=Finding.Severity.GENERAL)
    rectify_target = serializers.CharField()
    rectify_days = serializers.IntegerField(min_value=1, max_value=365)
    feedback_date = serializers.DateField(required=False)
    responsible = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class RectificationSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True)

    class Meta:
        model = Rectification
        fields = ["id", "finding", "unit", "owner", "target", "measures", "measures_at", "status", "report",
                  "reported_at", "returns",
                  "verified_by", "verified_at", "verify_note", "due_at", "clock_state", "breach_level", "colour",
                  "closed_at"]


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    measures = serializers.CharField(required=False, allow_blank=True, default="")


class VerifySerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MeasuresSerializer(serializers.Serializer):
    measures = serializers.CharField()
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
