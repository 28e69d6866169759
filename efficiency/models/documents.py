"""Official documents (公文): 交办单, 督办单, 整改通知书, 监察建议书, 问责决定书, 受理通知书,
不予受理决定书, 一次性告知书.

A document is issued once and never changed: its number (文号), date, parties and the text to
print are frozen on the row at issue (`fields`), and its PDF is rendered from those fields only
(`efficiency.documents`), never from the item as it is later. A correction is a new document
that names the one it replaces (`replaces`). The model and its queryset refuse updates and
deletes; so does the database (migration 0009: triggers on both tables).

Numbers run per issuing office, kind prefix and year (`DocumentCounter`, taken by one
`INSERT … ON CONFLICT DO UPDATE … RETURNING`, which holds the counter row's lock until commit).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImmutableDocumentError(Exception):
    pass


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableDocumentError("an issued document is never changed; issue a correction instead")

    def delete(self):
        raise ImmutableDocumentError("an issued document is never deleted")


class Immutable(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableDocumentError("an issued document is never changed; issue a correction instead")
        kwargs["force_insert"] = True
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableDocumentError("an issued document is never deleted")


class DocumentCounter(models.Model):
    """The last number issued per (issuing office, kind prefix, year)."""

    office = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("发文单位"))
    prefix = models.CharField(_("发文字"), max_length=16)
    year = models.PositiveIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用号"), default=0)

    class Meta:
        verbose_name = _("发文编号")
        verbose_name_plural = _("发文编号")
        constraints = [models.UniqueConstraint(fields=["office", "prefix", "year"], name="doc_counter_once")]


class Document(Immutable):
    kind = models.CharField(_("文种"), max_length=32, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    number = models.CharField(_("文号"), max_length=64, unique=True)
    office = models.ForeignKey("efficiency.Unit", models.PROTECT, related_name="+", verbose_name=_("发文单位"))
    prefix = models.CharField(_("发文字"), max_length=16)
    year = models.PositiveIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    subject_type = models.CharField(_("事项类型"), max_length=64)
    subject_id = models.PositiveBigIntegerField(_("事项编号"))
    addressee = models.CharField(_("主送"), max_length=200)
    addressee_unit = models.ForeignKey("efficiency.Unit", models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("主送单位"))
    fields = models.JSONField(_("文书内容"), default=dict)
    issued_at = models.DateTimeField(_("成文时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("签发人"))
    issued_by_name = models.CharField(_("签发人"), max_length=64, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("领导签批"))
    replaces = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="replaced_by",
                                 verbose_name=_("更正的文书"))

    class Meta:
        verbose_name = _("公文")
        verbose_name_plural = _("公文")
        ordering = ["subject_type", "subject_id", "issued_at", "id"]
        constraints = [models.UniqueConstraint(fields=["office", "prefix", "year", "seq"], name="doc_number_once")]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="doc_subject")]

    def __str__(self):
        return f"{self.number} {self.title}"


class DocumentFile(Immutable):
    """The PDF of a document, rendered once from its frozen fields (at issue by a Celery task, or
    at the first download) and kept."""

    document = models.OneToOneField(Document, models.PROTECT, primary_key=True, related_name="file")
    pdf = models.BinaryField()
    rendered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公文文件")
        verbose_name_plural = _("公文文件")
