"""Serializers of the core's API: the current user, accounts, units, notifications, API tokens, documents."""

from django.urls import reverse
from rest_framework import serializers

from .models import ApiToken, Document, GamingFinding, Notification, Region, Role, Section, Unit, User


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level"]


class UnitSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "kind_display", "region", "parent", "is_active"]


class MemberSerializer(serializers.ModelSerializer):
    section = serializers.CharField(source="section.name", default="", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "post", "section", "role", "role_display"]


class MeSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)
    section = serializers.CharField(source="section.name", default="", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    unread_count = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "role_display", "unit", "section", "post",
                  "must_change_password", "unread_count"]

    def get_unread_count(self, user) -> int:
        from .notifications import inbox_unread_count

        return inbox_unread_count(user)


class NotificationSerializer(serializers.ModelSerializer):
    # Rendered from the event when the delivery was written without them (Notification.title).
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    link = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "created_at", "read_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                help_text="不填则全部标为已读")


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class AccountSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "role_display", "unit", "section", "post", "is_active"]


class AccountCreateSerializer(serializers.Serializer):
    """A new account, by the system administrator; it has no role until the security
    administrator grants one (`role` other than "pending" is refused, ADR 0006)."""

    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=64)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    section = serializers.PrimaryKeyRelatedField(queryset=Section.objects.all(), required=False, allow_null=True)
    post = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    password = serializers.CharField(write_only=True, help_text="初始密码，首次登录须修改")
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="只能是 pending（待授权）")


class AccountChangeSerializer(serializers.Serializer):
    """An account's facts and active state (system administrator) or its business role
    (security administrator); every field optional."""

    full_name = serializers.CharField(max_length=64, required=False)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False)
    section = serializers.PrimaryKeyRelatedField(queryset=Section.objects.all(), required=False, allow_null=True)
    post = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as listed: never its key (only its first characters, to recognise it)."""

    username = serializers.CharField(source="user.username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.username", default=None, read_only=True, allow_null=True)
    state = serializers.SerializerMethodField(help_text="active 有效 / expired 已过期 / revoked 已撤销")

    class Meta:
        model = ApiToken
        fields = ["id", "username", "name", "prefix", "created_at", "expires_at", "last_used_at",
                  "revoked_at", "revoked_by", "state"]

    def get_state(self, token) -> str:
        from django.utils import timezone

        return token.state(timezone.now())


class DocumentSerializer(serializers.ModelSerializer):
    """An issued official document (公文): what was frozen at issue, and where its PDF is."""

    office_name = serializers.CharField(source="office.name", read_only=True)
    date = serializers.CharField(source="fields.date", read_only=True, help_text="成文日期（北京时间），如 2026年3月10日")
    signer = serializers.CharField(source="fields.signer", read_only=True, help_text="签批领导，无则为空")
    replaces_number = serializers.CharField(source="replaces.number", read_only=True, default="",
                                            help_text="更正文书所取代的文号，无则为空")
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "title", "number", "office", "office_name", "year", "seq", "subject_type",
                  "subject_id", "addressee", "addressee_unit", "issued_at", "date", "issued_by_name", "signer",
                  "replaces", "replaces_number", "pdf_url"]

    def get_pdf_url(self, doc) -> str:
        return reverse("api-document-pdf", args=[doc.pk])


class GamingFindingSerializer(serializers.ModelSerializer):
    """A finding of gaming a clock (issue 18), for the office and leaders (read only)."""

    unit_name = serializers.CharField(source="unit.name", default="", read_only=True)
    figures = serializers.JSONField(read_only=True)
    event_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = GamingFinding
        fields = ["id", "pattern", "subject_type", "subject_id", "unit", "unit_name", "key", "figures", "event_ids",
                  "status", "decided_by", "decided_at", "reason", "first_seen_at", "last_seen_at"]
        read_only_fields = fields
