"""The ledgers of inspection — 督查计划, 检查 (visits), 整改 — one FilterSet each
(efficiency.listing): the page, the API and the Excel export read the same class over the same
scoped queryset (R33: an open unannounced visit stays out of the visited unit's lists)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from efficiency import listing
from efficiency.listing import Column
from efficiency.models import ClockState, Rung

from . import queries
from .models import InspectionPlan, Method, Rectification, Visit


class RectificationFilter(listing.LedgerFilterSet):
    """整改: `status`, `window` and `rung` are `queries.rectification_where`'s, the home page's to-do
    links included."""

    status = listing.WhereChoice(label=_("状态"), choices=Rectification.Status.choices, empty_label=_("全部"))
    unit = listing.unit_filter(label=_("整改单位"))
    clock_state = django_filters.ChoiceFilter(label=_("时限状态"), choices=ClockState.choices, empty_label=_("全部"))
    window = listing.window_filter()
    rung = listing.rung_filter()
    sort = listing.SortFilter(fields={"due_at": "due_at", "clock_start": "clock_start", "breach_level": "rung"},
                              field_labels={"due_at": _("期限"), "clock_start": _("下达时间"), "breach_level": _("预警")})

    search_fields = ("finding__title", "target", "measures", "unit__name", "owner__full_name", "finding__plan__topic")
    search_placeholder = _("问题、整改目标与措施、整改单位、责任人、督查主题")
    date_field = "clock_start"
    where = queries.rectification_where

    class Meta:
        model = Rectification
        fields: list[str] = []


RECTIFICATION_COLUMNS = [
    Column(_("督查主题"), lambda r: r.finding.plan.topic, 30),
    Column(_("整改单位"), lambda r: r.unit.name, 28),
    Column(_("问题"), lambda r: r.finding.title, 36),
    Column(_("整改目标"), lambda r: r.target, 36),
    Column(_("整改措施"), lambda r: r.measures, 36),
    Column(_("责任人"), lambda r: r.owner.full_name if r.owner else "", 10),
    Column(_("下达时间"), lambda r: r.clock_start, 17),
    Column(_("整改期限"), lambda r: r.due_at, 17),
    Column(_("状态"), lambda r: r.get_status_display(), 8),
    Column(_("时限状态"), lambda r: r.get_clock_state_display(), 10),
    Column(_("预警"), lambda r: Rung(r.breach_level).label if r.breach_level else "", 8),
    Column(_("报告时间"), lambda r: r.reported_at, 17),
    Column(_("验收时间"), lambda r: r.verified_at, 17),
    Column(_("退回次数"), lambda r: r.returns, 8),
]


class VisitFilter(listing.LedgerFilterSet):
    """检查 (明查暗访 and 双随机 visits)."""

    status = django_filters.ChoiceFilter(label=_("状态"), choices=Visit.Status.choices, empty_label=_("全部"))
    kind = django_filters.ChoiceFilter(label=_("方式"), choices=Method.choices, empty_label=_("全部"))
    unit = listing.unit_filter(label=_("被检查单位"))
    plan = django_filters.NumberFilter(label=_("计划编号"), field_name="plan", min_value=1,
                                       widget=forms.HiddenInput)
    sort = listing.SortFilter(fields={"visited_on": "visited_on", "created_at": "created_at"},
                              field_labels={"visited_on": _("检查日期"), "created_at": _("记录时间")})

    search_fields = ("unit__name", "place", "summary", "plan__topic")
    search_placeholder = _("被检查单位、地点、检查情况、督查主题")
    date_field = "visited_on"

    class Meta:
        model = Visit
        fields: list[str] = []


VISIT_COLUMNS = [
    Column(_("检查日期"), lambda v: v.visited_on, 12),
    Column(_("督查主题"), lambda v: v.plan.topic, 30),
    Column(_("被检查单位"), lambda v: v.unit.name, 28),
    Column(_("方式"), lambda v: v.get_kind_display(), 10),
    Column(_("地点"), lambda v: v.place, 24),
    Column(_("检查情况"), lambda v: v.summary, 40),
    Column(_("状态"), lambda v: v.get_status_display(), 8),
    Column(_("记录时间"), lambda v: v.created_at, 17),
    Column(_("反馈时间"), lambda v: v.closed_at, 17),
]


class PlanFilter(listing.LedgerFilterSet):
    """督查检查计划: a year (`year`, of the start date), status, method, issuing body."""

    status = django_filters.ChoiceFilter(label=_("状态"), choices=InspectionPlan.Status.choices, empty_label=_("全部状态"))
    method = django_filters.ChoiceFilter(label=_("方式"), choices=Method.choices, empty_label=_("全部"))
    year = django_filters.NumberFilter(label=_("年度"), field_name="start_date", lookup_expr="year",
                                       min_value=2000, max_value=2100)
    unit = listing.unit_filter("issuing_unit", label=_("发文单位"))
    sort = listing.SortFilter(fields={"start_date": "start_date", "filed_at": "filed_at", "topic": "topic"},
                              field_labels={"start_date": _("开始日期"), "filed_at": _("填报时间"), "topic": _("主题")})

    search_fields = ("topic", "scope", "issuing_unit__name")
    search_placeholder = _("督查主题、检查内容、发文单位")
    date_field = "start_date"

    class Meta:
        model = InspectionPlan
        fields: list[str] = []


PLAN_COLUMNS = [
    Column(_("督查主题"), lambda p: p.topic, 36),
    Column(_("方式"), lambda p: p.get_method_display(), 10),
    Column(_("发文单位"), lambda p: p.issuing_unit.name, 24),
    Column(_("开始日期"), lambda p: p.start_date, 12),
    Column(_("结束日期"), lambda p: p.end_date, 12),
    Column(_("抽查单位数"), lambda p: p.sample_size, 10),
    Column(_("状态"), lambda p: p.get_status_display(), 8),
    Column(_("填报时间"), lambda p: p.filed_at, 17),
    Column(_("审批时间"), lambda p: p.approved_at, 17),
    Column(_("结果公开时间"), lambda p: p.results_published_at, 17),
]
