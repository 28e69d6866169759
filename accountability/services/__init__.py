"""Every write of complaints, accountability cases and bulletins (moving into one module per sub-domain)."""

from .complaints import (
    ALLOWED_MIMES, CASE_OFFICERS, CASE_OFFICERS_ONLY, Filed, HANDLERS_ONLY, MAX_ATTACHMENTS, PROBLEM_ROUNDS,
    PROBLEM_UNITS, UNIT_ONLY, attachment_check, bulletin_approve, bulletin_create, bulletin_draft_text,
    bulletin_publish, case_appeal, case_appeal_decide, case_decide, case_dismiss, case_investigate, case_open,
    case_propose, case_record_facts, case_record_statement, channel_add, channel_for_token, complaint_accept,
    complaint_assign, complaint_by_code, complaint_by_token, complaint_close, complaint_decline, complaint_file,
    complaint_handler_roles, complaint_rate, complaint_reexamine, complaint_return, complaint_rework,
    complaint_send_reply, complaint_unit_reply, defendants,
)
