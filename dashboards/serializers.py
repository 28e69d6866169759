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
