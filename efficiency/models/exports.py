"""A ledger export made in the background (大批量导出): above `EXPORT_ASYNC_ROWS` rows the export
is a job that a Celery task builds while the page shows its progress; the file is kept under the
private upload folder and served, to its requester only, as uploads are."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .jobs import BackgroundJob


class ExportJob(BackgroundJob):
    ledger = models.CharField(_("台账"), max_length=64)
    params = models.TextField(_("筛选条件"), blank=True)  # the list page's query string, as asked
    title = models.CharField(_("标题"), max_length=100)
    filename = models.CharField(_("文件名"), max_length=200)
    total = models.PositiveIntegerField(_("行数"), default=0)
    done = models.PositiveIntegerField(_("已写入行数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/", blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="export_job_of_user")]

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
