"""The ledgers of accountability, one FilterSet each (efficiency.listing): the page, the API and
the Excel export read the same class over the same scoped queryset."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from efficiency import listing
from efficiency.listing import Column
from efficiency.models import Rung

from . import queries
from .models import Category, Complaint

ALL = "all"  # every status, the closed and declined included (no status: the open ones)


def _rung(obj) -> str:
    return Rung(obj.breach_level).label if obj.breach_level else ""


class ComplaintFilter(listing.LedgerFilterSet):
    """效能投诉: `status` (none: the open ones; `all`: every one), `window` and `rung` are
    `queries.complaint_where`'s, the home page's to-do links included."""

    status = listing.WhereChoice(label=_("状态"), choices=[(ALL, _("全部（含已办结）")), *Complaint.Status.choices],
                                 empty_label=_("未办结"))
    category = django_filters.ChoiceFilter(label=_("投诉类别"), choices=Category.choices, empty_label=_("全部"))
    subject_unit = listing.unit_filter("subject_unit", label=_("被投诉单位"))
    unit = listing.unit_filter(label=_("承办单位"))
    window = listing.window_filter()
    rung = listing.rung_filter()
    is_problem = django_filters.BooleanFilter(label=_("问题工单"))
    sort = listing.SortFilter(fields={"step_due": "due_at", "filed_at": "filed_at",
                                      "tracking_number": "number", "breach_level": "rung"},
                              field_labels={"step_due": _("期限"), "filed_at": _("投诉时间"),
                                            "tracking_number": _("编号"), "breach_level": _("预警")})

    search_fields = ("tracking_number", "description", "place", "complainant_name", "subject_unit__name",
                     "unit__name")
    search_placeholder = _("编号、内容、地点、投诉人、被投诉单位、承办单位")
    date_field = "filed_at"
    where = queries.complaint_where

    class Meta:
        model = Complaint
        fields: list[str] = []


COMPLAINT_COLUMNS = [
    Column(_("投诉编号"), lambda c: c.tracking_number, 16),
    Column(_("投诉时间"), lambda c: c.filed_at, 17),
    Column(_("投诉类别"), lambda c: c.get_category_display(), 14),
    Column(_("被投诉单位"), lambda c: c.subject_unit.name, 28),
    Column(_("承办单位"), lambda c: c.unit.name if c.unit else "", 28),
    Column(_("投诉内容"), lambda c: c.description, 50),
    Column(_("投诉人"), lambda c: _("匿名") if c.is_anonymous else c.complainant_name, 10),
    Column(_("受理渠道"), lambda c: c.channel.name if c.channel else "", 12),
    Column(_("状态"), lambda c: c.get_status_display(), 12),
    Column(_("受理时间"), lambda c: c.accepted_at, 17),
    Column(_("办理期限"), lambda c: c.due_at, 17),
    Column(_("时限状态"), lambda c: c.get_clock_state_display(), 10),
    Column(_("预警"), _rung, 8),
    Column(_("答复时间"), lambda c: c.answered_at, 17),
    Column(_("投诉属实"), lambda c: {True: _("属实"), False: _("不属实")}.get(c.substantiated, ""), 8),
    Column(_("评价"), lambda c: c.get_rating_display(), 10),
]
