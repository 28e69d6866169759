"""Pages of inspection."""

from django.urls import path

from . import views

app_name = "inspection"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("export.xlsx", views.plan_ledger_export, name="plan_ledger_export"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("plans/<int:pk>/assessment/", views.plan_assessment, name="plan_assessment"),
    path("plans/<int:pk>/assessment.pdf", views.plan_assessment_file, name="plan_assessment_file"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/reject/", views.plan_reject, name="plan_reject"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("plans/<int:pk>/draw/", views.draw_create, name="draw_create"),
    path("plans/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/publish/", views.draw_publish, name="draw_publish"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/export.xlsx", views.visit_export, name="visit_export"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/photos/", views.visit_photo, name="visit_photo"),
    path("visits/<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("visits/<int:pk>/close/", views.visit_close, name="visit_close"),
    path("photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/accountability/", views.finding_accountability, name="finding_accountability"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/export.xlsx", views.rectification_export, name="rectification_export"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/<str:action>/", views.rectification_action, name="rectification_action"),
    path("caps/", views.caps, name="caps"),
    path("pools/", views.pools, name="pools"),
    path("public/", views.public_results, name="public"),
    path("public/draws/<int:pk>/", views.public_draw, name="public_draw"),
    path("public/draws/<int:pk>/snapshot.json", views.public_draw_snapshot, name="public_draw_snapshot"),
    path("public/plans/<int:pk>/", views.public_plan, name="public_plan"),
]
