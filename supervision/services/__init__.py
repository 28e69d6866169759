"""Every write of key tasks and assignments (moving into one module per sub-domain)."""

from .assignments import (
    FLOWS, OFFICE_ONLY, STEP_NAMES, assignment_create, assignment_dispatch, coordination_reassign,
    dispute_coordinate, dispute_raise, keytask_create, keytask_update, keytask_urge, keytasks_warn_lagging,
    node_complete, node_create, open_pause_request, pause_approve, pause_refusal, pause_refuse, pause_report_gone,
    pause_request, pause_resume, progress_report, target_acknowledge, target_actions, target_close, target_deploy,
    target_extend, target_feedback, target_return, target_urge, tasklist_create,
)
