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


# --- #14: requests an attacker sends get a 400, never a 500 ----------------------------------


@pytest.mark.parametrize("body", ["null", "[]", '"text"', "42"])
@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_plan_edit_whose_json_body_is_not_an_object_is_refused(client, org, plan_factory, method, body):
    plan = plan_factory(submit=False)
    client.force_login(org.office)
    response = getattr(client, method)(f"/api/v1/inspection/plans/{plan.pk}/", body,
                                       content_type="application/json")
    assert response.status_code == 400  # a TypeError (500) on `"issuing_unit" in None`
    assert response.json()["error"]["code"] == "parse_error"


def test_a_decompression_bomb_on_a_visit_photo_is_refused(client, org, approved_plan):
    import io

    from PIL import Image

    from inspection import services
    from inspection.models import Method, VisitPhoto

    visit = services.visit_record(actor=org.office, plan=approved_plan, unit=org.unit_a, kind=Method.OPEN,
                                  visited_on=date(2026, 3, 9), place="政务服务中心二楼", people_met="窗口负责人张某",
                                  summary="窗口空岗")
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # 400 megapixels in about 50 kB
    bomb.name = "bomb.png"
    bomb.seek(0)
    client.force_login(org.office)
    response = client.post(f"/api/v1/inspection/visits/{visit.pk}/photos/", {"image": bomb})
    assert response.status_code == 400  # Pillow's DecompressionBombError was a 500
    assert "image" in response.json()["error"]["fields"]
    assert not VisitPhoto.objects.exists()
