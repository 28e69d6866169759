"""The ledgers of accountability, one FilterSet each (efficiency.listing): the page, the API and
the Excel export read the same class over the same scoped queryset."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from efficiency import listing
from efficiency.listing import Column
from efficiency.models import Rung

from . import queries
from .models import AccountabilityCase, Bulletin, Category, Complaint

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


class CaseFilter(listing.LedgerFilterSet):
    """问责案件: `status`, `window` and `rung` are `queries.case_where`'s."""

    status = listing.WhereChoice(label=_("状态"), choices=AccountabilityCase.Status.choices, empty_label=_("全部"))
    source = django_filters.ChoiceFilter(label=_("来源"), choices=AccountabilityCase.Source.choices,
                                         empty_label=_("全部"))
    decision = django_filters.ChoiceFilter(label=_("处理决定"), choices=AccountabilityCase.Decision.choices,
                                           empty_label=_("全部"))
    unit = listing.unit_filter(label=_("责任单位"))
    person = django_filters.NumberFilter(label=_("责任人编号"), field_name="person", min_value=1,
                                         widget=forms.HiddenInput)
    window = listing.window_filter()
    rung = listing.rung_filter()
    sort = listing.SortFilter(fields={"created_at": "created_at", "number": "number", "due_at": "due_at",
                                      "decided_at": "decided_at"},
                              field_labels={"created_at": _("立案时间"), "number": _("编号"), "due_at": _("期限"),
                                            "decided_at": _("决定时间")})

    search_fields = ("number", "reason", "unit__name", "person__full_name", "head__full_name")
    search_placeholder = _("编号、事由、责任单位、责任人")
    date_field = "created_at"
    where = queries.case_where

    class Meta:
        model = AccountabilityCase
        fields: list[str] = []


CASE_COLUMNS = [
    Column(_("案件编号"), lambda c: c.number, 18),
    Column(_("立案时间"), lambda c: c.created_at, 17),
    Column(_("来源"), lambda c: c.get_source_display(), 12),
    Column(_("责任单位"), lambda c: c.unit.name, 28),
    Column(_("责任人"), lambda c: c.person.full_name if c.person else "", 10),
    Column(_("单位负责人"), lambda c: c.head.full_name if c.head else "", 10),
    Column(_("问责事由"), lambda c: c.reason, 50),
    Column(_("状态"), lambda c: c.get_status_display(), 10),
    Column(_("调查期限"), lambda c: c.due_at, 17),
    Column(_("处理决定"), lambda c: c.get_decision_display(), 10),
    Column(_("问责措施"), lambda c: "、".join(str(m) for m in c.measure_labels(c.person_measures)), 24),
    Column(_("决定时间"), lambda c: c.decided_at, 17),
]


class BulletinFilter(listing.LedgerFilterSet):
    """通报: the office's and leaders' list (drafts included)."""

    status = django_filters.ChoiceFilter(label=_("状态"), choices=Bulletin.Status.choices, empty_label=_("全部"))
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=Bulletin.Kind.choices, empty_label=_("全部"))
    sort = listing.SortFilter(fields={"created_at": "created_at", "published_at": "published_at", "number": "number"},
                              field_labels={"created_at": _("起草时间"), "published_at": _("发布时间"),
                                            "number": _("文号")})

    search_fields = ("number", "title", "body", "cases__unit__name", "complaints__subject_unit__name")
    search_placeholder = _("文号、标题、正文、涉及单位")
    date_field = "created_at"

    class Meta:
        model = Bulletin
        fields: list[str] = []


BULLETIN_COLUMNS = [
    Column(_("文号"), lambda b: b.number, 18),
    Column(_("标题"), lambda b: b.title, 40),
    Column(_("类别"), lambda b: b.get_kind_display(), 10),
    Column(_("状态"), lambda b: b.get_status_display(), 8),
    Column(_("起草人"), lambda b: b.author.full_name, 10),
    Column(_("起草时间"), lambda b: b.created_at, 17),
    Column(_("审核人"), lambda b: b.approved_by.full_name if b.approved_by else "", 10),
    Column(_("发布时间"), lambda b: b.published_at, 17),
    Column(_("涉及问责案件"), lambda b: "、".join(c.number for c in b.cases.all()), 30),
    Column(_("涉及效能投诉"), lambda b: "、".join(c.tracking_number for c in b.complaints.all()), 30),
]
