"""/api/v1/dashboards/: today's figures and the monthly ranking (leaders and the office)."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from efficiency.workdays import local_date

from . import queries, scoring
from .serializers import FiguresSerializer, UnitScoreSerializer
from .views import BOARD_ROLES


class FiguresView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FiguresSerializer

    def get(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        return Response(FiguresSerializer(queries.today_figures(timezone.now())).data)


class RankingView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = UnitScoreSerializer

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")],
                   responses=UnitScoreSerializer(many=True))
    def get(self, request):
        if request.user.role not in BOARD_ROLES:
            raise Http404
        month = queries.parse_month(request.query_params.get("month"), queries.month_of(local_date(timezone.now())))
        return Response(UnitScoreSerializer(scoring.unit_scores(month), many=True).data)
