"""Core pages: home, notifications inbox, health check."""

import logging
import sys

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import exports, portal, registry, services
from .audit import audit_record
from .filters import NOTIFICATION_COLUMNS, NotificationFilter
from .listing import list_context
from .listing import paginate as list_paginate
from .models import AuditLog, Notification, Role, Unit, User
from .permissions import role_required
from .queries import home_todo
from .middleware import login_redirect
from .notifications import RenderedRows, inbox_mark_read, inbox_unread_count, notifications_render

log = logging.getLogger(__name__)


def healthz(request):
    """200 when the database and the broker answer; 503 naming the one that failed."""
    checks = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from .celery import app

        # The URL from settings, so that a test (or an operator) overriding it is what is probed.
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    failed = [name for name, state in checks.items() if state != "ok"]
    return JsonResponse({"status": "ok" if not failed else "fail", "failed": failed, "checks": checks},
                        status=200 if not failed else 503)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("类别"), required=False,
                               choices=[("", gettext_lazy("全部"))] + list(AuditLog.Action.choices))
    actor = forms.CharField(label=gettext_lazy("操作人账号"), required=False, max_length=150)
    object_type = forms.CharField(label=gettext_lazy("对象类型"), required=False, max_length=64)
    date_from = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(gettext_lazy("起始日期不能晚于截止日期。"))
        return data

    def apply(self, rows):
        data = self.cleaned_data
        if data.get("action"):
            rows = rows.filter(action=data["action"])
        if data.get("actor"):
            rows = rows.filter(actor_name__icontains=data["actor"])
        if data.get("object_type"):
            rows = rows.filter(object_type__icontains=data["object_type"])
        # Dates are Asia/Shanghai dates (the __date lookup uses the current time zone).
        if data.get("date_from"):
            rows = rows.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            rows = rows.filter(at__date__lte=data["date_to"])
        return rows


def home(request):
    """`/`: a signed-in person's 工作台 — the to-do of their role, each line a count linking to the
    list of exactly those items; for the office and leaders also the red cards and 督办 in their
    scope. For everybody else the public portal (the citizens' front door, staff login one link
    away)."""
    if not request.user.is_authenticated:
        return portal.index(request)
    todo, alerts = {}, {}
    for line in home_todo(request.user):
        (alerts if line.todo.alert else todo).setdefault(line.source.key, []).append(line)
    return render(request, "efficiency/home.html", {"todo": list(todo.values()), "alerts": list(alerts.values())})


def _inbox(request) -> NotificationFilter:
    qs = Notification.objects.filter(user=request.user, channel="inbox").order_by("-created_at", "-pk")
    return NotificationFilter(request.GET, queryset=qs, request=request)


@login_required
def inbox(request):
    context = list_context(request, _inbox(request), export=reverse("inbox_export"))
    context["items"] = list(context["items"])
    notifications_render(context["items"])  # the page's texts at once (events and subjects: a read per model)
    return render(request, "efficiency/inbox.html", context)


@login_required
def inbox_export(request):
    return exports.ledger_export(request, "efficiency.inbox")


def inbox_ledger(request) -> exports.Ledger:
    return exports.Ledger(RenderedRows(_inbox(request).qs), NOTIFICATION_COLUMNS, _("消息.xlsx"), _("消息"))


