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
    rank = serializers.IntegerField()
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    region_name = serializers.CharField()
    score = serializers.FloatField()
    on_time_rate = serializers.FloatField(allow_null=True)
    red_cards = serializers.IntegerField()
    complaints = serializers.IntegerField()
    satisfaction = serializers.FloatField(allow_null=True)
    rectification_rate = serializers.FloatField(allow_null=True)
    urgings = serializers.IntegerField()
