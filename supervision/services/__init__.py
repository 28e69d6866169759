"""Every write of key tasks and assignments: validated, in one transaction, with an event on the
item's timeline and an audit row. Clock fields change only through `efficiency.clocks`.

One module per sub-domain; callers use `supervision.services.<name>` as before:

- `common`: the assignment flows (steps and rules per kind), who may act, shared helpers;
- `assignments`: register, dispatch, and a target's steps (acknowledge … close, urge, extend);
- `coordination`: disputes and the office's coordination opinion (转办, 调整牵头);
- `pauses`: pausing a target's clock on the unit's request (暂停计时);
- `key_tasks`: the key-task list, tasks, nodes, progress reports, lagging warnings;
- `policies`: government documents and the year-end execution reports of their lead drafting departments (R55);
- `consultations`: consulting units on a draft, their principals' signed opinions, the final stage (R57);
- `openness`: internal procedures and standards open among departments (R59).
- `projects`: key investment projects, their 代办服务组 and the procedures it handles (R51);
- `problems`: county hard problems, their plan, leader, team and schedule (R62).
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
from .consultations import consultation_decide, consultation_finalize, consultation_open, opinion_return
from .openness import procedure_publish
from .policies import execution_report_file, execution_reports_open, policy_document_register, policy_document_repeal
from .problems import milestone_complete, problem_create, problem_solve
from .projects import leader_refusal, procedure_add, procedure_complete, project_close, project_register
from .pauses import (
    open_pause_request, pause_approve, pause_refusal, pause_refuse, pause_report_gone, pause_request, pause_resume,
)

__all__ = [
    "consultation_decide", "consultation_finalize", "consultation_open", "execution_report_file",
    "execution_reports_open", "opinion_return", "policy_document_register", "policy_document_repeal",
    "procedure_publish",
    "DISPUTE_STEPS", "FLOWS", "OFFICE_ONLY", "STEP_NAMES", "assignment_create", "assignment_dispatch", "coordination_reassign",
    "dispute_coordinate", "dispute_lead_record", "dispute_leader_decide", "dispute_raise", "dispute_refer", "dispute_step", "keytask_create", "keytask_update", "keytask_urge",
    "keytasks_warn_lagging", "leader_refusal", "milestone_complete", "node_complete", "node_create", "open_pause_request", "pause_approve",
    "pause_refusal", "pause_refuse", "pause_report_gone", "pause_request", "pause_resume", "progress_report",
    "target_acknowledge", "target_actions", "target_close", "target_deploy", "target_extend", "target_feedback",
    "target_return", "target_urge", "tasklist_create", "problem_create", "problem_solve", "procedure_add",
    "procedure_complete", "project_close", "project_register",
]
