"""/api/v1/ endpoints of the core: me, units (org chart), the notification inbox, tokens."""

from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from . import views
from .models import Notification, Unit, User
from .notifications import inbox_mark_read
from .serializers import (
    MarkReadResultSerializer, MarkReadSerializer, MeSerializer, MemberSerializer, NotificationSerializer,
    UnitSerializer,
)


class MeView(generics.RetrieveAPIView):
    """The signed-in person: role, unit and unread count."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


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


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="true: 只看未读")

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationList(generics.ListAPIView):
    """One's own inbox; nobody reads another's."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self):
        return own_inbox(self)


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


class TokenRequest(AuthTokenSerializer):
    # A longer name reached django-axes' failure log, a varchar(255): a DataError, a 500 (#14).
    username = serializers.CharField(label=AuthTokenSerializer._declared_fields["username"].label,
                                     write_only=True, max_length=User._meta.get_field("username").max_length)


class TokenView(ObtainAuthToken):
    """Username and password for an API token (lockout applies as for the login page)."""

    serializer_class = TokenRequest

    class Output(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(responses=Output)
    def post(self, request, *args, **kwargs):
        # django-axes counts failures on the Django request (its middleware answers a locked
        # account), not on DRF's wrapper.
        serializer = self.serializer_class(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("units/", UnitList.as_view(), name="api-units"),
    path("units/<int:pk>/", UnitDetail.as_view(), name="api-unit"),
    path("units/<int:pk>/members/", UnitMembers.as_view(), name="api-unit-members"),
    path("notifications/", NotificationList.as_view(), name="api-notifications"),
    path("notifications/read/", NotificationMarkRead.as_view(), name="api-notifications-read"),
    path("notifications/<int:pk>/", NotificationDetail.as_view(), name="api-notification"),
    path("notifications/<int:pk>/read/", NotificationMarkOneRead.as_view(), name="api-notification-read"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
]
