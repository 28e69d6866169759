"""The event kinds of assignments (交办件) and key tasks (the catalogue: efficiency.event_kinds)."""

from django.utils.translation import pgettext_lazy

from efficiency.event_kinds import Audience as A, EventKind as K, Severity as S

KINDS = (
    K("assignment.created", pgettext_lazy("event", "登记"), A.OFFICE),
    K("assignment.dispatched", pgettext_lazy("event", "交办"), A.STAFF),
    K("assignment.acknowledged", pgettext_lazy("event", "签收"), A.OFFICE),
    K("assignment.deployed", pgettext_lazy("event", "布置落实"), A.OFFICE),
    K("assignment.reported", pgettext_lazy("event", "阶段报告"), A.OFFICE),
    K("assignment.fed_back", pgettext_lazy("event", "反馈"), A.OFFICE),
    K("assignment.returned", pgettext_lazy("event", "退回"), A.STAFF, S.WARNING),
    K("assignment.closed", pgettext_lazy("event", "办结"), A.STAFF),
    K("assignment.completed", pgettext_lazy("event", "全部办结"), A.OFFICE),
    K("assignment.replied", pgettext_lazy("event", "答复"), A.OFFICE),
    K("assignment.urged", pgettext_lazy("event", "督办"), A.STAFF, S.WARNING),
    K("assignment.disputed", pgettext_lazy("event", "提出争议"), A.STAFF, S.WARNING),
    K("assignment.coordinated", pgettext_lazy("event", "协调意见"), A.STAFF),
    K("assignment.dispute_settled", pgettext_lazy("event", "牵头单位协调解决"), A.STAFF),
    K("assignment.dispute_escalated", pgettext_lazy("event", "牵头单位协调未果，报政府办公室"), A.OFFICE, S.WARNING),
    K("assignment.dispute_referred", pgettext_lazy("event", "倾向性意见报政府领导"), A.LEADER, S.WARNING),
    K("assignment.transferred", pgettext_lazy("event", "转办"), A.STAFF),
    K("assignment.transferred_in", pgettext_lazy("event", "转入"), A.STAFF),
    K("assignment.lead_changed", pgettext_lazy("event", "调整牵头"), A.STAFF),
    K("assignment.pause_requested", pgettext_lazy("event", "申请暂停计时"), A.OFFICE),
    K("assignment.pause_approved", pgettext_lazy("event", "批准暂停计时"), A.STAFF),
    K("assignment.pause_refused", pgettext_lazy("event", "暂停申请未批准"), A.STAFF, S.WARNING),
    K("assignment.pause_reason_gone", pgettext_lazy("event", "暂停事由消除"), A.OFFICE),
    K("assignment.pause_resumed", pgettext_lazy("event", "恢复计时"), A.STAFF),
    K("assignment.pause_cancelled", pgettext_lazy("event", "暂停申请撤销"), A.OFFICE),
    K("keytask.created", pgettext_lazy("event", "下达重点任务"), A.STAFF),
    K("keytask.updated", pgettext_lazy("event", "修改"), A.STAFF),
    K("keytask.node_added", pgettext_lazy("event", "分解"), A.STAFF),
    K("keytask.node_done", pgettext_lazy("event", "节点完成"), A.STAFF),
    K("keytask.reported", pgettext_lazy("event", "进度报告"), A.OFFICE),
    K("keytask.lagging", pgettext_lazy("event", "进度预警"), A.STAFF, S.WARNING),
    K("keytask.urged", pgettext_lazy("event", "督办"), A.STAFF, S.WARNING),
)
