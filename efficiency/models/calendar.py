"""The working-day calendar: data per date, editable by the system administrator."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    OFFICIAL = "official", _("国务院公布")
    PROVISIONAL = "provisional", _("暂定（按放假办法推算）")
    MANUAL = "manual", _("人工维护")


class CalendarYear(models.Model):
    """Which years the calendar holds, and whether the State Council has published them.

    A provisional year is weekends plus the statutory holidays of 《全国年节及纪念日放假办法》;
    deadlines falling in it are flagged provisional until the official year is loaded.
    """

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=12, choices=CalendarSource.choices)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}（{self.get_source_display()}）"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a holiday (放假办法 art. 2, or its art. 6 补假),
    or an adjusted working day (调休上班, art. 7, 国务院令第798号), as the yearly notice sets them."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=CalendarSource.choices)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarVersion(models.Model):
    """A single row whose number goes up on every calendar change.

    Every process keeps an in-memory index of working days; it rebuilds the index when this
    number differs from the one it was built from.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("日历版本")
