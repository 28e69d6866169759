"""Work a person asks for that a Celery task does while the page polls its progress (publishing
a month's scorecards, a large export): who asked, when, where it is, what it says."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BackgroundJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("发起人"))
    requested_at = models.DateTimeField(_("发起时间"))
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.QUEUED)
    message = models.TextField(_("说明"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
