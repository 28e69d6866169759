"""QA regressions: junk query strings on the inspection pages give a page, never a 500."""

from datetime import date, datetime

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["99999999999999999999", "abc", "0"])
def test_the_plan_list_ignores_a_junk_year(client, org, year):
    client.force_login(org.office)
    assert client.get(f"/inspection/?year={year}").status_code == 200



def test_only_the_office_opens_the_form_to_record_a_finding(client, org, approved_plan):
    import time_machine

    from efficiency.workdays import SHANGHAI
    from inspection import services
    from inspection.models import Method

    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        visit = services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.OPEN,
                                      visited_on=date(2026, 3, 9), place="政务服务中心二楼", people_met="窗口负责人张某",
                                      summary="窗口空岗")
        client.force_login(org.clerk_a)  # the visited unit sees the visit ...
        assert client.get(f"/inspection/visits/{visit.pk}/").status_code == 200
        assert client.get(f"/inspection/visits/{visit.pk}/findings/new/").status_code == 404  # ... not the form
        client.force_login(org.office)
        assert client.get(f"/inspection/visits/{visit.pk}/findings/new/").status_code == 200
