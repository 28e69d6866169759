"""Gaming detector of the complaints (issue 18): 体外循环 — a complaint a registered channel
(12345 热线) received more than N working days before it was logged here, where its clock
starts. One SELECT giving `efficiency.gaming.FINDING_COLUMNS`; registered in
`AccountabilityConfig.ready`; the threshold is a local default (本地默认, 种子未规定),
docs/gaming-apps.md."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from efficiency.registry import register_gaming_detector

COMPLAINT = "accountability.complaint"


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
          AND wr.n - ws.n > %s::int"""
    return sql, [th["working_days"], start, end, th["working_days"]]


def register() -> None:
    register_gaming_detector(
        "intake_lag.complaint", label=_("体外循环（投诉）"), sql=intake_lag_sql,
        thresholds={"working_days": (1, _("渠道收件早于登记的工作日数超过"))},
        description=_("受理渠道（12345 热线等）收到投诉的时间早于本平台登记（计时起点）超过规定工作日数。"))