@login_required
def inbox_open(request, pk):
    """Opening a message marks it read: then on to the item it is about, or its text when it
    links nowhere. Another user's message is not found."""
    n = get_object_or_404(Notification, pk=pk, user=request.user, channel="inbox")
    inbox_mark_read(user=request.user, ids=[n.pk])
    if n.link and url_has_allowed_host_and_scheme(n.link, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(n.link)
    n.refresh_from_db(fields=["read_at"])
    return render(request, "efficiency/inbox_detail.html", {"n": n})


def inbox_badge(request):
    """The top bar's unread count, polled by htmx every minute (not counted as activity: see
    middleware.PASSIVE_PATHS)."""
    if not request.user.is_authenticated:
        return login_redirect(request, reverse("login"))
    return render(request, "efficiency/_unread_badge.html", {"unread_count": inbox_unread_count(request.user)})


@login_required
@require_POST
def inbox_read(request):
    ids = request.POST.getlist("id") or None
    inbox_mark_read(user=request.user, ids=ids)
    return inbox(request)


# --- accounts ---------------------------------------------------------------------------------


def _policy() -> dict:
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "min_length": settings.PASSWORD_MIN_LENGTH,
        "min_classes": settings.PASSWORD_MIN_CLASSES,
        "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
    }


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_policy()}


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password clears the first-login flag and restarts the 90-day period."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_policy()}

    def form_valid(self, form):
        services.user_set_password(actor=self.request.user, user=self.request.user,
                                   password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect(self.get_success_url())


@login_required
@role_required(Role.AUDIT_ADMIN)
def audit_list(request):
    """The audit log, for the audit administrator only (三员分立)."""
    form = AuditFilterForm(request.GET or None)
    rows = AuditLog.objects.select_related("actor")
    if form.is_valid():
        rows = form.apply(rows)
    page = list_paginate(request, rows.order_by("-at", "-id"))  # keyset pages, the count bounded (listing)
    return render(request, "efficiency/audit_list.html", {"form": form, "page": page})


@login_required
@role_required(Role.SECURITY_ADMIN)
def security(request):
    """The security administrator's page: the password policy and the locked accounts."""
    if request.method == "POST":
        raw = request.POST.get("user", "")
        person = get_object_or_404(User, pk=int(raw) if raw.isdigit() else 0)
        services.user_unlock(actor=request.user, user=person)
        messages.success(request, _("已解除 %(name)s 的登录锁定。") % {"name": person.get_username()})
        return redirect("security")
    from axes.models import AccessAttempt

    usernames = set(AccessAttempt.objects.values_list("username", flat=True))
    locked = [u for u in User.objects.filter(username__in=usernames) if services.user_is_locked(u)]
    policy = [
        (_("密码最小长度"), settings.PASSWORD_MIN_LENGTH),
        (_("至少包含的字符类别（小写、大写、数字、符号）"), settings.PASSWORD_MIN_CLASSES),
        (_("密码有效期（天）"), settings.PASSWORD_MAX_AGE_DAYS),
        (_("连续登录失败锁定次数"), settings.AXES_FAILURE_LIMIT),
        (_("锁定时长（分钟）"), int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)),
        (_("会话空闲超时（分钟）"), settings.SESSION_IDLE_TIMEOUT // 60),
        (_("不得重复使用最近的密码（个）"), settings.PASSWORD_HISTORY_COUNT),
        (_("API 令牌有效期（天）"), settings.API_TOKEN_TTL_DAYS),
        (_("审计日志保留（天）"), settings.AUDIT_RETENTION_DAYS),
    ]
    return render(request, "efficiency/security.html", {"policy": policy, "locked": locked})


# --- org chart --------------------------------------------------------------------------------


def units_visible_in_detail(user):
    """Units whose members a user may list: all for the office and leaders, one's own for
    clerks and heads, none for the three administrators."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.sees_all_units:
        return Unit.objects.all()
    if user.role in (Role.CLERK, Role.HEAD) and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def unit_access(request, pk) -> Unit:
    try:
        return units_visible_in_detail(request.user).get(pk=pk)
    except (Unit.DoesNotExist, ValueError):
        if Unit.objects.filter(pk=pk).exists():
            audit_record("denied", actor=request.user, object_type="efficiency.unit", object_id=str(pk),
                         summary="越权访问被拒", request=request)
        raise Http404 from None


@login_required
def unit_detail(request, pk):
    unit = unit_access(request, pk)
    members = unit.members.filter(is_active=True).select_related("section").order_by("section__name", "username")
    links = [(title, reverse(url_name, args=[unit.pk])) for title, url_name in registry.unit_links()]
    return render(request, "efficiency/unit_detail.html", {"unit": unit, "members": members, "links": links})


# --- error pages ------------------------------------------------------------------------------


def permission_denied(request, exception=None):
    """403: in Chinese, with the guard's reason (who may do this), and an audit row (等保:
    permission denied is an audited event)."""
    user = getattr(request, "user", None)
    audit_record("denied", actor=user if getattr(user, "is_authenticated", False) else None,
                 object_type="page", object_id=request.path[:64], summary="越权访问被拒", request=request)
    reason = str(exception) if exception is not None and exception.args else ""
    return render(request, "efficiency/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "efficiency/404.html", status=404)


def server_error(request):
    """500; a 503 with Retry-After when the cause is the database being unreachable (stopped,
    restarting, refusing connections): that is an outage to wait out, not a bug."""
    if _database_down(sys.exc_info()[1]):
        return database_unavailable(request)
    return render(request, "efficiency/500.html", status=500)


def _database_down(exc) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def database_unavailable(request):
    """Rendered without the request's context processors: they would query the database again."""
    retry_after = settings.DATABASE_RETRY_AFTER
    headers = {"Retry-After": str(retry_after)}
    if request.path.startswith("/api/"):
        message = _("数据库暂时不可用，请稍后再试。")
        return JsonResponse({"error": {"code": "unavailable", "message": message, "fields": {}}},
                            status=503, headers=headers)
    html = loader.render_to_string("efficiency/503.html", {"retry_after": retry_after})
    return HttpResponse(html, status=503, headers=headers)
