"""The deadline a citizen sees on the tracking page never moves backwards (issue 15 #7).

Each step of a complaint runs its own clock: 3 working days to accept, 10 for the unit's reply,
3 for the office's review of it. Before, the page showed the current step's due date, so a unit
replying early (review due in 3 days, before the 10-day reply limit) or sending the complaint
back moved the citizen's deadline earlier. Now the page shows the latest deadline promised so
far; a later one says why; a paused clock says so."""

from datetime import datetime

import pytest
import time_machine

from accountability import services
from efficiency import clocks
from efficiency.workdays import SHANGHAI

from .conftest import file_complaint

pytestmark = pytest.mark.django_db

FILED = datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI)  # a Monday
ACCEPT_DUE = datetime(2025, 11, 6, 23, 59, 59, tzinfo=SHANGHAI)  # 3 working days
REPLY_DUE = datetime(2025, 11, 17, 23, 59, 59, tzinfo=SHANGHAI)  # 10 working days from Monday
REPLIED = datetime(2025, 11, 4, 10, 0, tzinfo=SHANGHAI)  # the unit answers on Tuesday: review due 7 Nov


def _due_on_page(client, token) -> str:
    page = client.get(f"/accountability/public/t/{token}/").content.decode()
    start = page.index('id="due-at">') + len('id="due-at">')
    return page[start:start + 10]


def test_the_deadline_never_moves_backwards_across_the_steps(client, org):
    with time_machine.travel(FILED, tick=False):
        filed = file_complaint(org.unit_a)
        c = filed.complaint
        seen = [_due_on_page(client, filed.link_token)]
        services.complaint_accept(complaint=c, actor=org.office)
        seen.append(_due_on_page(client, filed.link_token))  # accepted, not yet handed out: still shown
        c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
        seen.append(_due_on_page(client, filed.link_token))
    with time_machine.travel(REPLIED, tick=False):
        c = services.complaint_unit_reply(complaint=c, actor=org.head_a, reply="已当场办结并致歉。")
        assert c.step_clock.due_at < REPLY_DUE  # the review's own clock is shorter…
        seen.append(_due_on_page(client, filed.link_token))  # …and the citizen does not see it
    assert seen == ["2025-11-06", "2025-11-06", "2025-11-17", "2025-11-17"]
    assert seen == sorted(seen)


def test_a_unit_sending_it_back_does_not_bring_the_deadline_forward(client, org):
    with time_machine.travel(FILED, tick=False):
        filed = file_complaint(org.unit_a)
        c = services.complaint_accept(complaint=filed.complaint, actor=org.office)
        c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
    with time_machine.travel(REPLIED, tick=False):
        c = services.complaint_return(complaint=c, actor=org.head_a, reason="不属本单位职责")
        assert c.due_at < REPLY_DUE  # the office's 3 days to hand it out again
        assert _due_on_page(client, filed.link_token) == "2025-11-17"


def test_a_later_deadline_says_why_and_a_pause_is_shown(client, org):
    with time_machine.travel(FILED, tick=False):
        filed = file_complaint(org.unit_a)
        c = services.complaint_accept(complaint=filed.complaint, actor=org.office)
        c = services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_a)
        clocks.clock_extend(c, actor=org.office, value=5, reason="需要调取监控录像，经分管领导批准延期")
    page = client.get(f"/accountability/public/t/{filed.link_token}/").content.decode()
    assert _due_on_page(client, filed.link_token) == "2025-11-24"
    assert 'id="due-changes"' in page and "延期" in page and "2025-11-17" in page
    assert "监控录像" not in page  # the staff's own words stay inside
    with time_machine.travel(REPLIED, tick=False):
        clocks.clock_pause(c, actor=org.office, reason="other")
    page = client.get(f"/accountability/public/t/{filed.link_token}/").content.decode()
    assert 'id="due-paused"' in page and "计时暂停中" in page
