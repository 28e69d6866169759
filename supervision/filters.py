"""The ledgers of supervision, one FilterSet each (efficiency.listing): the page, the API and the
Excel export read the same class over the same scoped queryset."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from efficiency import listing
from efficiency.listing import Column
from efficiency.models import Rung

from . import queries
from .models import Assignment, AssignmentKind, AssignmentTarget, KeyTask

TS = AssignmentTarget.Status
TARGET_STATUSES = [("open", _("未办结")), ("working", _("待办理（办理中、已部署）")),
                   ("late", _("已超期（黄牌/红牌）")), *TS.choices]


class TargetFilter(listing.LedgerFilterSet):
    """交办件 as the units hold them (the work list): `status`, `kind`, `window`, `rung` and
    `owner` are `queries.target_where`'s, the home page's to-do links included."""

    status = listing.WhereChoice(label=_("状态"), choices=TARGET_STATUSES, empty_label=_("全部"))
    kind = listing.WhereChoice(label=_("类别"), choices=AssignmentKind.choices, empty_label=_("全部"))
    unit = listing.unit_filter(label=_("承办单位"))
    window = listing.window_filter()
    rung = listing.rung_filter()
    owner = listing.WhereText(label=_("责任人"), max_length=64)
    sort = listing.SortFilter(fields={"due_at": "due_at", "assigned_at": "assigned_at",
                                      "assignment__number": "number", "breach_level": "rung"},
                              field_labels={"due_at": _("期限"), "assigned_at": _("交办时间"),
                                            "assignment__number": _("编号"), "breach_level": _("预警")})

    search_fields = ("assignment__number", "assignment__title", "assignment__issuing_leader", "unit__name",
                     "owner__full_name")
    search_placeholder = _("编号、标题、交办领导、承办单位、责任人")
    date_field = "assigned_at"
    where = queries.target_where

    class Meta:
        model = AssignmentTarget
        fields: list[str] = []


class AssignmentFilter(listing.LedgerFilterSet):
    """The office's register of 交办件 (those not yet dispatched included)."""

    status = listing.django_filters.ChoiceFilter(label=_("状态"), choices=Assignment.Status.choices,
                                                 empty_label=_("全部"))
    kind = listing.django_filters.ChoiceFilter(label=_("类别"), choices=AssignmentKind.choices, empty_label=_("全部"))
    unit = listing.unit_filter("targets__unit", label=_("承办单位"))
    sort = listing.SortFilter(fields={"created_at": "created_at", "number": "number", "due_at": "due_at"},
                              field_labels={"created_at": _("登记时间"), "number": _("编号"), "due_at": _("期限")})

    search_fields = ("number", "title", "issuing_leader", "targets__unit__name")
    search_placeholder = _("编号、标题、交办领导、承办单位")
    date_field = "created_at"

    class Meta:
        model = Assignment
        fields: list[str] = []


def _rung(obj) -> str:
    return Rung(obj.breach_level).label if obj.breach_level else ""


TARGET_COLUMNS = [
    Column(_("交办编号"), lambda t: t.assignment.number, 16),
    Column(_("交办事项"), lambda t: t.assignment.title, 40),
    Column(_("来源类别"), lambda t: t.assignment.get_kind_display(), 12),
    Column(_("批示/交办领导"), lambda t: t.assignment.issuing_leader, 12),
    Column(_("承办单位"), lambda t: t.unit.name, 28),
    Column(_("牵头"), lambda t: _("牵头") if t.is_lead else _("协办"), 6),
    Column(_("环节"), lambda t: t.get_status_display(), 12),
    Column(_("责任人"), lambda t: t.owner.full_name if t.owner else "", 10),
    Column(_("交办时间"), lambda t: t.assigned_at, 17),
    Column(_("办理期限"), lambda t: t.due_at, 17),
    Column(_("时限状态"), lambda t: t.get_clock_state_display(), 10),
    Column(_("预警"), _rung, 8),
    Column(_("办结时间"), lambda t: t.closed_at, 17),
    Column(_("督办次数"), lambda t: t.urge_count, 8),
    Column(_("退回次数"), lambda t: t.return_count, 8),
]

ASSIGNMENT_COLUMNS = [
    Column(_("交办编号"), lambda a: a.number, 16),
    Column(_("标题"), lambda a: a.title, 40),
    Column(_("来源类别"), lambda a: a.get_kind_display(), 12),
    Column(_("批示/交办领导"), lambda a: a.issuing_leader, 12),
    Column(_("承办单位"), lambda a: "、".join(t.unit.name for t in a.targets.all()), 36),
    Column(_("状态"), lambda a: a.get_status_display(), 10),
    Column(_("登记时间"), lambda a: a.created_at, 17),
    Column(_("办理期限"), lambda a: a.due_at, 17),
    Column(_("时限状态"), lambda a: a.get_clock_state_display(), 10),
    Column(_("办结时间"), lambda a: a.closed_at, 17),
]


class KeyTaskFilter(listing.LedgerFilterSet):
    """重点任务 of one year's list: `state`, `window` and `rung` are `queries.task_where`'s."""

    state = listing.WhereChoice(label=_("状态"), empty_label=_("全部"), choices=[
        ("open", _("未完成")), ("closed", _("已完成")), ("lagging", _("进度预警"))])
    unit = listing.unit_filter(label=_("牵头单位"))
    window = listing.window_filter()
    rung = listing.rung_filter()
    sort = listing.SortFilter(fields={"number": "number", "due_at": "due_at", "progress": "progress", "lag": "lag"},
                              field_labels={"number": _("编号"), "due_at": _("期限"), "progress": _("进度"),
                                            "lag": _("落后程度")})

    search_fields = ("number", "title", "goal", "unit__name", "co_units__name", "leader_name", "owner__full_name")
    search_placeholder = _("编号、任务、目标、牵头或配合单位、责任领导、责任人")
    date_field = "deadline"
    where = queries.task_where

    class Meta:
        model = KeyTask
        fields: list[str] = []
