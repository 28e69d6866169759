from rest_framework import serializers

from .models import (AccountabilityCase, Bulletin, CaseStatement, Category, Complaint, ComplaintReview, ExemptionGround,
                     Measure, Rating)


class PublicComplaintInSerializer(serializers.Serializer):
    """Multipart: attachments as repeated `attachments` files."""

    category = serializers.ChoiceField(choices=Category.choices)
    subject_unit = serializers.IntegerField(help_text="id from /accountability/public/units.json")
    description = serializers.CharField(max_length=5000)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    is_anonymous = serializers.BooleanField(
        required=False, default=False,
        help_text="Real-name by default (name and phone required); anonymous only when the citizen chooses it: "
                  "no call-back and no reply by phone, tracking by number and code still works.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    attachments = serializers.ListField(child=serializers.FileField(), required=False)
    captcha_id = serializers.CharField(required=False, allow_blank=True)
    captcha_answer = serializers.CharField(required=False, allow_blank=True)
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="Registered channels only: when the channel (12345 热线) received the complaint, with its "
                  "time zone; not in the future, not over a year old. Default: now.")


class PublicComplaintCreatedSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    check_code = serializers.CharField()
    link = serializers.CharField()
    status = serializers.CharField()


class PublicComplaintStatusSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    category = serializers.CharField()
    subject_unit = serializers.CharField()
    filed_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    reply = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.CharField()


class CaptchaSerializer(serializers.Serializer):
    captcha_id = serializers.CharField()
    image_url = serializers.CharField()


class ReviewClockSerializer(serializers.ModelSerializer):
    """The office's running review of the unit's reply (complaint.review)."""

    class Meta:
        model = ComplaintReview
        fields = ["id", "owner", "unit", "clock_start", "due_at", "clock_state", "breach_level"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    subject_unit_name = serializers.CharField(source="subject_unit.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    channel_name = serializers.CharField(source="channel.name", read_only=True, default=None, allow_null=True)
    review = ReviewClockSerializer(source="open_review", read_only=True, allow_null=True,
                                   help_text="while the office reviews the unit's reply (status replied), its clock")

    class Meta:
        model = Complaint
        fields = ["id", "tracking_number", "status", "category", "subject_unit", "subject_unit_name", "unit",
                  "unit_name", "owner", "occurred_on", "place", "description", "is_anonymous", "complainant_name",
                  "complainant_phone", "channel_name", "about_office", "filed_at", "accepted_at", "decline_reason",
                  "unit_reply", "reply", "answered_at", "substantiated", "rating", "rating_comment",
                  "reexamine_reason", "handling_rounds", "is_problem", "due_at", "clock_state", "breach_level",
                  "review"]
        read_only_fields = fields


class ComplaintActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)
    reply = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.IntegerField(required=False)
    substantiated = serializers.BooleanField(required=False, allow_null=True, default=None)


class StatementClockSerializer(serializers.ModelSerializer):
    """The 陈述申辩 period (case.statement), from the facts being recorded."""

    class Meta:
        model = CaseStatement
        fields = ["clock_start", "due_at", "clock_state", "breach_level", "closed_at", "lapsed"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    accountability_body = serializers.CharField(read_only=True, help_text="问责主体 (R69)")
    statement_period = StatementClockSerializer(source="statement_clock", read_only=True, default=None, allow_null=True)

    class Meta:
        model = AccountabilityCase
        fields = ["id", "number", "status", "source", "subject_type", "subject_id", "unit", "person", "owner",
                  "reason", "facts", "evidence", "statement", "statement_at", "statement_period", "decision",
                  "exemption_grounds", "exemption_facts", "exemption_conditions", "person_measures", "head",
                  "head_measures", "decision_reason", "decided_at", "person_missing_reason", "leader",
                  "leader_missing_reason", "proposal", "proposed_by", "proposed_at", "decided_by", "decided_body",
                  "decided_unit", "accountability_body", "appeal_reason", "appealed_at", "appeal_result",
                  "appeal_decided_by", "appeal_unit", "appeal_decided_at", "judicial_organ",
                  "judicial_transferred_on", "judicial_transferred_by", "created_at", "due_at", "clock_state",
                  "breach_level"]
        read_only_fields = fields


class CaseOpenSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    person = serializers.IntegerField(required=False, allow_null=True)
    person_missing_reason = serializers.CharField(required=False, allow_blank=True,
                                                  help_text="R46: why no person is named (required without person)")
    leader_missing_reason = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField()


class ConditionAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    met = serializers.BooleanField()
    facts = serializers.CharField(allow_blank=True)


class CaseActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)
    facts = serializers.CharField(required=False, allow_blank=True)
    evidence = serializers.CharField(required=False, allow_blank=True)
    statement = serializers.CharField(required=False, allow_blank=True)
    result = serializers.CharField(required=False, allow_blank=True)
    proposal = serializers.CharField(required=False, allow_blank=True)
    ground_facts = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                         help_text="容错: the facts for each of the 三个区分开来, by ground code")
    conditions = serializers.ListField(child=ConditionAnswerSerializer(), required=False,
                                       help_text="容错: each local condition (本地默认) answered")
    decision = serializers.ChoiceField(choices=AccountabilityCase.Decision.choices, required=False)
    grounds = serializers.ListField(child=serializers.ChoiceField(choices=ExemptionGround.choices), required=False)
    person_measures = serializers.ListField(child=serializers.ChoiceField(choices=Measure.choices), required=False)
    head_measures = serializers.ListField(child=serializers.ChoiceField(choices=Measure.choices), required=False)


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["id", "number", "title", "kind", "body", "cases", "complaints", "status", "author",
                  "approved_by", "approved_at", "published_at", "created_at"]
        # approved_by / approved_at: the leader who signed it off (签发) and when
        read_only_fields = ["id", "number", "status", "author", "approved_by", "approved_at", "published_at",
                            "created_at"]
        extra_kwargs = {"body": {"required": False, "allow_blank": True}}


class RatingSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
