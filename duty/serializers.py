from rest_framework import serializers

from .models import DUTY_FIELDS, BodyDuty, Post

EIGHT = [name for name, _label in DUTY_FIELDS]


class DutyInputSerializer(serializers.Serializer):
    """The eight parts (R67): blank ones are refused by the service, with the missing named."""

    name = serializers.CharField(max_length=64, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True, default="", help_text="工作内容")
    quantity = serializers.CharField(required=False, allow_blank=True, default="", help_text="数量")
    quality = serializers.CharField(required=False, allow_blank=True, default="", help_text="质量")
    procedure = serializers.CharField(required=False, allow_blank=True, default="", help_text="程序")
    standard = serializers.CharField(required=False, allow_blank=True, default="", help_text="标准")
    time_limit = serializers.CharField(required=False, allow_blank=True, default="", help_text="时限")
    authority = serializers.CharField(required=False, allow_blank=True, default="", help_text="权限")
    responsibility = serializers.CharField(required=False, allow_blank=True, default="", help_text="责任")


class PostInputSerializer(DutyInputSerializer):
    body = serializers.IntegerField(help_text="内设机构职责的编号（bodies 中的 id）")


class PostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "name", *EIGHT, "updated_at"]


class BodyDutySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="section.name")
    posts = PostSerializer(many=True, read_only=True)

    class Meta:
        model = BodyDuty
        fields = ["id", "name", *EIGHT, "updated_at", "posts"]
