from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

api_v1 = [
    path("", include("efficiency.api_urls")),
    path("supervision/", include("supervision.api_urls")),
    path("inspection/", include("inspection.api_urls")),
    path("approvals/", include("approvals.api_urls")),
    path("accountability/", include("accountability.api_urls")),
    path("dashboards/", include("dashboards.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", include(api_v1)),
    path("supervision/", include("supervision.urls")),
    path("inspection/", include("inspection.urls")),
    path("approvals/", include("approvals.urls")),
    path("accountability/", include("accountability.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("", include("efficiency.public_urls")),
]
