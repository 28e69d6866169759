"""Every write of inspection: keyword-only, with an actor, in one transaction, with its events
and audit rows."""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from efficiency import clocks
from efficiency.audit import audit_record, snapshot
from efficiency.events import event_emit
from efficiency.indicators import banned_indicators
from efficiency.models import PauseReason, Role, Unit
from efficiency.permissions import UNIT_ROLES, require_role
from efficiency.uploads import IMAGES, PDF, upload_clean
from efficiency.workdays import SHANGHAI, local_date

from . import draws
from .models import (
    Draw, DrawAssignment, Finding, InspectionCap, InspectionPlan, InspectorPool, Method, PlanOverride,
    Rectification, TargetPool, Visit, VisitPhoto,
)
from .queries import open_rectifications, plan_count, plan_report

# 2008b 二(二): below city level an inspection samples 5–10% of the units in scope (R30).
SAMPLING_MAX_PERCENT = 10


OFFICE_ONLY = gettext_lazy("只有效能办（督查室）可以办理此事项。")


# --- caps and plans ---------------------------------------------------------------------------


@transaction.atomic
def cap_set(*, actor, issuing_unit, year: int, base_2018: int, cap: int) -> InspectionCap:
    """R31: the administrator sets the yearly cap, at most half of the 2018 base."""
    require_role(actor, Role.SYSTEM_ADMIN, Role.OFFICE, message=_("只有系统管理员或效能办可以设定年度上限。"))
    if base_2018 < 0 or cap < 0:
        raise ValidationError(_("基数和上限不能为负数。"))
    if cap > base_2018 // 2:
        raise ValidationError({"cap": _("按 2019 年意见（二十二），督查检查数量须比 2018 年（%(base)s 次）压减 50%% 以上，"
                                        "上限不得超过 %(max)s 次。") % {"base": base_2018, "max": base_2018 // 2}})
    obj, created = InspectionCap.objects.update_or_create(
        issuing_unit=issuing_unit, year=year, defaults={"base_2018": base_2018, "cap": cap, "set_by": actor},
    )
    audit_record("create" if created else "update", actor=actor, obj=obj, after=snapshot(obj),
                 summary=f"设定督查检查年度上限 {issuing_unit} {year}: {cap}")
    return obj


def sampling_max(n_scope: int) -> int:
    return max(1, n_scope * SAMPLING_MAX_PERCENT // 100)


def plan_excesses(plan: InspectionPlan) -> dict:
    """What the plan exceeds: {"cap": {...}, "sampling": {...}} (empty when within limits)."""
    out = {}
    cap = InspectionCap.objects.filter(issuing_unit_id=plan.issuing_unit_id, year=plan.year).first()
    if cap is not None:
        count = plan_count(plan.issuing_unit, plan.year, exclude_pk=plan.pk)
        if count + 1 > cap.cap:
            out["cap"] = {"count": count, "cap": cap.cap, "year": plan.year}
    if plan.region.below_city:
        n_scope = plan.units.count()
        if plan.sample_size > sampling_max(n_scope):
            out["sampling"] = {"sample_size": plan.sample_size, "scope": n_scope, "max": sampling_max(n_scope),
                               "percent": round(100 * plan.sample_size / max(n_scope, 1), 1)}
    return out


def excess_message(kind: str, figures: dict) -> str:
    if kind == "cap":
        return _("%(year)s 年已批准督查检查 %(count)s 次，达到年度上限 %(cap)s 次（R31）。") % figures
    return _("县级以下抽查比例不得超过 10%%：范围内 %(scope)s 个单位最多抽查 %(max)s 个，本计划 %(sample_size)s 个"
             "（%(percent)s%%，R30）。") % figures


def _counterpart_errors(issuing_unit, units) -> list[str]:
    """2019 意见 (二十一)、(二十二) (R54, R58): a department's business inspection covers only its
    counterpart department one level down (the unit whose 上级单位 it is), never a lower
    government; only the government side (its office, the government itself) inspects governments.
    A unit's check of itself (自查) is no inspection of another level."""
    if issuing_unit is None or issuing_unit.kind != Unit.Kind.DEPARTMENT:
        return []
    return [u.name for u in units if u.pk != issuing_unit.pk
            and (u.kind == Unit.Kind.GOVERNMENT or u.parent_id != issuing_unit.pk)]


def _plan_validate(*, start_date: date, end_date: date, units, sample_size: int, topic: str = "", scope: str = "",
                   issuing_unit=None):
    errors = {}
    outside = _counterpart_errors(issuing_unit, units)
    if outside:  # rule: R54 enforced, R58
        errors["units"] = _("部门开展业务督查检查只能针对下一级对口部门，不得针对下级政府或其他单位：%(names)s。") % {
            "names": "、".join(outside)}
    banned = banned_indicators(topic, scope)
    if banned:  # rule: R53 enforced — 2019 意见 (二十二)
        errors["scope"] = _("以下内容不得作为督查检查考核指标（2019 意见（二十二））：%(names)s。") % {
            "names": "、".join(banned)}
    if end_date < start_date:
        errors["end_date"] = _("结束日期不能早于开始日期。")
    if not units:
        errors["units"] = _("请选择检查范围内的单位。")
    elif sample_size < 1 or sample_size > len(units):
        errors["sample_size"] = _("抽查单位数须在 1 到 %(n)s 之间。") % {"n": len(units)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(*, actor, topic: str, scope: str, method: str, issuing_unit, region, start_date: date,
                end_date: date, units, sample_size: int) -> InspectionPlan:
    """The office files a plan (计划管理): a draft until submitted for approval."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    units = list(units)
    _plan_validate(start_date=start_date, end_date=end_date, units=units, sample_size=sample_size,
                   topic=topic, scope=scope, issuing_unit=issuing_unit)
    plan = InspectionPlan.objects.create(
        topic=topic, scope=scope, method=method, issuing_unit=issuing_unit, region=region, start_date=start_date,
        end_date=end_date, sample_size=sample_size, filed_by=actor,
    )
    plan.units.set(units)
    audit_record("create", actor=actor, obj=plan, after=snapshot(plan), summary=f"填报督查检查计划：{topic}")
    event_emit("inspection.plan_filed", subject=plan, actor=actor, unit=issuing_unit, message=topic)
    return plan


# What the office may change while a plan is a draft or returned for revision (issuing body and
# region stay: they decide whose cap and which sampling rule apply).
PLAN_EDITABLE = ("topic", "scope", "method", "start_date", "end_date", "units", "sample_size")
EDITABLE_STATUSES = (InspectionPlan.Status.DRAFT, InspectionPlan.Status.REJECTED)


def _plan_state(plan: InspectionPlan) -> dict:
    state = snapshot(plan, [f for f in PLAN_EDITABLE if f != "units"])
    state["units"] = sorted(plan.units.values_list("pk", flat=True))
    return state


def not_editable_message(plan: InspectionPlan) -> str:
    if plan.status == InspectionPlan.Status.SUBMITTED:
        return _("计划已报领导审批，审批期间不能修改；如需修改，请领导退回后再改。")
    if plan.status == InspectionPlan.Status.CLOSED:
        return _("计划已完成，不能修改。")
    return _("计划已经领导批准，不能修改；如需调整，请另行填报计划并报批。")


@transaction.atomic
def plan_update(*, actor, plan: InspectionPlan, topic: str | None = None, scope: str | None = None,
                method: str | None = None, start_date: date | None = None, end_date: date | None = None,
                units=None, sample_size: int | None = None) -> InspectionPlan:
    """The office edits a draft or returned plan (None leaves a field as it is). Checked as at
    filing; the cap (R31) and sampling share (R30) are checked again when a leader approves, so a
    change that now exceeds them needs the leader's recorded override like any other plan."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in EDITABLE_STATUSES:
        raise ValidationError(not_editable_message(plan))
    before = _plan_state(plan)
    units = list(plan.units.all()) if units is None else list(units)
    values = {"topic": topic, "scope": scope, "method": method, "start_date": start_date, "end_date": end_date,
              "sample_size": sample_size}
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if v is not None}
    errors = {k: _("此项不能为空。") for k in ("topic", "scope") if k in values and not values[k]}
    if len(values.get("topic", "")) > 200:
        errors["topic"] = _("督查主题不能超过 200 个字。")
    if "method" in values and values["method"] not in Method.values:
        errors["method"] = _("请选择有效的检查方式。")
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(plan, field, value)
    _plan_validate(start_date=plan.start_date, end_date=plan.end_date, units=units, sample_size=plan.sample_size,
                   topic=plan.topic, scope=plan.scope, issuing_unit=plan.issuing_unit)
    plan.save(update_fields=[f for f in PLAN_EDITABLE if f != "units"])
    plan.units.set(units)
    after = _plan_state(plan)
    if after == before:
        return plan
    excess = plan_excesses(plan)
    changed = [f for f in PLAN_EDITABLE if after[f] != before[f]]
    audit_record("update", actor=actor, obj=plan, summary=f"修改督查检查计划：{plan.topic}",
                 before=before, after={**after, "excess": excess})
    names = "、".join(str(InspectionPlan._meta.get_field(f).verbose_name) for f in changed)
    event_emit("inspection.plan_updated", subject=plan, actor=actor, unit=plan.issuing_unit,
               message=" ".join([_("修改了：%(fields)s。") % {"fields": names},
                                 *(excess_message(k, v) for k, v in excess.items())]),
               payload={"changed": changed, "excess": excess})
    return plan


@transaction.atomic
def plan_submit(*, actor, plan: InspectionPlan) -> InspectionPlan:
    """报批: send the plan to a leader. Any excess is shown to the leader, who must approve it."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in (InspectionPlan.Status.DRAFT, InspectionPlan.Status.REJECTED):
        raise ValidationError(_("只有草稿或被退回的计划可以报批。"))
    plan.status, plan.submitted_at = InspectionPlan.Status.SUBMITTED, timezone.now()
    plan.save(update_fields=["status", "submitted_at"])
    excess = plan_excesses(plan)
    audit_record("action", actor=actor, obj=plan, summary="督查检查计划报批", after={"excess": excess})
    event_emit("inspection.plan_submitted", subject=plan, actor=actor, unit=plan.issuing_unit,
               recipients=["leader"], message=plan.topic, payload={"excess": excess})
    return plan


@transaction.atomic
def plan_approve(*, actor, plan: InspectionPlan, note: str = "", override_reason: str = "") -> InspectionPlan:
    """A leader approves. A plan over the yearly cap (R31) or the sampling share (R30) is
    refused unless the leader records an override with a reason (who, when, why)."""
    require_role(actor, Role.LEADER, message=_("督查检查计划须由领导审批。"))
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != InspectionPlan.Status.SUBMITTED:
        raise ValidationError(_("只有待审批的计划可以批准。"))
    # Serialise approvals of one issuing body so two approvals cannot both take the last slot.
    list(InspectionCap.objects.select_for_update().filter(issuing_unit_id=plan.issuing_unit_id, year=plan.year))
    excess = plan_excesses(plan)
    already = set(plan.overrides.values_list("kind", flat=True))
    missing = {k: v for k, v in excess.items() if k not in already}
    now = timezone.now()
    if missing:
        if not override_reason.strip():
            raise ValidationError({"override_reason": " ".join(excess_message(k, v) for k, v in missing.items())
                                   + _("如确需超出，须由领导填写理由批准（超限审批）。")})
        for kind, figures in missing.items():
            PlanOverride.objects.create(plan=plan, kind=kind, approved_by=actor, approved_at=now,
                                        reason=override_reason.strip(), figures=figures)
            audit_record("action", actor=actor, obj=plan, summary=f"超限审批：{PlanOverride.Kind(kind).label}",
                         after={"kind": kind, "figures": figures, "reason": override_reason.strip()})
    plan.status, plan.approved_by, plan.approved_at, plan.decision_note = (
        InspectionPlan.Status.APPROVED, actor, now, note)
    plan.save(update_fields=["status", "approved_by", "approved_at", "decision_note"])
    audit_record("action", actor=actor, obj=plan, summary="批准督查检查计划", after={"overrides": sorted(missing)})
    event_emit("inspection.plan_approved", subject=plan, actor=actor, unit=plan.issuing_unit, message=note,
               payload={"overrides": sorted(set(missing) | already), "year": plan.year})
    return plan


@transaction.atomic
def plan_reject(*, actor, plan: InspectionPlan, note: str) -> InspectionPlan:
    require_role(actor, Role.LEADER, message=_("督查检查计划须由领导审批。"))
    if not note.strip():
        raise ValidationError({"note": _("退回须说明理由。")})
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != InspectionPlan.Status.SUBMITTED:
        raise ValidationError(_("只有待审批的计划可以退回。"))
    plan.status, plan.decision_note = InspectionPlan.Status.REJECTED, note.strip()
    plan.save(update_fields=["status", "decision_note"])
    audit_record("action", actor=actor, obj=plan, summary="退回督查检查计划", after={"note": note})
    event_emit("inspection.plan_rejected", subject=plan, actor=actor, unit=plan.issuing_unit, message=note)
    return plan


@transaction.atomic
def plan_publish_results(*, actor, plan: InspectionPlan) -> InspectionPlan:
    """一公开: the plan's results (no personal data) appear on the public page."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in (InspectionPlan.Status.APPROVED, InspectionPlan.Status.CLOSED):
        raise ValidationError(_("计划批准后才能公开结果。"))
    if plan.visits.filter(kind=Method.UNANNOUNCED, status=Visit.Status.OPEN).exists():
        raise ValidationError(_("尚有暗访未结束（未反馈），暂不能公开结果。"))
    plan.results_published_at = timezone.now()
    plan.save(update_fields=["results_published_at"])
    plan.draws.filter(published_at__isnull=True).update(published_at=plan.results_published_at)
    audit_record("action", actor=actor, obj=plan, summary="公开督查检查结果")
    event_emit("inspection.results_published", subject=plan, actor=actor, unit=plan.issuing_unit)
    return plan


@transaction.atomic
def plan_close(*, actor, plan: InspectionPlan, summary: str, closed_on: date | None = None,
               now: datetime | None = None) -> InspectionPlan:
    """完成: the office closes a plan whose visits are all closed (反馈), with a summary (总结).
    Open rectifications do not block it (each has its own clock, R13); they are recorded in the
    closing report as still open. A closed plan takes no new draws, visits or findings."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    now = now or timezone.now()
    today = local_date(now)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == InspectionPlan.Status.CLOSED:
        raise ValidationError(_("该计划已于 %(d)s 完成，不能重复办理。") % {"d": plan.closed_on})
    if plan.status != InspectionPlan.Status.APPROVED:
        raise ValidationError(_("只有已批准的计划可以完成（当前：%(s)s）。") % {"s": plan.get_status_display()})
    # visit_record locks the plan row too, so no visit is added while the plan closes.
    open_visits = plan.visits.filter(status=Visit.Status.OPEN).count()
    if open_visits:
        raise ValidationError(ngettext("本计划尚有 %(n)s 次检查未反馈，全部反馈后才能完成计划。",
                                       "本计划尚有 %(n)s 次检查未反馈，全部反馈后才能完成计划。", open_visits)
                              % {"n": open_visits})
    summary = (summary or "").strip()
    closed_on = closed_on or today
    errors = {}
    if not summary:
        errors["summary"] = _("请填写督查检查总结。")
    last_visit = plan.visits.order_by("-visited_on").values_list("visited_on", flat=True).first()
    if closed_on > today:
        errors["closed_on"] = _("完成日期不能晚于今天。")
    elif closed_on < plan.start_date:
        errors["closed_on"] = _("完成日期不能早于计划开始日期（%(d)s）。") % {"d": plan.start_date}
    elif last_visit and closed_on < last_visit:
        errors["closed_on"] = _("完成日期不能早于最后一次检查日期（%(d)s）。") % {"d": last_visit}
    if errors:
        raise ValidationError(errors)
    report = plan_report(plan)
    still_open = open_rectifications(report)
    plan.status, plan.closed_on, plan.closed_at, plan.closed_by = InspectionPlan.Status.CLOSED, closed_on, now, actor
    plan.closing_summary = summary
    plan.closing_report = {"total": report["total"], "counts": report["counts"], "rate": report["rate"],
                           "visits": report["visits"], "draws": report["draws"], "open": still_open}
    plan.save(update_fields=["status", "closed_on", "closed_at", "closed_by", "closing_summary", "closing_report"])
    audit_record("action", actor=actor, obj=plan, summary=f"督查检查计划完成：{plan.topic}",
                 before={"status": InspectionPlan.Status.APPROVED},
                 after={"status": plan.status, "closed_on": closed_on, "summary": summary,
                        "report": plan.closing_report})
    event_emit("inspection.plan_closed", subject=plan, actor=actor, unit=plan.issuing_unit, recipients=["leader"],
               message=summary, payload={"closed_on": closed_on.isoformat(), "total": report["total"],
                                         "open": len(still_open), "rate": report["rate"]})
    return plan


@transaction.atomic
def plan_assessment_record(*, actor, plan: InspectionPlan, assessor: str, report=None) -> InspectionPlan:
    """第三方评估: the office records the assessing organisation and its report (a PDF, checked
    by its content). Only for plans whose method is third-party assessment, once approved."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.method != Method.THIRD_PARTY:
        raise ValidationError(_("只有方式为“第三方评估”的计划可以登记评估机构和评估报告。"))
    if plan.status == InspectionPlan.Status.CLOSED:
        raise ValidationError(_("计划已完成，不能再登记评估报告。"))
    if plan.status != InspectionPlan.Status.APPROVED:
        raise ValidationError(_("计划经领导批准后才能登记评估报告。"))
    assessor = (assessor or "").strip()
    errors = {}
    if not assessor:
        errors["assessor"] = _("请填写第三方评估机构。")
    elif len(assessor) > 200:
        errors["assessor"] = _("评估机构名称不能超过 200 个字。")
    if report is None and not plan.assessment_report:
        errors["report"] = _("请上传评估报告（PDF）。")
    elif report is not None:
        try:
            report = upload_clean(report, allowed=PDF, what=_("评估报告"))
        except ValidationError as exc:
            errors["report"] = exc.messages
    if errors:
        raise ValidationError(errors)
    before = {"assessor": plan.assessor, "report": plan.assessment_report.name or None}
    plan.assessor, plan.assessment_recorded_at = assessor, timezone.now()
    if report is not None:  # parsed, under a random name: the uploaded name is not trusted
        plan.assessment_report.save(report.file.name, report.file, save=False)
        plan.assessment_report_name = report.original_name
    plan.save(update_fields=["assessor", "assessment_report", "assessment_report_name", "assessment_recorded_at"])
    after = {"assessor": plan.assessor, "report": plan.assessment_report.name}
    audit_record("update", actor=actor, obj=plan, summary=f"登记第三方评估：{assessor}", before=before, after=after)
    event_emit("inspection.assessment", subject=plan, actor=actor, unit=plan.issuing_unit, message=assessor)
    return plan


# --- pools and draws --------------------------------------------------------------------------


@transaction.atomic
def target_pool_create(*, actor, name: str, issuing_unit, units) -> TargetPool:
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    pool = TargetPool.objects.create(name=name, issuing_unit=issuing_unit)
    pool.units.set(list(units))
    audit_record("create", actor=actor, obj=pool, summary=f"建立检查对象库：{name}",
                 after={"units": sorted(u.pk for u in pool.units.all())})
    return pool


@transaction.atomic
def inspector_pool_create(*, actor, name: str, issuing_unit, members) -> InspectorPool:
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    pool = InspectorPool.objects.create(name=name, issuing_unit=issuing_unit)
    pool.members.set(list(members))
    audit_record("create", actor=actor, obj=pool, summary=f"建立检查人员库：{name}",
                 after={"members": sorted(u.pk for u in pool.members.all())})
    return pool


@transaction.atomic
def draw_make(*, actor, plan: InspectionPlan, target_pool: TargetPool, inspector_pool: InspectorPool,
              n_targets: int, per_target: int = 2, seed: int | None = None) -> Draw:
    """双随机 (R32): draw targets among the pool's units in the plan's scope, and a team of
    inspectors for each avoiding their own unit (回避). The seed is recorded and audited."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == InspectionPlan.Status.CLOSED:
        raise ValidationError(_("计划已完成，不能再抽取。"))
    if plan.status != InspectionPlan.Status.APPROVED:
        raise ValidationError(_("计划经领导批准后才能抽取。"))
    if n_targets > plan.sample_size:
        raise ValidationError({"n_targets": _("抽取对象数不能超过批准的抽查单位数（%(n)s）。") % {"n": plan.sample_size}})
    if seed is not None and not (0 <= int(seed) < 2**64):
        raise ValidationError({"seed": _("随机种子须为 0 到 2^64-1 之间的整数。")})
    seed = draws.new_seed() if seed is None else int(seed)
    in_scope = set(plan.units.values_list("pk", flat=True))
    targets = [u for u in target_pool.units.all() if u.pk in in_scope]
    pools = draws.snapshot(targets, inspector_pool.members.filter(is_active=True))
    try:
        result = draws.rerun(seed, pools, n_targets=n_targets, per_target=per_target)
    except draws.DrawError as exc:
        raise ValidationError(str(exc)) from None
    draw = Draw.objects.create(
        plan=plan, target_pool=target_pool, inspector_pool=inspector_pool, seed=seed, algorithm=draws.ALGORITHM,
        n_targets=n_targets, per_target=per_target, pools=pools,
        result=[{"target": t, "inspectors": team} for t, team in result], drawn_by=actor, drawn_at=timezone.now(),
    )
    DrawAssignment.objects.bulk_create([
        DrawAssignment(draw=draw, position=pos, target_id=t, inspector_id=i)
        for pos, (t, team) in enumerate(result, start=1) for i in team
    ])
    audit_record("action", actor=actor, obj=draw, summary=f"双随机抽取（种子 {seed}）",
                 after={"seed": str(seed), "algorithm": draws.ALGORITHM, "result": draw.result})
    # The inspectors drawn are told; the targets are not (an unannounced visit stays unannounced).
    inspectors = sorted({i for _t, team in result for i in team})
    event_emit("inspection.draw", subject=draw, actor=actor, unit=plan.issuing_unit,
               recipients=[f"user:{i}" for i in inspectors],
               message=_("您被随机抽取为“%(plan)s”的检查人员（随机种子 %(seed)s）。") % {"plan": plan.topic, "seed": seed},
               payload={"seed": str(seed), "result": draw.result})
    return draw


def draw_verify(draw: Draw) -> bool:
    """Re-run the draw from its recorded seed and snapshot; True when it gives the same result."""
    again = draws.rerun(int(draw.seed), draw.pools, n_targets=draw.n_targets, per_target=draw.per_target)
    return [{"target": t, "inspectors": team} for t, team in again] == draw.result


@transaction.atomic
def draw_publish(*, actor, draw: Draw) -> Draw:
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    targets = [row["target"] for row in draw.result]
    if draw.plan.visits.filter(kind=Method.UNANNOUNCED, status=Visit.Status.OPEN, unit_id__in=targets).exists():
        raise ValidationError(_("对抽中单位的暗访尚未结束，公开抽取结果会泄露暗访对象，请反馈后再公开。"))
    draw.published_at = timezone.now()
    draw.save(update_fields=["published_at"])
    audit_record("action", actor=actor, obj=draw, summary="公开双随机抽取结果")
    event_emit("inspection.draw_published", subject=draw, actor=actor, unit=draw.plan.issuing_unit)
    return draw


# --- visits -----------------------------------------------------------------------------------


@transaction.atomic
def visit_record(*, actor, plan: InspectionPlan, unit, kind: str, visited_on: date, place: str = "",
                 people_met: str = "", summary: str = "", inspectors=(), draw: Draw | None = None,
                 research: bool = False) -> Visit:
    """明查暗访 (R33). An unannounced visit notifies nobody in the unit and stays hidden from it."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    # Locked so the plan cannot close between this check and the new visit (plan_close).
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == InspectionPlan.Status.CLOSED:
        raise ValidationError(_("计划已完成，不能再记录检查。"))
    if plan.status != InspectionPlan.Status.APPROVED:
        raise ValidationError(_("计划经领导批准后才能开展检查。"))
    if not plan.units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("被检查单位不在本计划的检查范围内。")})
    if draw is not None and draw.plan_id != plan.pk:
        raise ValidationError({"draw": _("抽取记录不属于本计划。")})
    if visited_on > local_date(timezone.now()):
        raise ValidationError({"visited_on": _("检查日期不能晚于今天。")})
    visit = Visit.objects.create(plan=plan, draw=draw, unit=unit, kind=kind, visited_on=visited_on, place=place,
                                 people_met=people_met, summary=summary, recorded_by=actor, research=research)
    visit.inspectors.set(list(inspectors) or [actor])
    audit_record("create", actor=actor, obj=visit,
                 after=snapshot(visit, ["unit", "kind", "visited_on", "place", "research"]),
                 summary=f"{visit.get_kind_display()}记录：{unit}")
    # The event is filed under the office's unit while the visit is hidden, so the visited
    # unit's timelines and inboxes do not reveal it.
    event_emit("inspection.visit", subject=visit, actor=actor,
               unit=plan.issuing_unit if visit.hidden_from_unit else unit, message=str(visit))
    return visit


@transaction.atomic
def visit_photo_add(*, actor, visit: Visit, upload, caption: str = "") -> VisitPhoto:
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    try:
        cleaned = upload_clean(upload, allowed=IMAGES, what=_("照片"))  # re-encoded, under a random name
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from None
    photo = VisitPhoto.objects.create(visit=visit, image=cleaned.file, original_name=cleaned.original_name,
                                      content_type=cleaned.content_type,
                                      caption=caption, uploaded_by=actor)
    audit_record("create", actor=actor, obj=photo, summary=f"上传现场照片：{visit}")
    return photo


@transaction.atomic
def visit_close(*, actor, visit: Visit) -> Visit:
    """反馈: the visit is closed and shown to the unit; rectifications of its findings start."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status == Visit.Status.CLOSED:
        raise ValidationError(_("该检查已反馈。"))
    visit.status, visit.closed_at = Visit.Status.CLOSED, timezone.now()
    visit.save(update_fields=["status", "closed_at"])
    for finding in visit.findings.filter(rectification__isnull=True).order_by("id"):
        _finding_announce(finding, actor=actor)
    audit_record("action", actor=actor, obj=visit, summary=f"检查反馈：{visit}")
    event_emit("inspection.visit_closed", subject=visit, actor=actor, recipients=["head"], message=str(visit))
    return visit


# --- findings and rectification ---------------------------------------------------------------


def _start_moment(feedback_date: date) -> datetime:
    now = timezone.now()
    if feedback_date >= local_date(now):
        return now
    return datetime.combine(feedback_date, time(17, 0), tzinfo=SHANGHAI)


@transaction.atomic
def finding_record(*, actor, visit: Visit, title: str, rectify_target: str, rectify_days: int,
                   feedback_date: date | None = None, description: str = "", severity: str = Finding.Severity.GENERAL,
                   responsible=None, unit=None) -> Finding:
    """A finding; its rectification clock (R13) counts from the feedback date. For an open
    unannounced visit the rectification starts when the visit is closed."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    # Locked so the plan cannot close while its finding is being recorded (plan_close).
    if InspectionPlan.objects.select_for_update().values_list("status", flat=True).get(pk=visit.plan_id) == \
            InspectionPlan.Status.CLOSED:
        raise ValidationError(_("计划已完成，不能再登记问题。"))
    today = local_date(timezone.now())
    feedback_date = feedback_date or today
    if feedback_date > today:
        raise ValidationError({"feedback_date": _("反馈日期不能晚于今天。")})
    if feedback_date < visit.visited_on:
        raise ValidationError({"feedback_date": _("反馈日期不能早于检查日期。")})
    # R64 (2010 三(三)): every rectification names its goal, responsible party and deadline.
    if not (rectify_target or "").strip():
        raise ValidationError({"rectify_target": _("整改须明确整改目标。")})
    if rectify_days is None or not 1 <= rectify_days <= 365:
        raise ValidationError({"rectify_days": _("整改期限须在 1 到 365 天之间。")})
    unit = unit or visit.unit
    if responsible is not None and responsible.unit_id != unit.pk:
        raise ValidationError({"responsible": _("责任人须为整改单位的人员。")})
    finding = Finding.objects.create(
        visit=visit, plan=visit.plan, unit=unit, title=title, description=description, severity=severity,
        rectify_target=rectify_target.strip(), rectify_days=rectify_days, feedback_date=feedback_date,
        responsible=responsible, recorded_by=actor,
    )
    audit_record("create", actor=actor, obj=finding, after=snapshot(finding, ["title", "unit", "rectify_days"]),
                 summary=f"督查发现问题：{title}")
    if not visit.hidden_from_unit:
        _finding_announce(finding, actor=actor)
    return finding


def _finding_announce(finding: Finding, *, actor) -> Rectification:
    """The finding becomes known to its unit: the event the dashboards count, and the
    rectification with its clock. For an 暗访 visit this waits until the visit is closed."""
    event_emit("inspection.finding", subject=finding, actor=actor, unit=finding.unit, message=finding.title,
               payload={"plan_id": finding.plan_id, "severity": finding.severity, "unit_id": finding.unit_id})
    return _rectification_open(finding, actor=actor)


def _rectification_open(finding: Finding, *, actor) -> Rectification:
    rect = Rectification.objects.create(finding=finding, unit=finding.unit, owner=finding.responsible,
                                        target=finding.rectify_target)
    clocks.clock_start(rect, actor=actor, rule="rectification", limit=clocks.Limit(finding.rectify_days, "d"),
                       start=_start_moment(finding.feedback_date))
    audit_record("create", actor=actor, obj=rect, summary=f"交办整改：{finding.title}")
    event_emit("rectification.opened", subject=rect, actor=actor, recipients=["owner", "head"],
               message=_("请于 %(due)s 前完成整改：%(title)s") % {"due": clocks.format_due(rect.due_at),
                                                             "title": finding.title})
    return rect


@transaction.atomic
def finding_propose_accountability(*, actor, finding: Finding, reason: str) -> Finding:
    """Ask the accountability app to open a case (source "finding"); idempotent there."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明移送问责的理由。")})
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.accountability_proposed_at:
        raise ValidationError(_("该问题已移送问责。"))
    finding.accountability_proposed_at = timezone.now()
    finding.save(update_fields=["accountability_proposed_at"])
    event_emit("accountability.propose", subject=finding, actor=actor, unit=finding.unit,
               payload={"person_id": finding.responsible_id, "unit_id": finding.unit_id, "reason": reason.strip(),
                        "source": "finding"})
    audit_record("action", actor=actor, obj=finding, summary="督查发现问题移送问责", after={"reason": reason})
    return finding


RECTIFIERS_ONLY = gettext_lazy("只有整改单位的人员可以报告整改情况。")


@transaction.atomic
def rectification_measures_set(*, actor, rect: Rectification, measures: str, owner=None) -> Rectification:
    """整改方案 (R13): the unit files its measures and, if its head so decides, the responsible person."""
    require_role(actor, *UNIT_ROLES, unit=rect.unit_id, message=RECTIFIERS_ONLY)
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    if rect.status == Rectification.Status.VERIFIED:
        raise ValidationError(_("已验收的整改不能修改方案。"))
    if not measures.strip():
        raise ValidationError({"measures": _("请填写整改措施。")})
    if owner is None and rect.owner_id is None:
        # R64 (2010 三(三)): the plan names its responsible person (the unit's head names them).
        raise ValidationError({"owner": _("整改方案须明确责任人（由单位负责人指定）。")})
    fields = ["measures", "measures_at"]
    if owner is not None and owner.pk != rect.owner_id:
        require_role(actor, Role.HEAD, unit=rect.unit_id, message=_("只有单位负责人可以指定整改责任人。"))
        if owner.unit_id != rect.unit_id:
            raise ValidationError({"owner": _("责任人须为整改单位的人员。")})
        rect.owner = owner
        fields.append("owner")
    rect.measures, rect.measures_at = measures.strip(), timezone.now()
    rect.save(update_fields=fields)
    audit_record("update", actor=actor, obj=rect, summary="报送整改方案", after={"measures": rect.measures,
                                                                               "owner": rect.owner_id})
    event_emit("rectification.measures", subject=rect, actor=actor, recipients=["office"], message=rect.measures)
    return rect


@transaction.atomic
def rectification_report(*, actor, rect: Rectification, report: str, measures: str = "") -> Rectification:
    """The unit reports the rectification done; the clock pauses while the office checks."""
    require_role(actor, *UNIT_ROLES, unit=rect.unit_id, message=RECTIFIERS_ONLY)
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    if rect.status != Rectification.Status.OPEN:
        raise ValidationError(_("该整改事项当前不能报告（%(s)s）。") % {"s": rect.get_status_display()})
    if not report.strip():
        raise ValidationError({"report": _("请填写整改情况。")})
    if rect.owner_id is None:
        # R64: no rectification is reported done without a named responsible person.
        raise ValidationError(_("整改责任人尚未明确：请单位负责人在整改方案中指定责任人后再报告。"))
    rect.report, rect.reported_at, rect.status = report.strip(), timezone.now(), Rectification.Status.REPORTED
    if measures.strip():
        rect.measures = measures.strip()
    rect.save(update_fields=["report", "reported_at", "status", "measures"])
    clocks.clock_pause(rect, actor=actor, reason=PauseReason.OTHER, note=_("整改完成，待效能办验收"))
    audit_record("action", actor=actor, obj=rect, summary="报告整改情况", after={"report": rect.report})
    event_emit("rectification.reported", subject=rect, actor=actor, recipients=["office"], message=rect.report)
    return rect


@transaction.atomic
def rectification_verify(*, actor, rect: Rectification, note: str = "") -> Rectification:
    """验收: the office accepts the rectification; the clock closes (late if the due passed)."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    if rect.status != Rectification.Status.REPORTED:
        raise ValidationError(_("单位报告整改情况后才能验收。"))
    rect.status, rect.verified_by, rect.verified_at, rect.verify_note = (
        Rectification.Status.VERIFIED, actor, timezone.now(), note)
    rect.save(update_fields=["status", "verified_by", "verified_at", "verify_note"])
    clocks.clock_close(rect, actor=actor, message=note or _("整改验收通过"))
    audit_record("action", actor=actor, obj=rect, summary="整改验收通过", after={"note": note})
    event_emit("rectification.verified", subject=rect, actor=actor, recipients=["owner", "head"], message=note,
               payload={"late": rect.clock_state == "done_late", "plan_id": rect.finding.plan_id})
    return rect


@transaction.atomic
def rectification_return(*, actor, rect: Rectification, note: str) -> Rectification:
    """退回: not accepted; the unit rectifies further and the clock resumes."""
    require_role(actor, Role.OFFICE, message=OFFICE_ONLY)
    if not note.strip():
        raise ValidationError({"note": _("退回须说明理由。")})
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    if rect.status != Rectification.Status.REPORTED:
        raise ValidationError(_("只有待验收的整改可以退回。"))
    rect.status, rect.returns = Rectification.Status.OPEN, rect.returns + 1
    rect.save(update_fields=["status", "returns"])
    clocks.clock_resume(rect, actor=actor, note=note)
    audit_record("action", actor=actor, obj=rect, summary="整改验收未通过，退回", after={"note": note})
    event_emit("rectification.returned", subject=rect, actor=actor, recipients=["owner", "head"], message=note,
               payload={"plan_id": rect.finding.plan_id})
    return rect

