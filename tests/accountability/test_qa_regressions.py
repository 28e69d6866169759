"""QA regressions: every record link a user is shown opens for that user (no 404 from a link)."""

import re

import pytest

from accountability import services

from .conftest import file_complaint

pytestmark = pytest.mark.django_db


def _links(html, prefix):
    return sorted(set(re.findall(r'href="(%s\d+/)"' % re.escape(prefix), html)))


def _case_for_clerk_a(org):
    return services.case_open(actor=org.office, unit=org.unit_a, person=org.clerk_a, reason="办理不动产登记超期")


@pytest.mark.parametrize("who", ["clerk_a", "head_a", "office", "leader"])
def test_record_links_on_the_case_list_open_for_the_viewer(client, org, who):
    _case_for_clerk_a(org)
    client.force_login(getattr(org, who))
    html = client.get("/accountability/cases/").content.decode()
    for url in _links(html, "/accountability/records/unit/") + _links(html, "/accountability/records/person/"):
        assert client.get(url).status_code == 200, url


def test_a_clerk_sees_the_unit_name_without_a_link_to_the_unit_record(client, org):
    _case_for_clerk_a(org)
    client.force_login(org.clerk_a)
    html = client.get("/accountability/cases/").content.decode()
    assert org.unit_a.name in html
    assert f"/accountability/records/unit/{org.unit_a.pk}/" not in html


def test_a_unit_head_opens_the_record_of_a_person_of_the_unit(client, org):
    _case_for_clerk_a(org)
    client.force_login(org.head_a)
    assert client.get(f"/accountability/records/person/{org.clerk_a.pk}/").status_code == 200


def test_a_unit_head_cannot_open_the_record_of_another_units_person(client, org):
    client.force_login(org.head_a)
    assert client.get(f"/accountability/records/person/{org.clerk_b.pk}/").status_code == 404


def test_the_unit_record_lists_only_complaints_the_viewer_may_open(client, org):
    file_complaint(org.unit_a)  # filed, not yet assigned: the unit head may not open it
    client.force_login(org.head_a)
    html = client.get(f"/accountability/records/unit/{org.unit_a.pk}/").content.decode()
    links = _links(html, "/accountability/complaints/")
    assert links == []
    client.force_login(org.office)
    html = client.get(f"/accountability/records/unit/{org.unit_a.pk}/").content.decode()
    links = _links(html, "/accountability/complaints/")
    assert links and all(client.get(u).status_code == 200 for u in links)


def test_the_public_unit_search_refuses_a_nul_byte_with_a_400(client, org):
    assert client.get("/accountability/public/units.json?q=%00").status_code == 400


@pytest.mark.parametrize("body", ["[]", '"text"', "[1, 2]"])
def test_a_public_complaint_whose_body_is_not_an_object_is_a_400(client, org, body):
    response = client.post("/api/v1/public/complaints/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_a_rating_whose_body_is_not_an_object_is_a_400(client, org):
    filed = file_complaint(org.unit_a)
    url = f"/api/v1/public/complaints/{filed.complaint.tracking_number}/rate/"
    assert client.post(url, data="[]", content_type="application/json").status_code == 400


def test_a_staff_action_whose_body_is_not_an_object_is_a_400(client, org):
    filed = file_complaint(org.unit_a)
    client.force_login(org.office)
    url = f"/api/v1/accountability/complaints/{filed.complaint.pk}/decline/"
    assert client.post(url, data='"text"', content_type="application/json").status_code == 400


def test_assigning_a_complaint_to_a_junk_unit_through_the_api_is_a_400(client, org):
    filed = file_complaint(org.unit_a)
    client.force_login(org.office)
    url = f"/api/v1/accountability/complaints/{filed.complaint.pk}/accept/"
    assert client.post(url, data={}, content_type="application/json").status_code == 200
    url = f"/api/v1/accountability/complaints/{filed.complaint.pk}/assign/"
    response = client.post(url, data={"unit": "abc"}, content_type="application/json")
    assert response.status_code == 400
    assert "unit" in response.json()["error"]["fields"]


@pytest.mark.parametrize("pk", ["AAA", "null", "true", "1,2"])
@pytest.mark.parametrize("action", ["", "sign-off/", "publish/"])
def test_a_bulletin_number_that_is_not_a_number_is_not_found(client, org, pk, action):  # #14: a ValueError (500)
    client.force_login(org.office)
    method = client.post if action else client.get
    response = method(f"/api/v1/accountability/bulletins/{pk}/{action}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
