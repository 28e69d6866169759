"""Writes of the dashboards: the assessor's marks, the administrator's weights, and publishing
(freezing) a month's unit scorecards."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efficiency import permissions
from efficiency.audit import audit_record, snapshot
from efficiency.jobs import job_enqueue
from efficiency.events import event_emit
from efficiency.models import Role, Unit
from efficiency.workdays import local_date

from . import annual, rollups
from .models import (
    AnnualAssessment, AnnualParameter, AnnualReview, PersonAssessment, PublishJob, ScorecardPublication, ScoreWeight,
    UnitMonthScore,
)
from .periods import month_after
from .scoring import publication_of, scores_lock, scores_store, stored_months, weights


def person_assess(*, actor, user, month: date, de: int, neng: int, qin: int, lian: int,
                  note: str = "") -> PersonAssessment:
    """Record 德、能、勤、廉 for one person and month (R37); 绩 comes from the data."""
    for name, value in ((_("德"), de), (_("能"), neng), (_("勤"), qin), (_("廉"), lian)):
        if not 0 <= int(value) <= 100:
            raise ValidationError(_("%(name)s 的分数应在 0 到 100 之间。") % {"name": name})
    with transaction.atomic():
        obj, created = PersonAssessment.objects.select_for_update().get_or_create(
            user=user, month=month.replace(day=1), defaults={"assessor": actor})
        before = None if created else snapshot(obj)
        obj.de, obj.neng, obj.qin, obj.lian, obj.note, obj.assessor = de, neng, qin, lian, note, actor
        obj.save()
        audit_record("person_assess", actor=actor, obj=obj, summary=f"个人考评 {user} {month:%Y-%m}",
                     before=before, after=snapshot(obj))
    return obj


def weight_set(*, actor, component: str, weight: int, penalty: int = 10) -> ScoreWeight:
    if component not in ScoreWeight.Component.values:
        raise ValidationError(_("未知的考评项。"))
    with transaction.atomic():
        obj, _created = ScoreWeight.objects.update_or_create(
            component=component, defaults={"weight": weight, "penalty": penalty})
        audit_record("score_weight_set", actor=actor, obj=obj, summary=f"考评权重 {component}={weight}",
                     after=snapshot(obj))
        # The stored ranking follows the new weights (R37); published months stay as published.
        scores_store(stored_months())
    return obj


def _month_text(month: date) -> str:
    return f"{month:%Y-%m}"


def _publish_check(actor, month: date, now: datetime) -> None:
    permissions.require_role(actor, Role.OFFICE, message=_("只有效能办可以发布月度考评。"))
    if month >= local_date(now).replace(day=1):
        raise ValidationError(_("只能发布已经结束的月份，%(m)s 尚未结束。") % {"m": _month_text(month)})
    if publication_of(month) is not None:
        raise ValidationError(_("%(m)s 的月度考评已经发布。") % {"m": _month_text(month)})


def month_publish(*, actor, month: date, now: datetime | None = None, reroll: bool = True) -> ScorecardPublication:
    """发布月度考评: freeze a finished month's unit scores and ranking (R37).

    The month's last day is rolled up again from the raw data first (late closes and cards
    of its last minutes; `reroll=False` when the caller has just done it), then the month is
    scored with today's weights and frozen: from now on the rollup task and a weight change
    leave its stored scores alone."""
    now = now or timezone.now()
    month = month.replace(day=1)
    _publish_check(actor, month, now)
    with transaction.atomic():
        scores_lock()  # no rollup or weight change re-scores the month while it is being frozen
        _publish_check(actor, month, now)  # again under the lock: two publishers, one wins
        last_day = month_after(month) - timedelta(days=1)
        if reroll:
            rollups.rollup_days(last_day, last_day)  # also stores the month's scores
        else:
            scores_store([month])
        w = weights()
        pub = ScorecardPublication.objects.create(
            month=month, published_at=now, published_by=actor, weights={c: list(v) for c, v in w.items()},
            unit_count=UnitMonthScore.objects.filter(month=month).count())
        audit_record("action", actor=actor, obj=pub, summary=f"发布月度考评 {_month_text(month)}",
                     after=snapshot(pub))
        event_emit("scorecards.published", subject=pub, actor=actor, at=now, recipients=["leader", "office"],
                   message=_("%(m)s 单位绩效考评已发布，共 %(n)s 个单位。") % {
                       "m": _month_text(month), "n": pub.unit_count},
                   payload={"month": _month_text(month), "unit_count": pub.unit_count})
    return pub


def month_reopen(*, actor, month: date, reason: str, now: datetime | None = None) -> ScorecardPublication:
    """Re-open a published month (the system administrator, with a reason): its scores follow
    the rollups and the weights again, and it may be published again."""
    permissions.require_role(actor, Role.SYSTEM_ADMIN, message=_("只有系统管理员可以重新开放已发布的月度考评。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写重新开放的理由。"))
    now = now or timezone.now()
    month = month.replace(day=1)
    with transaction.atomic():
        scores_lock()
        pub = ScorecardPublication.objects.select_for_update().filter(month=month, reopened_at__isnull=True).first()
        if pub is None:
            raise ValidationError(_("%(m)s 的月度考评尚未发布，无需重新开放。") % {"m": _month_text(month)})
        before = snapshot(pub)
        pub.reopened_at, pub.reopened_by, pub.reopen_reason = now, actor, reason
        pub.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
        scores_store([month])  # re-scored from the rollups as they are now, with today's weights
        audit_record("action", actor=actor, obj=pub, summary=f"重新开放月度考评 {_month_text(month)}",
                     before=before, after=snapshot(pub))
        event_emit("scorecards.reopened", subject=pub, actor=actor, at=now, recipients=["leader", "office"],
                   message=_("%(m)s 单位绩效考评已重新开放，理由：%(r)s") % {"m": _month_text(month), "r": reason},
                   payload={"month": _month_text(month), "reason": reason})
    return pub


def publish_request(*, actor, month: date, now: datetime | None = None) -> PublishJob:
    """Ask for a month to be published in the background (the Celery task
    `dashboards.publish_month` does `month_publish` step by step and records its progress on
    the job, which the page polls). Refused at once, with the same messages, when publishing
    would be refused."""
    now = now or timezone.now()
    month = month.replace(day=1)
    _publish_check(actor, month, now)
    with transaction.atomic():
        job = PublishJob.objects.create(month=month, requested_by=actor, requested_at=now,
                                        message=_("等待后台任务开始……"))
        audit_record("action", actor=actor, obj=job, summary=f"申请发布月度考评 {_month_text(month)}",
                     after=snapshot(job))
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    # Named, not imported: `tasks` sits above this module (it calls `publish_run`).
    job_enqueue(PublishJob, job_id, "dashboards.publish_month")


def _job_step(job: PublishJob, step: int, message: str, **fields) -> None:
    """Record a step of the job in its own short transaction, so the page sees it at once."""
    PublishJob.objects.filter(pk=job.pk).update(step=step, message=message, **fields)


def publish_run(job_id: int, *, now: datetime | None = None) -> PublishJob:
    """The worker's side of `publish_request`: 1. roll up the month's last day again, 2. score
    and freeze the month (`month_publish`), 3. done; each step recorded on the job."""
    job = PublishJob.objects.select_related("requested_by").get(pk=job_id)
    if job.state != PublishJob.State.QUEUED:
        return job  # run already (a task delivered twice)
    month = job.month
    _job_step(job, 0, _("正在重算 %(m)s 月末汇总……") % {"m": _month_text(month)}, state=PublishJob.State.RUNNING)
    try:
        last_day = month_after(month) - timedelta(days=1)
        rollups.rollup_days(last_day, last_day)
        _job_step(job, 1, _("正在计算并固定 %(m)s 的得分和名次……") % {"m": _month_text(month)})
        pub = month_publish(actor=job.requested_by, month=month, now=now, reroll=False)
    except ValidationError as exc:
        _job_step(job, job.step, "；".join(exc.messages), state=PublishJob.State.FAILED, finished_at=timezone.now())
    else:
        _job_step(job, 3, _("已发布 %(m)s 月度考评，共 %(n)s 个单位。") % {"m": _month_text(month), "n": pub.unit_count},
                  state=PublishJob.State.DONE, publication=pub, finished_at=timezone.now())
    job.refresh_from_db()
    return job


# --- 年终考核 and 年度目标责任制考核 (R47, R48) ---------------------------------------------------

FIRST_YEAR = 2000


def _year_check(year, now: datetime) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("请填写年度（四位数字）。")}) from None
    if not FIRST_YEAR <= year <= local_date(now).year:
        raise ValidationError({"year": _("年度须在 %(a)s 到 %(b)s 之间。") % {"a": FIRST_YEAR, "b": local_date(now).year}})
    return year


def _annual_store(year: int, *, actor, now: datetime, unit_ids=None) -> list[AnnualAssessment]:
    p = annual.parameters()
    provisional = annual.is_provisional(year, now)
    rows = [AnnualAssessment(unit_id=r.unit_id, year=year, computed_at=now, computed_by=actor,
                             **r.compute(p, provisional))
            for r in annual.year_records(year, today=local_date(now), unit_ids=unit_ids)]
    # One upsert per batch, not a statement per unit (5,000 units at the scale of a province).
    fields = [f.name for f in AnnualAssessment._meta.concrete_fields if f.name not in ("id", "unit", "year")]
    AnnualAssessment.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                         unique_fields=["unit", "year"], update_fields=fields)
    return list(AnnualAssessment.objects.filter(year=year, unit_id__in=[r.unit_id for r in rows])
                .select_related("unit"))


def annual_assess(*, actor, year, now: datetime | None = None) -> list[AnnualAssessment]:
    """年终考核 / 年度目标责任制考核 (R47, R48): compute and store every unit's year from its monthly
    scorecards, its liability incidents and the entered reviews. The efficiency office runs it;
    a year not yet ended gives a provisional result, and running it again replaces the rows
    (the old values stay in the audit log)."""
    permissions.require_role(actor, Role.OFFICE, message=_("只有效能办可以进行年度考核。"))
    now = now or timezone.now()
    year = _year_check(year, now)
    with transaction.atomic():
        before = {a.unit_id: (a.total, a.grade) for a in AnnualAssessment.objects.filter(year=year)}
        rows = _annual_store(year, actor=actor, now=now)
        audit_record("action", actor=actor, object_type="dashboards.annualassessment", object_id=str(year),
                     summary=f"年度考核 {year}：{len(rows)} 个单位",
                     before={str(k): list(v) for k, v in before.items()} or None,
                     after={str(a.unit_id): [a.total, a.grade] for a in rows})
    return rows


def annual_review_enter(*, actor, unit: Unit, year, kind: str, score, evidence: str,
                        respondents=None, now: datetime | None = None) -> AnnualReview:
    """R48: the office enters a unit's 行政执法评议考核 or public questionnaire result for a year,
    with the evidence it rests on; a stored annual assessment of the unit is recomputed at once."""
    permissions.require_role(actor, Role.OFFICE, message=_("年度执法评议和问卷结果由效能办录入。"))
    now = now or timezone.now()
    year = _year_check(year, now)
    errors = {}
    if kind not in AnnualReview.Kind.values:
        errors["kind"] = _("请选择行政执法评议考核或群众问卷调查。")
    try:
        score = float(score)
        if not 0 <= score <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors["score"] = _("得分须为 0 到 100 之间的数字。")
    if not (evidence or "").strip():
        errors["evidence"] = _("请写明依据材料（评议考核报告、问卷汇总表等）。")
    if kind == AnnualReview.Kind.QUESTIONNAIRE:
        try:
            respondents = int(respondents)
            if respondents < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors["respondents"] = _("请填写有效问卷数（至少 1 份）。")
    else:
        respondents = None
    if unit.kind == Unit.Kind.OFFICE or not unit.is_active:
        errors["unit"] = _("该单位不参加年度考核。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = AnnualReview.objects.select_for_update().filter(unit=unit, year=year, kind=kind).first()
        before = snapshot(old) if old else None
        review, _created = AnnualReview.objects.update_or_create(
            unit=unit, year=year, kind=kind, defaults={
                "score": score, "respondents": respondents, "evidence": evidence.strip(),
                "entered_by": actor, "entered_at": now})
        audit_record("update" if old else "create", actor=actor, obj=review,
                     summary=f"{review.get_kind_display()} {unit.name} {year}：{score}",
                     before=before, after=snapshot(review))
        if AnnualAssessment.objects.filter(unit=unit, year=year).exists():
            _annual_store(year, actor=actor, now=now, unit_ids=[unit.pk])
    return review


def annual_parameter_check(code: str, value) -> int:
    """The value if it may be set: weights, deductions and grade lines 0–100, 优秀 ≥ 良好 ≥ 合格,
    and the efficiency weight above 0 (R47: the main basis); else ValidationError."""
    if code not in AnnualParameter.Code.values:
        raise ValidationError({"code": _("未知的年度考核参数。")})
    try:
        value = int(value)
        if not 0 <= value <= 100:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"value": _("数值须为 0 到 100 的整数。")}) from None
    p = {**annual.parameters(), code: value}
    P = AnnualParameter.Code
    if not p[P.GRADE_EXCELLENT] >= p[P.GRADE_GOOD] >= p[P.GRADE_PASS]:
        raise ValidationError({"value": _("等次分数线须满足 优秀 ≥ 良好 ≥ 合格。")})
    if not p[P.WEIGHT_EFFICIENCY] > 0:
        raise ValidationError({"value": _("作风效能（年终考核结果）的权重须大于 0：它是年度考核的主要依据。")})
    return value


def annual_parameter_set(*, actor, code: str, value) -> AnnualParameter:
    """Set one of the annual assessment's local defaults (the system administrator)."""
    permissions.require_role(actor, Role.SYSTEM_ADMIN, message=_("年度考核参数由系统管理员设置。"))
    value = annual_parameter_check(code, value)
    with transaction.atomic():
        old = AnnualParameter.objects.filter(code=code).first()
        obj, _created = AnnualParameter.objects.update_or_create(code=code, defaults={"value": value})
        audit_record("update", actor=actor, obj=obj, summary=f"年度考核参数 {code}={value}",
                     before={"value": old.value if old else annual.DEFAULTS[code]}, after={"value": value})
    return obj
