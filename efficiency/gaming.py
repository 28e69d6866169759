"""Gaming detection (issue 18, part 1): the contract between the core and the detectors.

A detector (`efficiency.registry.register_gaming_detector`) hands the core one SELECT that
returns `FINDING_COLUMNS` — set-based over the event log and the items' tables, never a loop per
item:

- `subject_type` text: the item's `_meta.label_lower` (as `Event.subject_type`);
- `subject_id` bigint: the item's pk;
- `unit_id` bigint: the unit the finding counts against;
- `key` text: the finding's identity, stable from one run to the next (the same matter gives the
  same key, so a re-run updates a finding instead of adding one, and a dismissed finding stays
  dismissed);
- `figures` jsonb: the numbers that show the pattern (the thresholds they broke included);
- `event_ids` bigint[]: the events that prove it (may be empty when the proof is the item's own
  columns; then `figures` names them).

The statement may use the CTE `wd(d date, n int)` given by `workday_cte(start, end)`: every
calendar date in the range with its working-day ordinal on the Chinese calendar (调休 included; a
non-working day carries the ordinal of the working day before it), so "more than one working day
later" is `wd_b.n - wd_a.n > 1`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import workdays

log = logging.getLogger(__name__)

FINDING_COLUMNS = ("subject_type", "subject_id", "unit_id", "key", "figures", "event_ids")


def workday_cte(start: date, end: date) -> tuple[str, list]:
    """`wd AS (…)`: the dates in [start, end] with their working-day ordinals (one array pair
    as parameters, no table)."""
    days, ordinals = [], []
    d = start
    n = 0
    while d <= end:
        if workdays.is_workday(d):
            n += 1
        days.append(d)
        ordinals.append(n)
        d += timedelta(days=1)
    return "wd AS (SELECT * FROM unnest(%s::date[], %s::int[]) AS wd(d, n))", [days, ordinals]


# --- the office's thresholds (GamingRule rows over the registered defaults) -------------------

SHANGHAI = "Asia/Shanghai"
# The days `wd` covers around the window: detectors look back (a year of extensions) and ahead
# (due dates after the window's last pause).
WD_BEFORE, WD_AFTER = 400, 31
# The nightly run's window (本地默认, 种子未规定): the last N days, so a finding whose evidence
# builds up over weeks (3 late pauses of a unit) is seen as a whole.
NIGHTLY_DAYS = 90


class ThresholdError(ValueError):
    pass


def threshold_values(det, stored: dict | None) -> dict:
    """The pattern's thresholds: the office's values over the registered defaults; a stored name
    no longer registered, or of the wrong type, is ignored (the default holds)."""
    out = {}
    for name, (default, _label) in det.thresholds.items():
        value = (stored or {}).get(name, default)
        out[name] = value if _same_type(value, default) else default
    return out


def _same_type(value, default) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(default))


def thresholds_clean(det, values: dict) -> dict:
    """Check the office's values against the registered names and types; raises ThresholdError."""
    unknown = set(values) - set(det.thresholds)
    if unknown:
        raise ThresholdError(_("未知的阈值：%(names)s") % {"names": "、".join(sorted(unknown))})
    out = {}
    for name, value in values.items():
        default = det.thresholds[name][0]
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not _same_type(value, default):
            raise ThresholdError(_("阈值“%(label)s”的类型不对。") % {"label": det.thresholds[name][1]})
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ThresholdError(_("阈值“%(label)s”不能为负数。") % {"label": det.thresholds[name][1]})
        out[name] = value
    return out


def rules_ensure() -> dict:
    """{code: GamingRule} for every registered detector, creating the missing rows (defaults)."""
    from .models import GamingRule
    from .registry import gaming_detectors

    codes = [d.code for d in gaming_detectors()]
    rows = {r.code: r for r in GamingRule.objects.filter(code__in=codes)}
    missing = [GamingRule(code=c, thresholds={}) for c in codes if c not in rows]
    if missing:
        GamingRule.objects.bulk_create(missing, ignore_conflicts=True)
        rows = {r.code: r for r in GamingRule.objects.filter(code__in=codes)}
    return rows


def rule_update(code: str, *, actor, is_active: bool, thresholds: dict, request=None):
    """The office edits a pattern's switch and thresholds (audited with before and after)."""
    from .audit import audit_record
    from .models import GamingRule
    from .permissions import is_office, refuse

    if not is_office(actor):
        refuse(_("只有效能办可以修改规避时限识别规则。"))
    from .registry import gaming_detector

    det = gaming_detector(code)
    if det is None:
        raise Http404
    clean = thresholds_clean(det, thresholds)
    with transaction.atomic():
        rules_ensure()
        rule = GamingRule.objects.select_for_update().get(code=code)
        before = {"is_active": rule.is_active, "thresholds": threshold_values(det, rule.thresholds)}
        rule.is_active, rule.thresholds = is_active, clean
        rule.updated_by, rule.updated_at = actor, timezone.now()
        rule.save()
        audit_record("update", actor=actor, obj=rule, request=request, summary=f"修改规避时限识别规则 {code}"[:255],
                     before=before, after={"is_active": is_active, "thresholds": threshold_values(det, clean)})
    return rule


