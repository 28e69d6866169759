"""The 办件 ledger's FilterSet (efficiency.listing): the page, the API and the Excel export read
the same class over the same scoped queryset."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from efficiency import listing
from efficiency.listing import Column
from efficiency.models import Rung

from . import queries
from .models import Application, Status


class ApplicationFilter(listing.LedgerFilterSet):
    """办件: `status`, `window` and `rung` are `queries.application_where`'s, the home page's to-do
    links included."""

    status = listing.WhereChoice(label=_("状态"), choices=Status.choices, empty_label=_("全部状态"))
    unit = listing.unit_filter(label=_("办理单位"))
    mine = django_filters.BooleanFilter(label=_("我承办的"), method="filter_mine")
    # AB岗 (R49): the home to-do's line of the items the user acts for while their holder is absent.
    acting = django_filters.ChoiceFilter(label=_("替岗办件"), choices=[("1", _("我替岗的办件"))],
                                         empty_label=_("不限"), method="filter_acting")
    window = listing.window_filter()
    rung = listing.rung_filter()
    # The 综合窗口's to-do lines: taken in today; taken in at a centre's window (queries.application_where).
    intake = listing.WhereChoice(label=_("收件"), choices=[("today", _("今日收件"))], empty_label=_("不限"))
    via = listing.WhereChoice(label=_("受理渠道"), choices=[("centre", _("综合窗口代收"))], empty_label=_("不限"))
    sort = listing.SortFilter(fields={"due_at": "due_at", "received_at": "received_at",
                                      "receipt_number": "number", "breach_level": "rung"},
                              field_labels={"due_at": _("期限"), "received_at": _("收件时间"),
                                            "receipt_number": _("受理编号"), "breach_level": _("预警")})

    search_fields = ("receipt_number", "applicant_name", "project", "item__name", "item__code", "unit__name")
    search_placeholder = _("受理编号、申请人、项目、事项、单位")
    date_field = "received_at"
    where = queries.application_where

    def filter_acting(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if value != "1" or user is None:
            return qs
        return qs & queries.applications_acting(user)

    def filter_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return qs
        return qs.filter(owner=user) if value else qs.exclude(owner=user)

    class Meta:
        model = Application
        fields: list[str] = []


# The applicant's identity number and phone stay out of the ledger (personal data: the item's page has them).
APPLICATION_COLUMNS = [
    Column(_("受理编号"), lambda a: a.receipt_number or "", 18),
    Column(_("事项编码"), lambda a: a.item.code, 14),
    Column(_("事项"), lambda a: a.item.name, 30),
    Column(_("申请人"), lambda a: a.applicant_name, 20),
    Column(_("申请事由/项目名称"), lambda a: a.project, 30),
    Column(_("办理单位"), lambda a: a.unit.name, 28),
    Column(_("承办人"), lambda a: a.owner.full_name if a.owner else "", 10),
    Column(_("状态"), lambda a: a.get_status_display(), 16),
    Column(_("收件时间"), lambda a: a.received_at, 17),
    Column(_("受理时间"), lambda a: a.accepted_at, 17),
    Column(_("承诺时限（工作日）"), lambda a: a.committed_limit, 10),
    Column(_("办理期限"), lambda a: a.due_at, 17),
    Column(_("时限状态"), lambda a: a.get_clock_state_display(), 10),
    Column(_("预警"), lambda a: Rung(a.breach_level).label if a.breach_level else "", 8),
    Column(_("决定时间"), lambda a: a.decided_at, 17),
]
