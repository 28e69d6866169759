"""Pages of approvals (mounted at /approvals/). Public pages under public/ need no login."""

from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.index, name="index"),
    path("applications/", views.application_list, name="list"),
    path("applications/export.xlsx", views.application_export, name="export"),
    path("new/", views.intake, name="intake"),
    path("items/new/", views.item_edit, name="item_new"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/steps/", views.item_steps, name="item_steps"),
    path("<int:pk>/", views.application_detail, name="application"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path("<int:pk>/slip/", views.slip, name="slip"),
    path("<int:pk>/notice/issue/", views.notice_issue, name="notice_issue"),
    path("<int:pk>/notice/", views.notice_print, name="notice"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/refuse-acceptance/", views.refuse_acceptance, name="refuse_acceptance"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/pause/", views.pause, name="pause"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("<int:pk>/extension/approve/", views.extension_approve, name="extension_approve"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/decision/", views.decision_print, name="decision"),
    path("steps/<int:pk>/", views.step_detail, name="step"),
    path("steps/<int:pk>/decide/", views.step_decide, name="step_decide"),
    path("followups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("public/", views.public_catalog, name="public_catalog"),
    path("public/items/<str:code>/", views.public_item, name="public_item"),
    path("public/lookup/", views.public_lookup, name="public_lookup"),
]
