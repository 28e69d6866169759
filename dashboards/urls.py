"""Pages of dashboards."""

from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("items/", views.items, name="items"),
    path("events/", views.events, name="events"),
    path("item/<str:label>/<int:pk>/", views.item, name="item"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/export/", views.scorecards_export, name="scorecards_export"),
    path("scorecards/people/", views.people, name="people"),
    path("scorecards/publish/", views.scorecards_publish, name="scorecards_publish"),
    path("scorecards/publish/<int:pk>/", views.publish_job, name="publish_job"),
    path("scorecards/publish/<int:pk>/progress/", views.publish_job_progress, name="publish_job_progress"),
    path("scorecards/reopen/", views.scorecards_reopen, name="scorecards_reopen"),
    path("scorecards/publications/", views.publications, name="publications"),
    path("scorecards/unit/<int:unit_id>/", views.scorecard, name="scorecard"),
    path("annual/", views.annual_list, name="annual"),
    path("annual/export/", views.annual_export, name="annual_export"),
    path("annual/compute/", views.annual_compute, name="annual_compute"),
    path("annual/review/", views.annual_review, name="annual_review"),
    path("annual/<int:year>/unit/<int:unit_id>/", views.annual_detail, name="annual_detail"),
]
