"""/api/v1/duty/: a unit's post-responsibility register (岗位责任制, R67) — read by the office,
leaders and the unit's own people (another unit: 404), kept by the unit's head (anyone else: 403)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import queries, services
from .models import BodyDuty
from .serializers import EIGHT, BodyDutySerializer, DutyInputSerializer, PostInputSerializer, PostSerializer


def _unit(request, unit_id):
    unit = queries.register_unit(request.user, unit_id)
    if unit is None:
        raise Http404
    return unit


class PostRegisterView(APIView):
    """GET: the unit's internal bodies, each with its duties and posts. POST: a post of one of
    its bodies, in the eight parts (the same name again replaces it)."""

    permission_classes = [IsAuthenticated]
    serializer_class = BodyDutySerializer

    @extend_schema(responses=BodyDutySerializer(many=True))
    def get(self, request, unit_id):
        unit = _unit(request, unit_id)
        return Response(BodyDutySerializer(queries.post_register(unit.pk), many=True).data)

    @extend_schema(request=PostInputSerializer, responses={201: PostSerializer})
    def post(self, request, unit_id):
        unit = _unit(request, unit_id)
        s = PostInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        body = get_object_or_404(BodyDuty, pk=s.validated_data["body"], unit=unit)
        post = services.post_set(actor=request.user, body=body, name=s.validated_data["name"],
                                 fields={k: s.validated_data[k] for k in EIGHT})
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)


class BodyDutyView(APIView):
    """POST: an internal body's duties, in the eight parts (a new body joins the org chart)."""

    permission_classes = [IsAuthenticated]
    serializer_class = BodyDutySerializer

    @extend_schema(request=DutyInputSerializer, responses={201: BodyDutySerializer})
    def post(self, request, unit_id):
        unit = _unit(request, unit_id)
        s = DutyInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        body = services.body_duty_set(actor=request.user, unit=unit, name=s.validated_data["name"],
                                      fields={k: s.validated_data[k] for k in EIGHT})
        return Response(BodyDutySerializer(body).data, status=status.HTTP_201_CREATED)
