"""/api/v1/ endpoints of the core: me, accounts, units (org chart), the notification inbox, API tokens,
official documents."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import documents, services, tokens, views
from .document_views import pdf_response
from .filters import NotificationFilter
from .gaming_views import GAMING_ROLES, GamingFilter
from .api import error_response
from .models import ApiToken, GamingFinding, Notification, Unit, User
from .permissions import has_role
from .notifications import inbox_mark_read, notifications_render
from .passwords import password_must_change
from .serializers import (
    AccountChangeSerializer, AccountCreateSerializer, AccountSerializer, ApiTokenSerializer, DocumentSerializer,
    MarkReadResultSerializer,
    GamingFindingSerializer, MarkReadSerializer, MeSerializer, MemberSerializer, NotificationSerializer, UnitSerializer,
)


class MeView(generics.RetrieveAPIView):
    """The signed-in person: role, unit and unread count."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class AccountCreate(APIView):
    """三员分立 (ADR 0006): the system administrator creates an account, without a role. Anyone
    else, or a role in the request, is refused (403 with the reason) and audited."""

    @extend_schema(request=AccountCreateSerializer, responses={201: AccountSerializer})
    def post(self, request):
        data = AccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            person = services.user_create(actor=request.user, request=request, **data.validated_data)
        except services.RoleSeparationError as exc:
            return error_response(str(exc), code="role_separation", status_code=403)
        return Response(AccountSerializer(person).data, status=201)


class AccountChange(APIView):
    """Change an account: the system administrator its facts and active state, the security
    administrator its business role; every other crossing is refused (403) and audited."""

    @extend_schema(request=AccountChangeSerializer, responses=AccountSerializer)
    def patch(self, request, pk: int):
        person = generics.get_object_or_404(User, pk=pk)
        data = AccountChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            person = services.user_update(actor=request.user, user=person, request=request, **data.validated_data)
        except services.RoleSeparationError as exc:
            return error_response(str(exc), code="role_separation", status_code=403)
        return Response(AccountSerializer(person).data)


class UnitFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region__code", help_text="行政区划代码，如 420700")
    kind = filters.ChoiceFilter(choices=Unit.Kind.choices)
    parent = filters.NumberFilter(field_name="parent_id")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Unit
        fields = ["region", "kind", "parent", "q"]


class UnitList(generics.ListAPIView):
    """The org chart is public to every signed-in person (whom to send an item to)."""

    serializer_class = UnitSerializer
    queryset = Unit.objects.filter(is_active=True).select_related("region")
    filterset_class = UnitFilter
    ordering_fields = ["code", "name"]


class UnitDetail(generics.RetrieveAPIView):
    serializer_class = UnitSerializer
    queryset = Unit.objects.select_related("region")


class UnitMembers(generics.ListAPIView):
    """The people of a unit: own unit for clerks and heads, any for the office and leaders;
    404 otherwise (as the page)."""

    serializer_class = MemberSerializer
    queryset = User.objects.none()  # for the schema; the real one is per request

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        unit = views.unit_access(self.request, self.kwargs["pk"])
        return unit.members.filter(is_active=True).select_related("section").order_by("username")


class NotificationList(generics.ListAPIView):
    """One's own inbox; nobody reads another's."""

    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter  # the inbox page's: ?q=&unread=&date_from=&date_to=&sort=

    def get_queryset(self):
        return own_inbox(self)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        notifications_render(page or [])  # the page's texts at once
        return page


def own_inbox(view):
    if getattr(view, "swagger_fake_view", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=view.request.user, channel=Notification.Channel.INBOX)


class NotificationDetail(generics.RetrieveAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        return own_inbox(self)


class NotificationMarkRead(APIView):
    @extend_schema(request=MarkReadSerializer, responses=MarkReadResultSerializer,
                   operation_id="v1_notifications_read_all")
    def post(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = inbox_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked})


class NotificationMarkOneRead(APIView):
    @extend_schema(request=None, responses=MarkReadResultSerializer)
    def post(self, request, pk: int):
        note = generics.get_object_or_404(
            Notification.objects.filter(user=request.user, channel=Notification.Channel.INBOX), pk=pk
        )
        return Response({"marked": inbox_mark_read(user=request.user, ids=[note.pk])})


