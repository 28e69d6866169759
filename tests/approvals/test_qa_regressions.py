"""QA regressions: bad input on the approvals pages gives a 4xx, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_new_service_item_for_a_junk_unit_is_not_found(client, org):
    client.force_login(org.office)
    assert client.get("/approvals/items/new/?unit=abc").status_code == 404


def test_the_intake_page_ignores_a_junk_item_id(client, org):
    client.force_login(org.clerk_a)
    assert client.get("/approvals/new/?item=abc").status_code == 200


@pytest.mark.parametrize("action", ["decide", "pause"])
def test_another_units_application_is_not_found_even_with_an_empty_form(client, org, action):
    import time_machine

    from .helpers import MONDAY, make_item, receive

    with time_machine.travel(MONDAY, tick=False):
        app, _code = receive(org, make_item(org))
        client.force_login(org.clerk_b)
        assert client.post(f"/approvals/{app.pk}/{action}/", {}).status_code == 404


def test_creating_a_service_item_through_the_api_for_a_junk_unit_is_a_400(client, org):
    client.force_login(org.office)
    response = client.post("/api/v1/approvals/items/", content_type="application/json", data={
        "code": "ZRZY-009", "name": "建设工程规划许可证核发", "legal_basis": "《中华人民共和国城乡规划法》第四十条",
        "unit": "abc"})
    assert response.status_code == 400
    assert "unit" in response.json()["error"]["fields"]
