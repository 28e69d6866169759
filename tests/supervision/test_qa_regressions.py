"""QA regressions: junk input on the work list and the extension form gives a page or a clear error, never a 500
(a NUL byte anywhere is refused earlier: tests/efficiency/test_qa_regressions.py)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["kind=%3Cscript%3E", "status=zz", "owner=abc", "window=zz&unit=abc"])
def test_the_work_list_ignores_junk_filters(client, org, query):
    client.force_login(org.office)
    assert client.get(f"/supervision/?{query}").status_code == 200


def test_the_work_list_api_ignores_a_junk_filter(client, org):
    client.force_login(org.clerk_a)
    assert client.get("/api/v1/supervision/targets/?kind=zz&window=abc").status_code == 200


def test_an_extension_past_the_end_of_the_work_calendar_is_a_clear_error(org, make_assignment):
    import time_machine
    from django.core.exceptions import ValidationError

    from supervision import services
    from supervision.models import AssignmentKind

    from .conftest import at

    target = make_assignment(AssignmentKind.FIELD_RESEARCH).targets.get()
    with time_machine.travel(at(2024, 9, 20, 10, 0), tick=False), pytest.raises(ValidationError, match="工作日历"):
        services.target_extend(actor=org.office, target=target, value=99999999, reason="涉及多部门会商")
