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

    # No database foreign keys and no index of their own (issue 17): a deferred FK check per
    # delivery was half the cost of writing a fan-out batch, and each key is the first column of
    # an index already (notification_once_per_recipient, notification_inbox). The fan-out writes
    # deliveries only for the events it has just claimed and users are deactivated, not deleted
    # (as for the events' own keys).
    event = models.ForeignKey(Event, models.PROTECT, related_name="notifications", db_constraint=False,
                              db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="notifications",
        db_constraint=False, db_index=False,
    )
    # "user:<id>", "phone:<number>" or "email:<address>": what the once-only constraint keys on.
    recipient = models.CharField(_("接收人"), max_length=140)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    # The texts as written, for deliveries written with them (before 2026-12-05, and any a caller
    # writes itself). The fan-out writes none: an empty `stored_title` means "render from the
    # event when read" (`title`, `body`, `link` below; `notifications_render` for a page or a
    # chunk at once), so a delivery is a few ids and the texts are the reader's language.
    stored_title = models.CharField(_("标题"), max_length=200, blank=True, db_column="title")
    stored_body = models.TextField(_("内容"), blank=True, db_column="body")
    stored_link = models.CharField(_("链接"), max_length=255, blank=True, db_column="link")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    deliver_after = models.DateTimeField(_("发送时间"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Renders deliveries without stored texts, in batch: `efficiency.notifications` sets it when
    # imported (the app's ready() imports it), so that the models need not import the module above.
    render_texts = None

    def _texts(self) -> tuple[str, str, str]:
        if self.stored_title:
            return self.stored_title, self.stored_body, self.stored_link
        if "_rendered" not in self.__dict__:
            type(self).render_texts([self])
        return self._rendered

    @property
    def title(self) -> str:
        return self._texts()[0]

    @title.setter
    def title(self, value: str) -> None:
        self.stored_title = value

    @property
    def body(self) -> str:
        return self._texts()[1]

    @body.setter
    def body(self, value: str) -> None:
        self.stored_body = value

    @property
    def link(self) -> str:
        return self._texts()[2]

    @link.setter
    def link(self, value: str) -> None:
        self.stored_link = value

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
            # The unread badge on every page (`inbox_unread_count`): a person's unread inbox rows.
            models.Index(fields=["user"], name="notification_unread_inbox",
                         condition=Q(channel="inbox", read_at__isnull=True)),
        ]
