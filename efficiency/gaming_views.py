"""The efficiency office's list of gaming findings (issue 18): a ledger (search, filters, keyset
pages, export), a finding's page with its evidence, the office's decisions, the run button and
the thresholds form. The office decides; leaders read; anyone else is refused (404 for the
pages, 403 for a finding about their own unit)."""

from __future__ import annotations

from datetime import datetime, timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import exports, gaming, listing
from .event_kinds import event_label
from .listing import Column, list_context
from .models import Event, GamingFinding, GamingRun, Role
from .permissions import has_role, is_office, role_required
from .registry import gaming_detector, gaming_detectors

GAMING_ROLES = (Role.OFFICE, Role.LEADER)


def pattern_choices():
    return [(d.code, d.label) for d in sorted(gaming_detectors(), key=lambda d: d.code)]


def pattern_label(code: str) -> str:
    det = gaming_detector(code)
    return str(det.label) if det else code


class GamingFilter(listing.LedgerFilterSet):
    pattern = django_filters.ChoiceFilter(label=gettext_lazy("模式"), choices=pattern_choices,
                                          empty_label=gettext_lazy("全部"))
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=GamingFinding.Status.choices,
                                         empty_label=gettext_lazy("全部"))
    unit = listing.unit_filter()
    sort = listing.SortFilter(fields={"last_seen_at": "last_seen_at", "first_seen_at": "first_seen_at"},
                              field_labels={"last_seen_at": gettext_lazy("最近发现"),
                                            "first_seen_at": gettext_lazy("首次发现")})

    search_fields = ("subject_type", "key", "unit__name", "reason")
    search_placeholder = gettext_lazy("事项、单位、识别键、意见")
    date_field = "last_seen_at"

    class Meta:
        model = GamingFinding
        fields: list[str] = []


def _findings(request) -> GamingFilter:
    qs = GamingFinding.objects.select_related("unit").order_by("-last_seen_at", "-pk")
    return GamingFilter(request.GET, queryset=qs, request=request)


def item_url(finding) -> str:
    return reverse("dashboards:item", args=[finding.subject_type, finding.subject_id])


GAMING_COLUMNS = [
    Column(gettext_lazy("模式"), lambda f: pattern_label(f.pattern), 16),
    Column(gettext_lazy("单位"), lambda f: f.unit.name if f.unit_id else "", 28),
    Column(gettext_lazy("对象类型"), lambda f: f.subject_type, 24),
    Column(gettext_lazy("对象编号"), lambda f: f.subject_id, 10),
    Column(gettext_lazy("状态"), lambda f: f.get_status_display(), 10),
    Column(gettext_lazy("数据"), lambda f: "；".join(f"{k}：{v}" for k, v in figure_lines(f.figures)), 60),
    Column(gettext_lazy("证据事件"), lambda f: " ".join(map(str, f.event_ids)), 20),
    Column(gettext_lazy("首次发现"), lambda f: f.first_seen_at, 17),
    Column(gettext_lazy("最近发现"), lambda f: f.last_seen_at, 17),
    Column(gettext_lazy("核实意见"), lambda f: f.reason, 30),
]


def gaming_ledger(request) -> exports.Ledger:
    if not has_role(request.user, *GAMING_ROLES):
        raise Http404
    return exports.Ledger(_findings(request).qs, GAMING_COLUMNS, _("规避时限线索.xlsx"), _("规避时限线索"))


# --- figures in words ------------------------------------------------------------------------

FIGURE_LABELS = {
    "pauses": gettext_lazy("临期暂停"), "paused_at": gettext_lazy("暂停时间"), "due_at": gettext_lazy("期限"),
    "clock_start": gettext_lazy("起算时间"), "share_left": gettext_lazy("剩余时限占比"),
    "workdays_left": gettext_lazy("剩余工作日"), "unit_count": gettext_lazy("本单位时段内临期暂停次数"),
    "min_count": gettext_lazy("阈值：至少次数"), "share": gettext_lazy("阈值：剩余时限占比"),
    "last_workdays": gettext_lazy("阈值：最后几个工作日"), "extensions": gettext_lazy("延期记录"),
    "at": gettext_lazy("时间"), "value": gettext_lazy("延期时长"), "unit": gettext_lazy("单位"),
    "old_due_at": gettext_lazy("原期限"), "days": gettext_lazy("增加天数"), "count": gettext_lazy("次数"),
    "days_added": gettext_lazy("合计增加天数"), "min_extensions": gettext_lazy("阈值：至少延期次数"),
    "lookback_days": gettext_lazy("阈值：回溯天数"), "closed_at": gettext_lazy("办结时间"),
    "reopened_at": gettext_lazy("重新计时时间"), "new_due_at": gettext_lazy("新期限"),
    "gap_hours": gettext_lazy("间隔小时"), "days_given_back": gettext_lazy("时限被重置增加天数"),
    "max_gap_days": gettext_lazy("阈值：办结后天数"), "share_left_at_close": gettext_lazy("办结时剩余时限占比"), "restarts": gettext_lazy("重新起算记录"),
    "previous_start": gettext_lazy("上次起算"), "min_restarts": gettext_lazy("阈值：至少重新起算次数"),
}


