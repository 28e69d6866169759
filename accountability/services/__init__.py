"""Every write of complaints, accountability cases and bulletins (R26–R29, R34).

Each service validates, writes in one transaction together with its events (the events are
the notification outbox: a complaint answered "accepted" is never lost, whatever Redis does),
and audits. The citizen acts without an account: `actor=None` with the citizen's secrets
checked by the caller.

One module per sub-domain; callers use `accountability.services.<name>` as before:
`intake` (channels, attachments, filing, finding a complaint again), `complaints` (handling),
`cases` (accountability cases, 陈述申辩, decision, appeal), `bulletins` (通报).
"""

from .bulletins import bulletin_create, bulletin_draft_text, bulletin_publish, bulletin_sign_off
from .cases import (
    case_appeal, case_appeal_decide, case_decide, case_dismiss, case_investigate, case_name_persons, case_open,
    case_propose, case_record_facts, case_record_statement, case_submit, case_transfer_judicial, cases_propose,
    cases_propose_events,
    cases_propose_sql,
    deciding_body, defendants, responsible_persons,
)
from .complaints import (
    complaint_accept, complaint_assign, complaint_close, complaint_decline, complaint_handler_roles, complaint_rate,
    complaint_reexamine, complaint_return, complaint_review_due_sync, complaint_rework, complaint_send_reply,
    complaint_unit_reply,
)
from .intake import (
    CaptchaRefused, Filed, UnitMissing, UnitNamed, attachment_check, channel_add, channel_for_token, complaint_by_code,
    complaint_by_token, complaint_file,
)

__all__ = [
    "CaptchaRefused", "Filed", "UnitMissing", "UnitNamed", "attachment_check", "bulletin_create", "bulletin_draft_text", "bulletin_publish", "bulletin_sign_off",
    "case_appeal", "case_appeal_decide", "case_decide", "case_dismiss", "case_investigate", "case_name_persons", "case_open",
    "case_propose", "case_record_facts", "case_record_statement", "case_submit", "case_transfer_judicial", "channel_add", "channel_for_token",
    "complaint_accept", "complaint_assign", "complaint_by_code", "complaint_by_token", "complaint_close",
    "complaint_decline", "complaint_file", "complaint_handler_roles", "complaint_rate", "complaint_reexamine",
    "complaint_return", "complaint_review_due_sync", "complaint_rework", "complaint_send_reply", "complaint_unit_reply", "deciding_body",
    "cases_propose", "cases_propose_events", "cases_propose_sql", "defendants", "responsible_persons",
]
