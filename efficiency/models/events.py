"""Events (the history of every item) and the notification outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """Something that happened to an item: who, when, why. Append-only.

    The subject is named by its model label and primary key rather than a generic foreign
    key, so the table stays a plain, indexed, append-only log. The event is also the
    notification outbox: it is written in the same transaction as the change, and
    `efficiency.notifications.notifications_fan_out` turns each one into deliveries, once.
    """

    # Indexed together (kind, at) below: the sweep writes a row per transition, so every
    # index here is paid per transition (bench/sweep.py).
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("事件"), max_length=64)
    subject_type = models.CharField(_("对象类型"), max_length=64)
    subject_id = models.BigIntegerField(_("对象编号"))
    # No database foreign keys on this append-only log: a deferred FK check per row doubled
    # the sweep's cost of writing one event per transition (bench/sweep.py). Units and users
    # are never deleted (PROTECT; users are deactivated), so the ids stay valid.
    unit = models.ForeignKey(
        "efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("单位"),
        db_constraint=False, db_index=False,  # read by kind and time first (event_kind_at)
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人"),
        db_index=False, db_constraint=False,  # nobody reads events by actor (the audit log does)
    )
    owner_id = models.BigIntegerField(_("责任人"), null=True, blank=True)
    level_from = models.PositiveSmallIntegerField(null=True, blank=True)
    level_to = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Recipient specs: "owner", "head", "office", "leader", "user:<id>", "phone:<number>", "email:<addr>".
    recipients = models.JSONField(default=list, blank=True)
    fanned_out = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "at"], name="event_subject"),
            # Dashboards and lists: events of a kind in a period.
            models.Index(fields=["kind", "at"], name="event_kind_at"),
            # Used by notifications_fan_out: events not yet turned into deliveries.
            models.Index(fields=["id"], name="event_pending_fan_out", condition=Q(fanned_out=False)),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_type}#{self.subject_id}"


class Notification(models.Model):
    """One delivery of one event to one recipient on one channel; the inbox is channel=inbox."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("站内消息")
        EMAIL = "email", _("电子邮件")
        SMS = "sms", _("短信")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    event = models.ForeignKey(Event, models.PROTECT, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # "user:<id>", "phone:<number>" or "email:<address>": what the once-only constraint keys on.
    recipient = models.CharField(_("接收人"), max_length=140)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=255, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    deliver_after = models.DateTimeField(_("发送时间"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "channel"], name="notification_once_per_recipient"
            ),
        ]
        indexes = [
            # Used by notifications_send: deliveries waiting for their time.
            models.Index(fields=["deliver_after"], name="notification_pending",
                         condition=Q(status="pending") & ~Q(channel="inbox")),
            models.Index(fields=["user", "read_at"], name="notification_inbox"),
        ]