def _word(value) -> str:
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "T ":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment.tzinfo else value
    if isinstance(value, dict):
        return "，".join(f"{FIGURE_LABELS.get(k, k)} {_word(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "；".join(f"（{i}）{_word(v)}" for i, v in enumerate(value, 1))
    if value is None:
        return "—"
    return str(value)


def figure_lines(figures) -> list[tuple[str, str]]:
    """A finding's figures as (label, words), labels in Chinese where the core knows them."""
    if not isinstance(figures, dict):
        return [(str(_("数据")), _word(figures))]
    return [(str(FIGURE_LABELS.get(k, k)), _word(v)) for k, v in figures.items()]


# --- pages -----------------------------------------------------------------------------------


class RunForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))


@login_required
@role_required(*GAMING_ROLES)
def gaming_list(request):
    context = list_context(request, _findings(request), export=reverse("gaming_export"))
    context["items"] = [(f, pattern_label(f.pattern)) for f in context["items"]]
    today = timezone.localdate()
    context["run_form"] = RunForm(initial={"start": today - timedelta(days=gaming.NIGHTLY_DAYS), "end": today})
    context["can_decide"] = is_office(request.user)
    context["last_run"] = GamingRun.objects.order_by("-pk").first() if context["can_decide"] else None
    return render(request, "efficiency/gaming_list.html", context)


@login_required
@role_required(*GAMING_ROLES)
def gaming_export(request):
    return exports.ledger_export(request, "efficiency.gaming")


@login_required
def gaming_detail(request, pk):
    finding = gaming.finding_for(request.user, pk, read=True)
    events = list(Event.objects.filter(pk__in=finding.event_ids).order_by("at", "pk"))
    return render(request, "efficiency/gaming_detail.html", {
        "f": finding, "pattern": pattern_label(finding.pattern), "figures": figure_lines(finding.figures),
        "events": [(e, event_label(e)) for e in events], "item_url": item_url(finding),
        "can_decide": is_office(request.user) and finding.status == GamingFinding.Status.OPEN,
    })


@login_required
@require_POST
def gaming_decide(request, pk):
    action, reason = request.POST.get("action"), request.POST.get("reason", "")
    try:
        if action == "confirm":
            gaming.finding_confirm(pk, actor=request.user, reason=reason, request=request)
            messages.success(request, _("已确认，计入该单位考评。"))
        elif action == "dismiss":
            gaming.finding_dismiss(pk, actor=request.user, reason=reason, request=request)
            messages.success(request, _("已排除。"))
        else:
            gaming.finding_for(request.user, pk)
            messages.error(request, _("未知的操作。"))
    except gaming.ThresholdError as exc:
        gaming.finding_for(request.user, pk)  # the error is shown only to whom may see it
        messages.error(request, str(exc))
        return redirect("gaming_detail", pk)
    return redirect("gaming_detail", pk)


@login_required
@require_POST
@role_required(*GAMING_ROLES)
def gaming_run(request):
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的起止日期。"))
        return redirect("gaming_list")
    try:
        job = gaming.run_request(actor=request.user, start=form.cleaned_data["start"],
                                 end=form.cleaned_data["end"], request=request)
    except gaming.ThresholdError as exc:
        messages.error(request, str(exc))
        return redirect("gaming_list")
    return redirect("gaming_run_page", job.pk)


def _run_for(user, pk) -> GamingRun:
    job = GamingRun.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if job is None or not is_office(user):
        raise Http404
    return job


@login_required
def gaming_run_page(request, pk):
    return render(request, "efficiency/gaming_run.html", {"job": _run_for(request.user, pk)})


@login_required
def gaming_run_progress(request, pk):
    return render(request, "efficiency/_gaming_run_progress.html", {"job": _run_for(request.user, pk)})


class RuleForm(forms.Form):
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False)

    def __init__(self, det, current: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.det = det
        for name, (default, label) in det.thresholds.items():
            help_text = _("本地默认 (种子未规定)：%(d)s") % {"d": default}
            if isinstance(default, bool):
                field = forms.BooleanField(label=label, required=False, help_text=help_text)
            elif isinstance(default, int):
                field = forms.IntegerField(label=label, min_value=0, help_text=help_text)
            else:
                field = forms.FloatField(label=label, min_value=0, help_text=help_text)
            field.initial = current.get(name, default)
            self.fields[f"th_{name}"] = field

    def thresholds(self) -> dict:
        return {k[3:]: v for k, v in self.cleaned_data.items() if k.startswith("th_")}


@login_required
@role_required(*GAMING_ROLES)
def gaming_rules(request):
    """The thresholds table: every pattern, its switch and thresholds; the office edits them."""
    rules = gaming.rules_ensure()
    dets = sorted(gaming_detectors(), key=lambda d: d.code)
    code = request.POST.get("code") if request.method == "POST" else None
    forms_ = []
    for det in dets:
        rule = rules[det.code]
        current = gaming.threshold_values(det, rule.thresholds)
        bound = request.POST if code == det.code else None
        form = RuleForm(det, current, bound, prefix=det.code, initial={"is_active": rule.is_active})
        if bound is not None:
            if not is_office(request.user):
                raise PermissionDenied(_("只有效能办可以修改规避时限识别规则。"))
            if form.is_valid():
                try:
                    gaming.rule_update(det.code, actor=request.user, is_active=form.cleaned_data["is_active"],
                                       thresholds=form.thresholds(), request=request)
                except gaming.ThresholdError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("已保存。"))
                    return redirect("gaming_rules")
        forms_.append((det, rule, form))
    if code is not None and code not in rules:
        raise Http404
    return render(request, "efficiency/gaming_rules.html", {"forms": forms_, "can_edit": is_office(request.user)},
                  status=400 if code else 200)
