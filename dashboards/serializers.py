from datetime import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class FiguresSerializer(serializers.Serializer):
    open = serializers.IntegerField(help_text="在办事项")
    yellow = serializers.IntegerField(help_text="黄牌在办")
    red = serializers.IntegerField(help_text="红牌在办")
    overdue = serializers.IntegerField(help_text="超期在办")
    due_week = serializers.IntegerField(help_text="本周到期")
    yellow_today = serializers.IntegerField()
    red_today = serializers.IntegerField()
    complaints_today = serializers.IntegerField()
    complaints_month = serializers.IntegerField()
    complaints_overdue = serializers.IntegerField()
    deemed_month = serializers.IntegerField()
    cases_open = serializers.IntegerField()
    refreshed_at = serializers.DateTimeField(allow_null=True)


class UnitScoreSerializer(serializers.Serializer):
    # rank and score are null for a unit with no data in the month (无数据, not ranked)
    has_data = serializers.BooleanField()
    rank = serializers.IntegerField(allow_null=True)
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    region_name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    red_cards = serializers.IntegerField()
    complaints = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)
    rectification_rate = serializers.FloatField(allow_null=True)
    urgings = serializers.IntegerField()


class MonthField(serializers.CharField):
    """A month as "YYYY-MM" (a date, the first of the month, inside)."""

    default_error_messages = {"invalid": _("月份格式应为 YYYY-MM，例如 2026-10。")}

    def to_internal_value(self, data):
        try:
            return datetime.strptime(super().to_internal_value(data), "%Y-%m").date()
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class PublishSerializer(serializers.Serializer):
    month = MonthField(help_text="YYYY-MM，已结束的月份")


class ReopenSerializer(serializers.Serializer):
    month = MonthField(help_text="YYYY-MM")
    # Blank is passed on: the service refuses it with its own message.
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text="重新开放理由（必填）")


class PublicationSerializer(serializers.Serializer):
    month = MonthField()
    standing = serializers.BooleanField(source="is_standing", help_text="true：已发布且未被重新开放")
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField()
    unit_count = serializers.IntegerField()
    weights = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()))
    reopened_at = serializers.DateTimeField(allow_null=True)
    reopened_by = serializers.CharField(allow_null=True)
    reopen_reason = serializers.CharField()


class PublishJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = MonthField()
    state = serializers.CharField(help_text="queued / running / done / failed")
    percent = serializers.IntegerField()
    message = serializers.CharField()
    publication = PublicationSerializer(allow_null=True)


class AnnualAssessmentSerializer(serializers.Serializer):
    """年度考核 of a unit (R47, R48), every component."""

    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField(source="unit.name")
    year = serializers.IntegerField()
    months = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="各月绩效考评得分")
    months_scored = serializers.IntegerField()
    monthly_mean = serializers.FloatField(allow_null=True, help_text="平时考核平均分")
    incident_count = serializers.IntegerField(help_text="责任事故（问责决定）")
    major_count = serializers.IntegerField(help_text="重大责任事故")
    deduction = serializers.FloatField()
    efficiency = serializers.FloatField(allow_null=True, help_text="年终考核得分（作风效能）")
    efficiency_grade = serializers.CharField()
    law_review = serializers.FloatField(allow_null=True, help_text="行政执法评议考核")
    public = serializers.FloatField(allow_null=True, help_text="群众评议")
    public_source = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())
    total = serializers.FloatField(allow_null=True, help_text="年度考核得分")
    grade = serializers.CharField(help_text="excellent 优秀 / good 良好 / pass 合格 / fail 不合格；空：待定")
    provisional = serializers.BooleanField()
    computed_at = serializers.DateTimeField()


class AnnualAssessSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=9999)


class AnnualReviewInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=9999)
    kind = serializers.ChoiceField(choices=["law", "questionnaire"], help_text="law 行政执法评议考核；questionnaire 群众问卷调查")
    score = serializers.FloatField(min_value=0, max_value=100)
    respondents = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    evidence = serializers.CharField(allow_blank=True)


class AnnualReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit_id = serializers.IntegerField()
    year = serializers.IntegerField()
    kind = serializers.CharField()
    score = serializers.FloatField()
    respondents = serializers.IntegerField(allow_null=True)
    evidence = serializers.CharField()
    entered_at = serializers.DateTimeField()
