"""Gaming detectors of the approvals (issue 18): each one SELECT over the applications, their
ratings and the event log, giving `efficiency.gaming.FINDING_COLUMNS` for the evidence in
[start, end). Registered in `ApprovalsConfig.ready`; the core's runner wraps each into its
INSERT … ON CONFLICT (key). The thresholds are local defaults (本地默认, 种子未规定), editable by
the office; docs/gaming.md ("The apps' detectors").

- intake_lag (体外循环): the materials arrived (`submitted_at`: an online submission, the
  window's receipt) more than N working days before the intake was logged (`received_at`, where
  the clock starts).
- resubmit_restart (退回重报): a matter (same applicant id number, same item) refused, withdrawn
  or sent back for materials, then filed again within D days: a new clock for the same matter.
- split_matter (拆分办件): K or more applications of one applicant for one item taken in by one
  unit on one day.
- rating_burst (集中好评): N or more 好评 from one phone or one device within H hours.
- rating_by_staff (工作人员代评): a 好评 entered by a signed-in staff member of the rated unit.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from efficiency.gaming_evidence import burst_sql
from efficiency.registry import register_gaming_detector

from .models import RESTARTABLE

APP = "approvals.application"
TZ = "Asia/Shanghai"
GOOD = 4  # Score.GOOD: 满意 and 非常满意 are 好评
ENDED = tuple(str(s) for s in RESTARTABLE)  # 不予受理, 撤回, 不予许可, 一次性告知后另行申报


def _events(subject: str, kinds: tuple[str, ...]) -> str:
    """An array of the events of kinds `kinds` of the application whose id is `subject`."""
    listed = ", ".join(f"'{k}'" for k in kinds)
    return (f"ARRAY(SELECT e.id FROM efficiency_event e WHERE e.subject_type = '{APP}' "
            f"AND e.subject_id = {subject} AND e.kind IN ({listed}) ORDER BY e.id)")


def intake_lag_sql(th, start, end):
    sql = f"""
        SELECT '{APP}'::text AS subject_type, a.id::bigint AS subject_id,
               COALESCE(a.intake_unit_id, a.unit_id)::bigint AS unit_id,
               'intake_lag:{APP}:' || a.id AS key,
               jsonb_build_object('arrival', a.submitted_at, 'recorded_start', a.received_at,
                                  'clock_start', a.clock_start, 'working_days', wr.n - ws.n,
                                  'threshold_days', %s::int, 'unit_id', a.unit_id,
                                  'intake_unit_id', a.intake_unit_id) AS figures,
               {_events('a.id', ('clock.started', 'approvals.accepted'))}::bigint[] AS event_ids
        FROM approvals_application a
        JOIN wd ws ON ws.d = (a.submitted_at AT TIME ZONE '{TZ}')::date
        JOIN wd wr ON wr.d = (a.received_at AT TIME ZONE '{TZ}')::date
        WHERE a.received_at >= %s AND a.received_at < %s
          -- necessary for more than N working days between the dates: cheap, before the joins
          AND a.submitted_at < a.received_at - %s::int * interval '1 day'
          AND wr.n - ws.n > %s::int"""
    return sql, [th["working_days"], start, end, th["working_days"], th["working_days"]]


def resubmit_restart_sql(th, start, end):
    # Driven by the few ended applications (the partial index appr_app_ended), each joined to
    # the first filing of the same matter after it (appr_app_matter), not by every application.
    ended = ", ".join(f"'{s}'" for s in ENDED)
    sql = f"""
        SELECT '{APP}'::text AS subject_type, b.id::bigint AS subject_id, b.unit_id::bigint AS unit_id,
               'resubmit_restart:' || a.id || ':' || b.id AS key,
               jsonb_build_object('first_id', a.id, 'first_status', a.status,
                                  'first_start', COALESCE(a.clock_start, a.received_at),
                                  'first_ended', a.ended, 'second_id', b.id,
                                  'second_start', COALESCE(b.clock_start, b.received_at),
                                  'days_between', round(extract(epoch FROM b.received_at - a.ended) / 86400.0, 1),
                                  'days_given_back', wb.n - wa.n, 'threshold_days', %s::int) AS figures,
               ({_events('a.id', ('clock.started', 'approvals.not_accepted', 'approvals.decided',
                                  'approvals.notice_issued'))}
                || {_events('b.id', ('clock.started',))})::bigint[] AS event_ids
        FROM (SELECT p.*, COALESCE(p.decided_at, p.notice_issued_at) AS ended
              FROM approvals_application p
              WHERE p.status IN ({ended})
                AND COALESCE(p.decided_at, p.notice_issued_at) >= %s::timestamptz - %s::int * interval '1 day'
                AND COALESCE(p.decided_at, p.notice_issued_at) < %s) a
        JOIN LATERAL (
            SELECT n.* FROM approvals_application n
            WHERE n.applicant_id_number = a.applicant_id_number AND n.item_id = a.item_id
              AND n.received_at >= a.ended AND n.received_at < a.ended + %s::int * interval '1 day'
              AND n.id <> a.id
            ORDER BY n.received_at LIMIT 1
        ) b ON TRUE
        JOIN wd wa ON wa.d = (COALESCE(a.clock_start, a.received_at) AT TIME ZONE '{TZ}')::date
        JOIN wd wb ON wb.d = (COALESCE(b.clock_start, b.received_at) AT TIME ZONE '{TZ}')::date
        WHERE b.received_at >= %s AND b.received_at < %s"""
    return sql, [th["days"], start, th["days"], end, th["days"], start, end]


def split_matter_sql(th, start, end):
    # Candidates from the index appr_app_matter in its own order (no sort of the year): a
    # filing whose (K−1)th earlier filing of the same matter fell on the same local day.
    sql = f"""
        SELECT '{APP}'::text AS subject_type, g.ids[1]::bigint AS subject_id, g.unit_id::bigint AS unit_id,
               'split_matter:' || g.ids[1] AS key,
               jsonb_build_object('day', g.day, 'count', cardinality(g.ids), 'application_ids', g.ids,
                                  'item_id', g.item_id, 'threshold_count', %s::int) AS figures,
               ARRAY(SELECT e.id FROM efficiency_event e WHERE e.subject_type = '{APP}'
                     AND e.subject_id = ANY(g.ids) AND e.kind = 'clock.started' ORDER BY e.id)::bigint[] AS event_ids
        FROM (
            SELECT a.unit_id, a.item_id, c.day, array_agg(a.id ORDER BY a.received_at, a.id) AS ids
            FROM (SELECT DISTINCT x.applicant_id_number, x.item_id, (x.received_at AT TIME ZONE '{TZ}')::date AS day
                  FROM (SELECT a.applicant_id_number, a.item_id, a.received_at,
                               lag(a.received_at, %s::int - 1) OVER (PARTITION BY a.applicant_id_number, a.item_id
                                                                     ORDER BY a.received_at) AS earlier
                        FROM approvals_application a
                        WHERE a.received_at >= %s AND a.received_at < %s) x
                  WHERE (x.earlier AT TIME ZONE '{TZ}')::date = (x.received_at AT TIME ZONE '{TZ}')::date) c
            JOIN approvals_application a ON a.applicant_id_number = c.applicant_id_number AND a.item_id = c.item_id
             AND a.received_at >= c.day::timestamp AT TIME ZONE '{TZ}'
             AND a.received_at < (c.day + 1)::timestamp AT TIME ZONE '{TZ}'
            GROUP BY a.unit_id, a.item_id, a.applicant_id_number, c.day
            HAVING count(*) >= %s::int
        ) g"""
    return sql, [th["count"], th["count"], start, end, th["count"]]


def rating_burst_sql(th, start, end):
    source = f"""
        SELECT r.id, r.application_id AS item_id, r.unit_id, r.created_at AS at, h.kind, h.hash
        FROM approvals_rating r
        CROSS JOIN LATERAL (VALUES ('phone', r.phone_hash), ('device', r.device_hash)) h(kind, hash)
        WHERE r.created_at >= %s::timestamptz - %s::int * interval '1 hour' AND r.created_at < %s
          AND r.score >= {GOOD} AND h.hash <> ''"""
    events = f"""ARRAY(SELECT e.id FROM efficiency_event e
                      JOIN unnest(b.rating_ids, b.item_ids) AS x(rating_id, application_id)
                        ON e.subject_type = '{APP}' AND e.subject_id = x.application_id
                       AND e.kind = 'approvals.rated' AND (e.payload ->> 'rating_id')::bigint = x.rating_id
                      ORDER BY e.id)"""
    return burst_sql(source, [start, int(th["hours"]), end], subject_type=APP, code="rating_burst",
                     count=th["count"], hours=th["hours"], start=start, end=end, events=events)


def rating_by_staff_sql(th, start, end):
    sql = f"""
        SELECT '{APP}'::text AS subject_type, r.application_id::bigint AS subject_id, r.unit_id::bigint AS unit_id,
               'rating_by_staff:' || r.id AS key,
               jsonb_build_object('rating_id', r.id, 'score', r.score, 'rated_at', r.created_at,
                                  'entered_by', u.id, 'entered_by_name', u.full_name,
                                  'threshold_score', %s::int) AS figures,
               ARRAY(SELECT e.id FROM efficiency_event e WHERE e.subject_type = '{APP}'
                     AND e.subject_id = r.application_id AND e.kind = 'approvals.rated'
                     AND (e.payload ->> 'rating_id')::bigint = r.id ORDER BY e.id)::bigint[] AS event_ids
        FROM approvals_rating r
        JOIN efficiency_user u ON u.id = r.entered_by_id AND u.unit_id = r.unit_id
        WHERE r.created_at >= %s AND r.created_at < %s AND r.score >= %s::int"""
    return sql, [th["score"], start, end, th["score"]]


def register() -> None:
    register_gaming_detector(
        "intake_lag.application", label=_("体外循环（办件）"), sql=intake_lag_sql,
        thresholds={"working_days": (1, _("材料到达早于收件登记的工作日数超过"))},
        description=_("网上申报或窗口收到材料的时间早于收件登记（计时起点）超过规定工作日数。"))
    register_gaming_detector(
        "resubmit_restart", label=_("退回重报，重新计时"), sql=resubmit_restart_sql,
        thresholds={"days": (10, _("不予受理、撤回、不予许可或退回补正后重新申报的天数以内"))},
        description=_("同一申请人同一事项被不予受理、撤回、不予许可或退回补正后，短期内重新申报并重新起算时限。"))
    register_gaming_detector(
        "split_matter", label=_("拆分办件"), sql=split_matter_sql,
        thresholds={"count": (3, _("同一申请人同一事项同一天收件的件数达到"))},
        description=_("同一单位同一天收取同一申请人同一事项的多个办件。"))
    register_gaming_detector(
        "rating_burst", label=_("集中好评"), sql=rating_burst_sql,
        thresholds={"count": (5, _("同一手机号或同一设备的好评条数达到")),
                    "hours": (24, _("在多少小时以内"))},
        description=_("同一手机号或同一设备（地址与浏览器）在短时间内给同一单位多条好评。"))
    register_gaming_detector(
        "rating_by_staff", label=_("工作人员代评"), sql=rating_by_staff_sql,
        thresholds={"score": (GOOD, _("评价等级不低于（4 = 满意）"))},
        description=_("被评价单位的工作人员登录后录入的好评。"))
