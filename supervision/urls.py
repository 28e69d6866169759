"""Pages of supervision."""

from django.urls import path

from . import policy_views, views

app_name = "supervision"
urlpatterns = [
    path("", views.work_list, name="work"),
    path("export.xlsx", views.work_export, name="work_export"),
    path("overview/", views.overview, name="overview"),
    path("assignments/export.xlsx", views.assignment_export, name="assignment_export"),
    path("assignments/new/", views.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/dispatch/", views.assignment_dispatch, name="dispatch"),
    path("assignments/<int:pk>/coordinations/<int:cpk>/", views.coordinate, name="coordinate"),
    path("assignments/<int:pk>/coordinations/<int:cpk>/reassign/", views.reassign, name="reassign"),
    path("assignments/<int:pk>/coordinations/<int:cpk>/<slug:step>/", views.dispute_step, name="dispute_step"),
    path("assignments/<int:pk>/consultations/new/", views.consultation_new, name="consultation_new"),
    path("assignments/<int:pk>/consultations/<int:cpk>/", views.consultation, name="consultation"),
    path("policies/", policy_views.policies, name="policies"),
    path("policies/<int:pk>/", policy_views.policy, name="policy"),
    path("procedures/", policy_views.procedures, name="procedures"),
    path("public/progress/", policy_views.public_progress, name="public_progress"),
    path("targets/<int:pk>/evidence/", views.target_evidence, name="target_evidence"),
    path("targets/<int:pk>/<slug:action>/", views.target_action, name="target_action"),
    path("tasks/", views.task_lists, name="tasklists"),
    path("tasks/template.xlsx", views.task_template, name="task_template"),
    path("tasks/<int:year>/", views.task_list, name="tasklist"),
    path("tasks/<int:year>/export.xlsx", views.task_export, name="task_export"),
    path("tasks/<int:year>/import/", views.task_import, name="task_import"),
    path("tasks/item/<int:pk>/", views.task_detail, name="task"),
    path("tasks/item/<int:pk>/reports/<int:report>/attachment/", views.report_attachment, name="report_attachment"),
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/new/", views.problem_new, name="problem_new"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
]