def local_defaults() -> list[dict]:
    """The rules page's rows (本地默认, 种子未规定): every threshold with its current value."""
    from .registry import gaming_detectors

    rules = rules_ensure()
    rows = []
    for det in gaming_detectors():
        current = threshold_values(det, rules[det.code].thresholds if det.code in rules else {})
        active = rules[det.code].is_active if det.code in rules else True
        for name, (default, label) in det.thresholds.items():
            rows.append({"code": f"gaming.{det.code}.{name}",
                         "name": f"{det.label}：{label}" + ("" if active else str(_("（已停用）"))),
                         "value": current[name], "default": default, "rule_ids": ""})
    rows.append({"code": "gaming.nightly_days", "name": str(_("规避时限识别：每晚识别最近天数")),
                 "value": NIGHTLY_DAYS, "default": NIGHTLY_DAYS, "rule_ids": ""})
    return rows


# --- the runner -----------------------------------------------------------------------------


def _moment(value) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, ZoneInfo(SHANGHAI))


def found_cte(det, values: dict, start, end) -> tuple[str, list]:
    """`WITH wd AS (…), found AS (<the detector's SELECT>)` for evidence in [start, end) (dates:
    Shanghai days, or aware datetimes) and the thresholds `values`, with its parameters: the head
    of the runner's statement (and of the tests' and the bench's, so all three run the same SQL)."""
    start_at, end_at = _moment(start), _moment(end)
    wd_sql, wd_params = workday_cte(start_at.astimezone(ZoneInfo(SHANGHAI)).date() - timedelta(days=WD_BEFORE),
                                    end_at.astimezone(ZoneInfo(SHANGHAI)).date() + timedelta(days=WD_AFTER))
    sql, params = det.sql(values, start_at, end_at)
    return f"WITH {wd_sql}, found AS ({sql})", [*wd_params, *params]


def detect(start, end, *, codes=None, now: datetime | None = None) -> dict[str, dict]:
    """Run the active detectors over evidence in [start, end) (dates: Shanghai days, or aware
    datetimes). Per detector ONE statement: its SELECT under `wd`, upserted into the findings on
    (pattern, key) — an open finding takes the new figures and evidence, a confirmed or
    dismissed one stays as decided (only `last_seen_at` moves). Returns {code: {"found": n,
    "new": m}}; a pattern with new findings writes one `gaming.found` event (a summary)."""
    from .events import event_emit
    from .registry import gaming_detectors

    now = now or timezone.now()
    start_at, end_at = _moment(start), _moment(end)
    rules = rules_ensure()
    out: dict[str, dict] = {}
    for det in gaming_detectors():
        if codes is not None and det.code not in codes:
            continue
        rule = rules.get(det.code)
        if rule is not None and not rule.is_active:
            continue
        head, params = found_cte(det, threshold_values(det, rule.thresholds if rule else {}), start_at, end_at)
        cols = ", ".join(FINDING_COLUMNS)
        statement = f"""
            {head},
            one AS (SELECT DISTINCT ON (key) {cols} FROM found WHERE key IS NOT NULL ORDER BY key, subject_id),
            up AS (
                INSERT INTO efficiency_gamingfinding AS g (pattern, subject_type, subject_id, unit_id, key, figures,
                    event_ids, status, reason, first_seen_at, last_seen_at)
                SELECT %s, one.subject_type, one.subject_id, one.unit_id, one.key, coalesce(one.figures, '{{}}'::jsonb),
                       coalesce(one.event_ids, '{{}}'::bigint[]), 'open', '', %s, %s
                FROM one
                ON CONFLICT (pattern, key) DO UPDATE SET
                    figures = CASE WHEN g.status = 'open' THEN EXCLUDED.figures ELSE g.figures END,
                    event_ids = CASE WHEN g.status = 'open' THEN EXCLUDED.event_ids ELSE g.event_ids END,
                    unit_id = CASE WHEN g.status = 'open' THEN EXCLUDED.unit_id ELSE g.unit_id END,
                    last_seen_at = EXCLUDED.last_seen_at
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*), count(*) FILTER (WHERE inserted) FROM up"""
        with transaction.atomic(), connection.cursor() as cursor:
            # No JIT: the union over every clock model plans at a cost far above the JIT's thresholds
            # and compiling it took 19 of 20 s at 200,000 items (docs/gaming.md); the statement runs
            # in a fraction of a second without it.
            cursor.execute("SET LOCAL jit = off; " + statement, [*params, det.code, now, now])
            found, new = cursor.fetchone()
            if new and rule is not None:
                event_emit("gaming.found", subject=rule, at=now, unit=None,
                           message=_("识别出%(n)s条新的“%(label)s”线索") % {"n": new, "label": det.label},
                           payload={"pattern": det.code, "found": found, "new": new,
                                    "start": start_at.isoformat(), "end": end_at.isoformat()})
        out[det.code] = {"found": found, "new": new}
    return out


