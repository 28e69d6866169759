"""REST representations of the approvals app."""

from rest_framework import serializers

from .models import LEGAL_PAUSE_CHOICES, ApplicantKind, Application, Material, ReviewStep, Score, ServiceItem, Status


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "name", "copies", "required"]


class ServiceItemSerializer(serializers.ModelSerializer):
    pause_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "unit", "unit_name", "code", "name", "legal_basis", "conditions", "procedure", "fee",
                  "legal_limit", "committed_limit", "deemed_approval", "pause_reasons", "joint_units", "is_published",
                  "materials"]
        read_only_fields = ["unit"]


class ServiceItemWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=128)
    legal_basis = serializers.CharField()
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    procedure = serializers.CharField(required=False, allow_blank=True, default="")
    fee = serializers.CharField(required=False, allow_blank=True, default="")
    legal_limit = serializers.IntegerField(min_value=1, default=20)
    committed_limit = serializers.IntegerField(min_value=1, default=20)
    deemed_approval = serializers.BooleanField(default=False)
    # Plain strings in the schema (one enum of pause reasons is `reason`'s); the service's
    # full_clean refuses a value outside PauseReason.
    pause_reasons = serializers.ListField(child=serializers.CharField(max_length=12), required=False)
    is_published = serializers.BooleanField(default=True)
    materials = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    joint_unit_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class ReviewStepSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReviewStep
        fields = ["id", "application", "unit", "unit_name", "status", "status_display", "opinion", "liability_moved",
                  "decided_at", "clock_start", "due_at", "breach_level", "clock_state"]


class ApplicationSerializer(serializers.ModelSerializer):
    pause_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    steps = ReviewStepSerializer(many=True, read_only=True)
    colour = serializers.CharField(read_only=True)

    class Meta:
        model = Application
        fields = ["id", "receipt_number", "item", "item_name", "unit", "status", "status_display", "applicant_kind",
                  "applicant_name", "applicant_id_number", "applicant_phone", "project", "missing_materials",
                  "received_at", "notice_issued_at", "accepted_at", "accepted_by_default", "first_handler", "owner",
                  "clock_start", "due_at", "legal_due_at", "paused_at", "pause_reason", "extension_value",
                  "extension_requested_at", "breach_level", "clock_state", "colour", "decided_at", "decision_reason",
                  "terms_fixed_at", "legal_limit", "committed_limit", "deemed_approval", "pause_reasons",
                  "intake_unit", "intake_section", "steps"]


class ReceiveSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices)
    applicant_name = serializers.CharField(max_length=128)
    applicant_id_number = serializers.CharField(max_length=18)
    applicant_phone = serializers.CharField(max_length=20)
    project = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    material_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    submitted_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="材料到达时间（网上申报的提交时间或窗口收到材料的时间）；不填为受理登记时刻")


class ReceivedSerializer(serializers.Serializer):
    application = ApplicationSerializer()
    check_code = serializers.CharField(allow_null=True, help_text="只在受理时返回一次")


class MaterialsSerializer(serializers.Serializer):
    material_ids = serializers.ListField(child=serializers.IntegerField())


class ApplicationDecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[Status.APPROVED, Status.REJECTED])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationPauseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LEGAL_PAUSE_CHOICES)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationReassignSerializer(serializers.Serializer):
    to_user = serializers.IntegerField(min_value=1, help_text="本单位在岗经办人的用户编号")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="改派理由（必填）")


class ApprovalEmptySerializer(serializers.Serializer):
    pass


class StepDecideSerializer(serializers.Serializer):
    consent = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpNoteSerializer(serializers.Serializer):
    note = serializers.CharField()


class ApplicationRatingSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16)
    score = serializers.ChoiceField(choices=Score.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PublicStepSerializer(serializers.Serializer):
    unit = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    due_date = serializers.CharField()


class PublicRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    score_display = serializers.CharField()
    round = serializers.IntegerField()


class PublicApplicationSerializer(serializers.Serializer):
    receipt_number = serializers.CharField()
    item = serializers.CharField()
    unit = serializers.CharField()
    intake_unit = serializers.CharField(help_text="受理窗口（政务服务中心代收时）；部门自行受理时为空")
    applicant = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    deemed_approved = serializers.BooleanField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.CharField()
    paused = serializers.BooleanField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    steps = PublicStepSerializer(many=True)
    can_rate = serializers.BooleanField()
    ratings = PublicRatingSerializer(many=True)


class SatisfactionSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit__name = serializers.CharField()
    total = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    meets = serializers.BooleanField()
