from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import calendar_views, document_views, export_views, gaming_views, rules_views, token_views, views

api_v1 = [
    # Stable public interfaces (DESIGN.md): citizens' complaints and application lookup.
    path("public/complaints/", include("accountability.public_api_urls")),
    path("public/applications/", include("approvals.public_api_urls")),
    path("", include("efficiency.api_urls")),
    path("supervision/", include("supervision.api_urls")),
    path("inspection/", include("inspection.api_urls")),
    path("approvals/", include("approvals.api_urls")),
    path("accountability/", include("accountability.api_urls")),
    path("dashboards/", include("dashboards.api_urls")),
    path("duty/", include("duty.api_urls")),
]

# The API documentation pages style themselves inline (Swagger UI, Redoc) and Redoc parses in a
# blob: worker: allowed on these two pages only. The split view serves Swagger UI's start-up
# script as a file of its own, so no inline script is needed.
api_docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/export.xlsx", views.inbox_export, name="inbox_export"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("inbox/badge/", views.inbox_badge, name="inbox_badge"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/security/", views.security, name="security"),
    path("accounts/tokens/", token_views.tokens_page, name="api_tokens"),
    path("audit/", views.audit_list, name="audit_list"),
    path("org/units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("documents/<int:pk>.pdf", document_views.document_pdf, name="document_pdf"),
    path("documents/issue/", document_views.document_issue, name="document_issue"),
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/progress/", export_views.export_job_progress, name="export_job_progress"),
    path("exports/<int:pk>/download/", export_views.export_job_download, name="export_job_download"),
    path("rules/", rules_views.rules_page, name="rules"),
    path("rules/source/", rules_views.rules_source, name="rules_source"),
    path("gaming/", gaming_views.gaming_list, name="gaming_list"),
    path("gaming/export.xlsx", gaming_views.gaming_export, name="gaming_export"),
    path("gaming/rules/", gaming_views.gaming_rules, name="gaming_rules"),
    path("gaming/run/", gaming_views.gaming_run, name="gaming_run"),
    path("gaming/runs/<int:pk>/", gaming_views.gaming_run_page, name="gaming_run_page"),
    path("gaming/runs/<int:pk>/progress/", gaming_views.gaming_run_progress, name="gaming_run_progress"),
    path("gaming/<int:pk>/", gaming_views.gaming_detail, name="gaming_detail"),
    path("gaming/<int:pk>/decide/", gaming_views.gaming_decide, name="gaming_decide"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", api_docs_csp(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("api/v1/", include(api_v1)),
    # Open311 GeoReport v2 (a stable public interface): complaints from other civic systems.
    path("open311/v2/", include("accountability.open311_urls")),
    path("supervision/", include("supervision.urls")),
    path("inspection/", include("inspection.urls")),
    path("approvals/", include("approvals.urls")),
    path("accountability/", include("accountability.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("duty/", include("duty.urls")),
    path("", include("efficiency.public_urls")),
]

handler403 = "efficiency.views.permission_denied"
handler404 = "efficiency.views.page_not_found"
handler500 = "efficiency.views.server_error"
