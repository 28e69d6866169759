"""The event kinds of inspections and rectifications (the catalogue: efficiency.event_kinds)."""

from django.utils.translation import pgettext_lazy

from efficiency.event_kinds import Audience as A, EventKind as K, Severity as S

KINDS = (
    K("inspection.plan_filed", pgettext_lazy("event", "填报计划"), A.OFFICE),
    K("inspection.plan_updated", pgettext_lazy("event", "修改计划"), A.OFFICE),
    K("inspection.plan_submitted", pgettext_lazy("event", "报领导审批"), A.LEADER),
    K("inspection.plan_approved", pgettext_lazy("event", "领导批准"), A.OFFICE),
    K("inspection.plan_rejected", pgettext_lazy("event", "领导退回"), A.OFFICE, S.WARNING),
    K("inspection.plan_closed", pgettext_lazy("event", "计划完成"), A.LEADER),
    K("inspection.assessment", pgettext_lazy("event", "登记第三方评估"), A.OFFICE),
    K("inspection.results_published", pgettext_lazy("event", "结果公开"), A.CITIZEN),
    K("inspection.draw", pgettext_lazy("event", "双随机抽取"), A.OFFICE),
    K("inspection.draw_published", pgettext_lazy("event", "抽取结果公开"), A.CITIZEN),
    K("inspection.visit", pgettext_lazy("event", "明查暗访"), A.STAFF),
    K("inspection.visit_closed", pgettext_lazy("event", "检查反馈"), A.STAFF),
    K("inspection.finding", pgettext_lazy("event", "发现问题"), A.STAFF, S.WARNING),
    K("rectification.opened", pgettext_lazy("event", "交办整改"), A.STAFF, S.WARNING),
    K("rectification.measures", pgettext_lazy("event", "报送整改方案"), A.OFFICE),
    K("rectification.reported", pgettext_lazy("event", "报告整改情况"), A.OFFICE),
    K("rectification.verified", pgettext_lazy("event", "验收通过"), A.STAFF),
    K("rectification.returned", pgettext_lazy("event", "退回整改"), A.STAFF, S.WARNING),
)
