"""The event kinds of applications (办件) and their review steps (the catalogue:
efficiency.event_kinds)."""

from django.utils.translation import pgettext_lazy

from efficiency.event_kinds import Audience as A, EventKind as K, Severity as S

KINDS = (
    K("approvals.notice_issued", pgettext_lazy("event", "一次性告知"), A.CITIZEN, S.WARNING),
    K("approvals.routed", pgettext_lazy("event", "综合窗口代收，转办理单位"), A.STAFF),
    K("approvals.accepted", pgettext_lazy("event", "受理"), A.CITIZEN),
    K("approvals.not_accepted", pgettext_lazy("event", "不予受理"), A.CITIZEN, S.WARNING),
    K("approvals.step_decided", pgettext_lazy("event", "会审答复"), A.STAFF),
    K("approvals.step_deemed_consented", pgettext_lazy("event", "缺席默认"), A.OFFICE, S.DANGER),
    K("approvals.paused", pgettext_lazy("event", "通知申请人暂停"), A.CITIZEN),
    K("approvals.resumed", pgettext_lazy("event", "通知申请人恢复"), A.CITIZEN),
    K("approvals.step_paused", pgettext_lazy("event", "随办件暂停，通知会审单位"), A.STAFF),
    K("approvals.step_resumed", pgettext_lazy("event", "随办件恢复，通知会审单位"), A.STAFF),
    K("approvals.extension_requested", pgettext_lazy("event", "申请延期"), A.STAFF),
    K("approvals.extended", pgettext_lazy("event", "批准延期"), A.CITIZEN),
    K("approvals.handler_reassigned", pgettext_lazy("event", "改派承办人"), A.STAFF),
    K("approvals.decided", pgettext_lazy("event", "决定"), A.CITIZEN),
    K("approvals.escalated", pgettext_lazy("event", "提请督办"), A.LEADER, S.DANGER),
    # 超时默认 is at once the decision (outcome `deemed`), the clock's close (late) and a proposal
    # for accountability: one row says all three (payload: outcome, late, due_at, and the
    # proposal's person_id and source; its unit and reason are the event's unit and message),
    # and their subscribers hear it.
    K("approvals.deemed_approved", pgettext_lazy("event", "视为同意"), A.OFFICE, S.DANGER,
      implies=("approvals.decided", "clock.closed", "accountability.propose")),
    K("approvals.rated", pgettext_lazy("event", "评价"), A.INTERNAL),
    K("approvals.bad_rating", pgettext_lazy("event", "差评"), A.STAFF, S.WARNING),
)
