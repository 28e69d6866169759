"""Audit rows for logins, logouts, failed logins and lockouts; the calendar, rule and unit-name
caches' invalidation."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import clocks, queries, workdays
from .audit import audit_record
from .models import CalendarDay, CalendarVersion, CalendarYear, TimeLimitRule, Unit


@receiver(user_logged_in)
def _login(sender, request, user, **kwargs):
    audit_record("login", actor=user, summary="登录成功", request=request)


@receiver(user_logged_out)
def _logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record("logout", actor=user, summary="退出登录", request=request)


@receiver(user_login_failed)
def _failed(sender, credentials, request=None, **kwargs):
    audit_record("login_failed", actor_name=str(credentials.get("username", ""))[:150],
                 summary="登录失败", request=request)


@receiver(user_locked_out)
def _locked(sender, request, username=None, ip_address=None, **kwargs):
    audit_record("lockout", actor_name=str(username or "")[:150], summary="连续登录失败，账号锁定", request=request)


# Per-process copies of the calendar and the time-limit rules (efficiency.process_cache): a save
# in this process is seen at once; other processes see it within a second.
for _model in (CalendarDay, CalendarYear, CalendarVersion):
    post_save.connect(workdays.calendar_changed, sender=_model, dispatch_uid=f"calendar-changed-{_model.__name__}")
    post_delete.connect(workdays.calendar_changed, sender=_model, dispatch_uid=f"calendar-gone-{_model.__name__}")
post_save.connect(clocks.rules_changed, sender=TimeLimitRule, dispatch_uid="rules-changed")
post_save.connect(queries.unit_names_changed, sender=Unit, dispatch_uid="unit-names-changed")
post_delete.connect(queries.unit_names_changed, sender=Unit, dispatch_uid="unit-names-gone")
post_delete.connect(clocks.rules_changed, sender=TimeLimitRule, dispatch_uid="rules-gone")