def detect_nightly(*, now: datetime | None = None) -> dict:
    """The beat's run: the last NIGHTLY_DAYS days up to today (inclusive)."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(SHANGHAI)).date()
    return detect(today - timedelta(days=NIGHTLY_DAYS), today + timedelta(days=1), now=now)


# --- the office's decisions and runs -------------------------------------------------------


def finding_for(actor, pk, *, read: bool = False, lock: bool = False):
    """The finding for the office (and, with `read`, a leader: leaders read, never decide — 403);
    anyone else: 403 for a finding about their own unit, 404 otherwise (its existence does not
    leak)."""
    from .models import GamingFinding
    from .permissions import is_leader, is_office, refuse

    qs = GamingFinding.objects.select_for_update() if lock else GamingFinding.objects
    finding = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if finding is None:
        raise Http404
    if is_office(actor) or (read and is_leader(actor)):
        return finding
    if is_leader(actor) or (finding.unit_id and getattr(actor, "unit_id", None) == finding.unit_id):
        refuse(_("只有效能办可以核实规避时限线索。"))
    raise Http404


def finding_confirm(pk, *, actor, reason: str = "", request=None):
    """确认: the finding counts in its unit's scorecard (the `gaming.confirmed` event is counted
    per unit and day by the rollups). Audited."""
    return _decide(pk, actor=actor, status="confirmed", reason=reason, request=request)


def finding_dismiss(pk, *, actor, reason: str, request=None):
    """排除, with a reason (required): it never counts. Audited."""
    if not reason or not reason.strip():
        raise ThresholdError(_("排除线索必须说明理由。"))
    return _decide(pk, actor=actor, status="dismissed", reason=reason, request=request)


def _decide(pk, *, actor, status: str, reason: str, request=None):
    from .audit import audit_record
    from .events import event_emit
    from .models import GamingFinding

    with transaction.atomic():
        finding = finding_for(actor, pk, lock=True)
        if finding.status != GamingFinding.Status.OPEN:
            raise ThresholdError(_("该线索已核实，不能再次处理。"))
        now = timezone.now()
        finding.status, finding.reason = status, (reason or "").strip()
        finding.decided_by, finding.decided_at = actor, now
        finding.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        said = dict(subject=finding, actor=actor, at=now, unit=finding.unit_id, message=finding.reason,
                    payload={"pattern": finding.pattern, "subject_type": finding.subject_type,
                             "subject_id": finding.subject_id})
        # The confirmation is counted per unit and day (dashboards' rollups): the scorecard's deduction.
        if status == "confirmed":
            event_emit("gaming.confirmed", **said)
        else:
            event_emit("gaming.dismissed", **said)
        audit_record("action", actor=actor, obj=finding, request=request,
                     summary=f"{'确认' if status == 'confirmed' else '排除'}规避时限线索 {finding.pattern} "
                             f"{finding.subject_type}#{finding.subject_id}"[:255],
                     before={"status": "open"}, after={"status": status, "reason": finding.reason})
    return finding


def run_request(*, actor, start: date, end: date, request=None):
    """The office asks for a run now (the list's button): a job, audited, its task queued on commit."""
    from .audit import audit_record
    from .jobs import job_enqueue
    from .models import GamingRun
    from .permissions import is_office, refuse

    if not is_office(actor):
        refuse(_("只有效能办可以发起规避时限识别。"))
    if start >= end:
        raise ThresholdError(_("起始日期须早于截止日期。"))
    with transaction.atomic():
        job = GamingRun.objects.create(requested_by=actor, requested_at=timezone.now(), start=start, end=end,
                                       message=_("等待后台任务开始……"))
        audit_record("action", actor=actor, obj=job, request=request,
                     summary=f"发起规避时限识别 {start}—{end}"[:255])
        transaction.on_commit(lambda: job_enqueue(GamingRun, job.pk, "efficiency.gaming_run"))
    return job


def run_job(job_id: int, *, now: datetime | None = None):
    """The worker's side of `run_request`: claim the job once, detect over its window."""
    from .models import GamingRun

    claimed = GamingRun.objects.filter(pk=job_id, state=GamingRun.State.QUEUED).update(
        state=GamingRun.State.RUNNING, message=_("正在识别……"))
    if not claimed:
        return GamingRun.objects.filter(pk=job_id).first()
    job = GamingRun.objects.get(pk=job_id)
    try:
        result = detect(job.start, job.end + timedelta(days=1), now=now)
    except Exception:  # noqa: BLE001 - recorded on the job for the page
        log.exception("gaming run %s failed", job_id)
        GamingRun.objects.filter(pk=job_id).update(state=GamingRun.State.FAILED, finished_at=timezone.now(),
                                                   message=_("识别失败，请稍后重试。"))
    else:
        found = sum(r["found"] for r in result.values())
        new = sum(r["new"] for r in result.values())
        GamingRun.objects.filter(pk=job_id).update(
            state=GamingRun.State.DONE, finished_at=timezone.now(), result=result,
            message=_("识别完成：共 %(found)s 条线索，其中新增 %(new)s 条。") % {"found": found, "new": new})
    return GamingRun.objects.get(pk=job_id)
