"""Audit rows for logins, logouts, failed logins and lockouts."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import audit_record


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
