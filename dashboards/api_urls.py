"""/api/v1/dashboards/ endpoints."""

from django.urls import path

from . import api

urlpatterns = [
    path("figures/", api.FiguresView.as_view(), name="dashboards-figures"),
    path("ranking/", api.RankingView.as_view(), name="dashboards-ranking"),
    path("publications/", api.PublicationListView.as_view(), name="dashboards-publications"),
    path("publications/jobs/<int:pk>/", api.PublishJobView.as_view(), name="dashboards-publish-job"),
    path("publications/reopen/", api.PublicationReopenView.as_view(), name="dashboards-publication-reopen"),
    path("annual/", api.AnnualListView.as_view(), name="dashboards-annual"),
    path("annual/reviews/", api.AnnualReviewView.as_view(), name="dashboards-annual-reviews"),
]
