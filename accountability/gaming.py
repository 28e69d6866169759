"""Gaming detectors of the complaints (issue 18), each one SELECT giving
`efficiency.gaming.FINDING_COLUMNS`, registered in `AccountabilityConfig.ready`; thresholds are
local defaults (本地默认, 种子未规定), docs/gaming.md ("The apps' detectors").

- intake_lag.complaint (体外循环): a registered channel (12345 热线) received it more than N
  working days before it was logged here, where its clock starts.
- rating_burst.complaint (集中好评): N or more 满意 for one complained-about unit from one phone
  or one device within H hours.
- rating_by_staff.complaint (工作人员代评): a 满意 entered by a signed-in staff member of the
  unit complained about.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from efficiency.gaming_evidence import burst_sql
from efficiency.registry import register_gaming_detector

COMPLAINT = "accountability.complaint"
SATISFIED = "satisfied"  # Rating.SATISFIED: 好评


def intake_lag_sql(th, start, end):
    sql = f"""
        SELECT '{COMPLAINT}'::text AS subject_type, c.id::bigint AS subject_id, c.subject_unit_id::bigint AS unit_id,
               'intake_lag:{COMPLAINT}:' || c.id AS key,
               jsonb_build_object('arrival', c.channel_received_at, 'recorded_start', COALESCE(c.clock_start, c.filed_at),
                                  'working_days', wr.n - ws.n, 'threshold_days', %s::int,
                                  'channel', ch.name, 'tracking_number', c.tracking_number) AS figures,
               ARRAY(SELECT e.id FROM efficiency_event e WHERE e.subject_type = '{COMPLAINT}'
                     AND e.subject_id = c.id AND e.kind IN ('clock.started', 'complaints.filed')
                     ORDER BY e.id)::bigint[] AS event_ids
        FROM accountability_complaint c
        JOIN accountability_intakechannel ch ON ch.id = c.channel_id
        JOIN wd ws ON ws.d = (c.channel_received_at AT TIME ZONE 'Asia/Shanghai')::date
        JOIN wd wr ON wr.d = (COALESCE(c.clock_start, c.filed_at) AT TIME ZONE 'Asia/Shanghai')::date
        WHERE c.channel_received_at IS NOT NULL AND c.filed_at >= %s AND c.filed_at < %s
          AND c.channel_received_at < COALESCE(c.clock_start, c.filed_at) - %s::int * interval '1 day'
          AND wr.n - ws.n > %s::int"""
    return sql, [th["working_days"], start, end, th["working_days"], th["working_days"]]


def _rated_events(item: str) -> str:
    return (f"ARRAY(SELECT e.id FROM efficiency_event e WHERE e.subject_type = '{COMPLAINT}' "
            f"AND e.subject_id = {item} AND e.kind = 'complaints.rated' ORDER BY e.id)")


def rating_burst_sql(th, start, end):
    # A complaint keeps its latest rating: the rating's id is the complaint's.
    source = f"""
        SELECT c.id, c.id AS item_id, c.subject_unit_id AS unit_id, c.rated_at AS at, h.kind, h.hash
        FROM accountability_complaint c
        CROSS JOIN LATERAL (VALUES ('phone', c.rating_phone_hash), ('device', c.rating_device_hash)) h(kind, hash)
        WHERE c.rated_at >= %s::timestamptz - %s::int * interval '1 hour' AND c.rated_at < %s
          AND c.rating = '{SATISFIED}' AND h.hash <> ''"""
    events = (f"ARRAY(SELECT e.id FROM efficiency_event e WHERE e.subject_type = '{COMPLAINT}' "
              f"AND e.subject_id = ANY(b.item_ids) AND e.kind = 'complaints.rated' ORDER BY e.id)")
    return burst_sql(source, [start, int(th["hours"]), end], subject_type=COMPLAINT, code="rating_burst.complaint",
                     count=th["count"], hours=th["hours"], start=start, end=end, events=events)


def rating_by_staff_sql(th, start, end):
    sql = f"""
        SELECT '{COMPLAINT}'::text AS subject_type, c.id::bigint AS subject_id, c.subject_unit_id::bigint AS unit_id,
               'rating_by_staff.complaint:' || c.id || ':' || extract(epoch FROM c.rated_at)::bigint AS key,
               jsonb_build_object('rating', c.rating, 'rated_at', c.rated_at, 'entered_by', u.id,
                                  'entered_by_name', u.full_name, 'tracking_number', c.tracking_number) AS figures,
               {_rated_events('c.id')}::bigint[] AS event_ids
        FROM accountability_complaint c
        JOIN efficiency_user u ON u.id = c.rating_entered_by_id AND u.unit_id = c.subject_unit_id
        WHERE c.rated_at IS NOT NULL AND c.rated_at >= %s AND c.rated_at < %s AND c.rating = '{SATISFIED}'"""
    return sql, [start, end]


def register() -> None:
    register_gaming_detector(
        "intake_lag.complaint", label=_("体外循环（投诉）"), sql=intake_lag_sql,
        thresholds={"working_days": (1, _("渠道收件早于登记的工作日数超过"))},
        description=_("受理渠道（12345 热线等）收到投诉的时间早于本平台登记（计时起点）超过规定工作日数。"))
    register_gaming_detector(
        "rating_burst.complaint", label=_("集中好评（投诉）"), sql=rating_burst_sql,
        thresholds={"count": (5, _("同一手机号或同一设备的满意评价条数达到")), "hours": (24, _("在多少小时以内"))},
        description=_("同一手机号或同一设备在短时间内对同一被投诉单位的多件投诉答复评价满意。"))
    register_gaming_detector(
        "rating_by_staff.complaint", label=_("工作人员代评（投诉）"), sql=rating_by_staff_sql,
        description=_("被投诉单位的工作人员登录后录入的满意评价。"))
