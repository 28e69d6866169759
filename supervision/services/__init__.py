"""Every write of key tasks and assignments: validated, in one transaction, with an event on the
item's timeline and an audit row. Clock fields change only through `efficiency.clocks`.

One module per sub-domain; callers use `supervision.services.<name>` as before:

- `common`: the assignment flows (steps and rules per kind), who may act, shared helpers;
- `assignments`: register, dispatch, and a target's steps (acknowledge … close, urge, extend);
- `coordination`: disputes and the office's coordination opinion (转办, 调整牵头);
- `pauses`: pausing a target's clock on the unit's request (暂停计时);
- `key_tasks`: the key-task list, tasks, nodes, progress reports, lagging warnings.
"""

from .assignments import (
    assignment_create, assignment_dispatch, target_acknowledge, target_actions, target_close, target_deploy,
    target_extend, target_feedback, target_return, target_urge,
)
from .common import FLOWS, OFFICE_ONLY, STEP_NAMES
from .coordination import (
    DISPUTE_STEPS, coordination_reassign, dispute_coordinate, dispute_lead_record, dispute_leader_decide, dispute_raise,
    dispute_refer, dispute_step,
)
from .key_tasks import (
    keytask_create, keytask_update, keytask_urge, keytasks_warn_lagging, node_complete, node_create, progress_report,
    tasklist_create,
)
from .pauses import (
    open_pause_request, pause_approve, pause_refusal, pause_refuse, pause_report_gone, pause_request, pause_resume,
)

__all__ = [
    "DISPUTE_STEPS", "FLOWS", "OFFICE_ONLY", "STEP_NAMES", "assignment_create", "assignment_dispatch", "coordination_reassign",
    "dispute_coordinate", "dispute_lead_record", "dispute_leader_decide", "dispute_raise", "dispute_refer", "dispute_step", "keytask_create", "keytask_update", "keytask_urge",
    "keytasks_warn_lagging", "node_complete", "node_create", "open_pause_request", "pause_approve",
    "pause_refusal", "pause_refuse", "pause_report_gone", "pause_request", "pause_resume", "progress_report",
    "target_acknowledge", "target_actions", "target_close", "target_deploy", "target_extend", "target_feedback",
    "target_return", "target_urge", "tasklist_create",
]