class TokenView(APIView):
    """Username and password for a new API token, valid API_TOKEN_TTL_DAYS days (lockout applies
    as for the login page). The key is shown only in this answer."""

    authentication_classes = ()
    permission_classes = ()

    class Input(AuthTokenSerializer):
        # A longer name reached django-axes' failure log, a varchar(255): a DataError, a 500 (#14).
        username = serializers.CharField(label=AuthTokenSerializer._declared_fields["username"].label,
                                         write_only=True, max_length=User._meta.get_field("username").max_length)
        name = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="用途，如“数据同步脚本”")

    class Output(serializers.Serializer):
        token = serializers.CharField()
        id = serializers.IntegerField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=Input, responses={200: Output, 403: OpenApiTypes.OBJECT})
    def post(self, request, *args, **kwargs):
        # django-axes counts failures on the Django request (its middleware answers a locked
        # account), not on DRF's wrapper.
        serializer = self.Input(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if password_must_change(user):
            # Else an expired or temporary password would live on through API tokens.
            return error_response(_("密码已过期或须首次修改，请先登录网页修改密码，再获取令牌。"),
                                  code="password_change_required", status_code=403)
        token, key = tokens.token_issue(actor=user, user=user, name=serializer.validated_data.get("name", ""))
        return Response({"token": key, "id": token.pk, "expires_at": token.expires_at})


class ApiTokenFilter(filters.FilterSet):
    active = filters.BooleanFilter(method="filter_active", help_text="true: 只看有效（未过期、未撤销）的令牌")
    username = filters.CharFilter(field_name="user__username", help_text="令牌所属账号（安全管理员可查看所有人的令牌）")

    class Meta:
        model = ApiToken
        fields = ["active", "username"]

    def filter_active(self, queryset, name, value):
        now = timezone.now()
        return queryset.active(now) if value else queryset.inactive(now)


class ApiTokenList(generics.ListAPIView):
    """One's own API tokens; the security administrator sees everybody's."""

    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return tokens.token_list(self.request.user)


class ApiTokenRevoke(APIView):
    """Revoke a token at once: one's own, or anybody's for the security administrator (audited)."""

    @extend_schema(request=None, responses=ApiTokenSerializer)
    def post(self, request, pk: int):
        token = tokens.token_access(request.user, pk, request=request)
        token = tokens.token_revoke(actor=request.user, token=token, request=request)
        return Response(ApiTokenSerializer(token).data)


class DocumentList(APIView):
    """The official documents (公文) of one item, oldest first, for a user who may see the item:
    ?subject_type=accountability.accountabilitycase&subject_id=12 (the item's model label and
    id, as in each document's `subject_type`/`subject_id`). An item outside the user's scope is a
    404, as the item itself; a type no document is issued on is a 400."""

    @extend_schema(parameters=[
        OpenApiParameter("subject_type", str, required=True,
                         description="事项类型（app_label.model），如 supervision.assignment、approvals.application"),
        OpenApiParameter("subject_id", int, required=True, description="事项编号"),
        OpenApiParameter("kind", str, description="文种代码，如 supervision_order、accountability_decision")],
        responses=DocumentSerializer(many=True))
    def get(self, request):
        docs = documents.documents_for_user(request.user, request.query_params.get("subject_type", ""),
                                            request.query_params.get("subject_id", ""), request=request)
        kind = request.query_params.get("kind")
        if kind:
            docs = [d for d in docs if d.kind == kind]
        return Response(DocumentSerializer(docs, many=True).data)


class DocumentDetail(APIView):
    """One document, for a user who may see its item (anyone else: 404)."""

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, pk: int):
        return Response(DocumentSerializer(documents.document_for_user(request.user, pk, request=request)).data)


class DocumentPdf(APIView):
    """The document's PDF, as printed at issue (rendered once, kept); the download is audited."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        return pdf_response(*documents.document_download(request.user, pk, request=request))


class GamingFindingList(generics.ListAPIView):
    """The efficiency office's list of gaming findings (issue 18), read only: the page's filters
    (?q=&pattern=&status=&unit=&date_from=&date_to=&sort=), keyset pages. The office and leaders
    only; anyone else gets 404. Decisions are taken on the page (`/gaming/<id>/`)."""

    serializer_class = GamingFindingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = GamingFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return GamingFinding.objects.none()
        if not has_role(self.request.user, *GAMING_ROLES):
            raise Http404
        return GamingFinding.objects.select_related("unit").order_by("-last_seen_at", "-pk")


urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("accounts/", AccountCreate.as_view(), name="api-accounts"),
    path("accounts/<int:pk>/", AccountChange.as_view(), name="api-account"),
    path("units/", UnitList.as_view(), name="api-units"),
    path("units/<int:pk>/", UnitDetail.as_view(), name="api-unit"),
    path("units/<int:pk>/members/", UnitMembers.as_view(), name="api-unit-members"),
    path("notifications/", NotificationList.as_view(), name="api-notifications"),
    path("notifications/read/", NotificationMarkRead.as_view(), name="api-notifications-read"),
    path("notifications/<int:pk>/", NotificationDetail.as_view(), name="api-notification"),
    path("notifications/<int:pk>/read/", NotificationMarkOneRead.as_view(), name="api-notification-read"),
    path("documents/", DocumentList.as_view(), name="api-documents"),
    path("documents/<int:pk>/", DocumentDetail.as_view(), name="api-document"),
    path("documents/<int:pk>/pdf/", DocumentPdf.as_view(), name="api-document-pdf"),
    path("gaming/findings/", GamingFindingList.as_view(), name="api-gaming-findings"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", ApiTokenList.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/revoke/", ApiTokenRevoke.as_view(), name="api-token-revoke"),
]
