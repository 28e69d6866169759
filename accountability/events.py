"""The event kinds of complaints, accountability cases and bulletins (the catalogue:
efficiency.event_kinds). `accountability.propose`, which other parts send here, is the core's."""

from django.utils.translation import pgettext_lazy

from efficiency.event_kinds import Audience as A, EventKind as K, Severity as S

KINDS = (
    K("complaints.filed", pgettext_lazy("event", "收到投诉"), A.OFFICE),
    K("complaints.accepted", pgettext_lazy("event", "受理"), A.CITIZEN),
    K("complaints.declined", pgettext_lazy("event", "不予受理"), A.CITIZEN, S.WARNING),
    K("complaints.assigned", pgettext_lazy("event", "交办"), A.STAFF),
    K("complaints.returned", pgettext_lazy("event", "单位退回"), A.OFFICE, S.WARNING),
    K("complaints.unit_replied", pgettext_lazy("event", "单位答复"), A.OFFICE),
    K("complaints.review_overdue", pgettext_lazy("event", "审核超期"), A.OFFICE, S.DANGER),
    K("complaints.rework", pgettext_lazy("event", "退回重办"), A.STAFF, S.WARNING),
    K("complaints.escalated", pgettext_lazy("event", "提级督办"), A.LEADER, S.WARNING),
    K("complaints.replied", pgettext_lazy("event", "答复投诉人"), A.CITIZEN),
    K("complaints.substantiated", pgettext_lazy("event", "认定属实"), A.OFFICE, S.DANGER),
    K("complaints.rated", pgettext_lazy("event", "投诉人评价"), A.OFFICE),
    K("complaints.reexamination", pgettext_lazy("event", "申请复查"), A.OFFICE, S.WARNING),
    K("complaints.closed", pgettext_lazy("event", "办结"), A.OFFICE),
    K("cases.opened", pgettext_lazy("event", "提出问责建议"), A.OFFICE, S.DANGER),
    K("cases.dismissed", pgettext_lazy("event", "不予立案"), A.OFFICE),
    K("cases.facts", pgettext_lazy("event", "调查事实"), A.OFFICE),
    K("cases.statement_requested", pgettext_lazy("event", "告知陈述申辩"), A.STAFF, S.WARNING),
    K("cases.statement_due", pgettext_lazy("event", "陈述申辩临期"), A.STAFF, S.WARNING),
    K("cases.statement_lapsed", pgettext_lazy("event", "陈述申辩逾期"), A.STAFF, S.DANGER),
    K("cases.statement", pgettext_lazy("event", "陈述申辩"), A.OFFICE),
    K("cases.persons_named", pgettext_lazy("event", "认定责任人"), A.OFFICE),
    K("cases.submitted", pgettext_lazy("event", "提请决定"), A.LEADER, S.WARNING),
    K("cases.judicial_transfer", pgettext_lazy("event", "移送司法机关"), A.OFFICE, S.DANGER),
    K("cases.decided", pgettext_lazy("event", "处理决定"), A.STAFF, S.DANGER),
    K("cases.appealed", pgettext_lazy("event", "申诉"), A.OFFICE, S.WARNING),
    K("cases.appeal_decided", pgettext_lazy("event", "申诉复核"), A.STAFF),
    K("bulletins.published", pgettext_lazy("event", "发布通报"), A.CITIZEN),
)
