"""/api/v1/approvals/ endpoints."""

from django.urls import path

from . import api

urlpatterns = [
    path("items/", api.ItemListView.as_view(), name="approvals-api-items"),
    path("items/<int:pk>/", api.ItemDetailView.as_view(), name="approvals-api-item"),
    path("applications/", api.ApplicationListView.as_view(), name="approvals-api-applications"),
    path("applications/<int:pk>/", api.ApplicationDetailView.as_view(), name="approvals-api-application"),
    path("applications/<int:pk>/notice/", api.NoticeView.as_view()),
    path("applications/<int:pk>/complete/", api.CompleteView.as_view()),
    path("applications/<int:pk>/decide/", api.DecideView.as_view()),
    path("applications/<int:pk>/withdraw/", api.WithdrawView.as_view()),
    path("applications/<int:pk>/pause/", api.PauseView.as_view()),
    path("applications/<int:pk>/resume/", api.ResumeView.as_view()),
    path("applications/<int:pk>/extension/", api.ExtensionRequestView.as_view()),
    path("applications/<int:pk>/extension/approve/", api.ExtensionApproveView.as_view()),
    path("applications/<int:pk>/reassign/", api.ReassignView.as_view()),
    path("steps/", api.StepListView.as_view(), name="approvals-api-steps"),
    path("steps/<int:pk>/decide/", api.StepDecideView.as_view()),
    path("followups/<int:pk>/done/", api.FollowUpDoneView.as_view()),
    path("satisfaction/", api.SatisfactionView.as_view(), name="approvals-api-satisfaction"),
]
