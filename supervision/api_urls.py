"""/api/v1/supervision/ endpoints."""

from django.urls import path

from . import api

urlpatterns = [
    path("assignments/", api.AssignmentListView.as_view(), name="sv-assignments"),
    path("assignments/<int:pk>/", api.AssignmentDetailView.as_view(), name="sv-assignment"),
    path("assignments/<int:pk>/dispatch/", api.DispatchView.as_view(), name="sv-dispatch"),
    path("assignments/<int:pk>/coordinations/<int:cpk>/", api.CoordinateView.as_view(), name="sv-coordinate"),
    path("assignments/<int:pk>/coordinations/<int:cpk>/reassign/", api.ReassignView.as_view(), name="sv-reassign"),
    path("assignments/<int:pk>/coordinations/<int:cpk>/<slug:step>/", api.CoordinationStepView.as_view(),
         name="sv-coordination-step"),
    path("targets/", api.TargetListView.as_view(), name="sv-targets"),
    path("targets/<int:pk>/", api.TargetDetailView.as_view(), name="sv-target"),
    path("targets/<int:pk>/<slug:action>/", api.TargetActionView.as_view(), name="sv-target-action"),
    path("overview/", api.OverviewView.as_view(), name="sv-overview"),
    path("task-lists/", api.TaskListListView.as_view(), name="sv-tasklists"),
    path("task-lists/<int:year>/tasks/", api.TaskListTasksView.as_view(), name="sv-tasklist-tasks"),
    path("task-lists/<int:year>/import/", api.TaskImportView.as_view(), name="sv-task-import"),
    path("task-lists/<int:year>/export/", api.TaskExportView.as_view(), name="sv-task-export"),
    path("tasks/<int:pk>/", api.TaskDetailView.as_view(), name="sv-task"),
    path("tasks/<int:pk>/reports/", api.TaskReportView.as_view(), name="sv-task-reports"),
    path("tasks/<int:pk>/nodes/", api.TaskNodeView.as_view(), name="sv-task-nodes"),
    path("tasks/<int:pk>/urge/", api.TaskUrgeView.as_view(), name="sv-task-urge"),
    path("nodes/<int:pk>/complete/", api.NodeCompleteView.as_view(), name="sv-node-complete"),
    path("projects/", api.ProjectListView.as_view(), name="sv-projects"),
    path("projects/<int:pk>/", api.ProjectDetailView.as_view(), name="sv-project"),
    path("projects/<int:pk>/procedures/", api.ProjectProcedureView.as_view(), name="sv-project-procedures"),
    path("projects/<int:pk>/close/", api.ProjectCloseView.as_view(), name="sv-project-close"),
    path("procedures/<int:pk>/complete/", api.ProcedureDoneView.as_view(), name="sv-procedure-complete"),
    path("problems/", api.ProblemListView.as_view(), name="sv-problems"),
    path("problems/<int:pk>/", api.ProblemDetailView.as_view(), name="sv-problem"),
    path("problems/<int:pk>/solve/", api.ProblemSolveView.as_view(), name="sv-problem-solve"),
    path("milestones/<int:pk>/complete/", api.MilestoneDoneView.as_view(), name="sv-milestone-complete"),
]
