"""The append-only audit log (等保 2.0; 网络安全法 §21: kept at least six months)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit log rows cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit log rows are removed only by `purge_audit` after the retention period")


class AuditLog(models.Model):
    """One row per security-relevant happening: logins, denials, and every write.

    Rows are never updated or deleted: the model and its queryset refuse it, and so does the
    database — the app's role may only SELECT and INSERT (`manage.py db_roles`), its inserts
    are stamped with the database's time, and triggers refuse UPDATE, DELETE and TRUNCATE;
    only rows older than the retention period leave, by `efficiency_audit_purge` (0006).
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKOUT = "lockout", _("账号锁定")
        DENIED = "denied", _("越权访问被拒")
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        ACTION = "action", _("业务操作")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.DO_NOTHING, null=True, blank=True, db_constraint=False,
        related_name="+", verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("类别"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit log rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit log rows cannot be deleted")
