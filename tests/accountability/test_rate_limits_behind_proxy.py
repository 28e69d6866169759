"""The public complaint form and tracking behind the shipped nginx (issue #14): one abuser is
slowed down, everybody else is not; a forged X-Forwarded-For buys the abuser nothing."""

import pytest

from accountability.models import Complaint
from tests.proxy import CLIENT_A, CLIENT_B, NGINX, behind_proxy

from .conftest import file_complaint
from .test_public_complaints import API, FORM, api_data, form_data

pytestmark = pytest.mark.django_db
ATTACKER = "192.0.2.66"  # reaches gunicorn directly, not through nginx


@pytest.fixture(autouse=True)
def trusted_nginx(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    settings.COMPLAINT_SUBMITS_PER_MINUTE = 5


def _submit(client, unit, **extra):
    return client.post(API, api_data(unit), **extra).status_code


def test_one_client_behind_the_proxy_is_slowed_down_and_another_is_not(client, org):  # R26
    codes = [_submit(client, org.unit_a, **behind_proxy(CLIENT_A)) for _ in range(7)]
    assert codes == [201] * 5 + [429] * 2
    assert client.post(FORM, form_data(org.unit_a), **behind_proxy(CLIENT_A)).status_code == 429
    assert _submit(client, org.unit_a, **behind_proxy(CLIENT_B)) == 201
    assert client.post(FORM, form_data(org.unit_a), **behind_proxy(CLIENT_B)).status_code == 303


def test_a_forged_leftmost_address_through_the_proxy_does_not_evade_the_limit(client, org):
    codes = [_submit(client, org.unit_a, **behind_proxy(CLIENT_A, sent=f"192.0.2.{n}")) for n in range(7)]
    assert codes == [201] * 5 + [429] * 2
    assert _submit(client, org.unit_a, **behind_proxy(CLIENT_B)) == 201


def test_a_forged_header_from_an_untrusted_peer_is_ignored(client, org):
    codes = [_submit(client, org.unit_a, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
             for n in range(7)]
    assert codes == [201] * 5 + [429] * 2
    assert set(Complaint.objects.values_list("submitted_ip", flat=True)) == {ATTACKER}
    assert _submit(client, org.unit_a, **behind_proxy(CLIENT_B)) == 201


def test_the_complaint_records_the_clients_address_not_the_proxys(client, org):
    assert _submit(client, org.unit_a, **behind_proxy(CLIENT_A, sent="192.0.2.1")) == 201
    assert Complaint.objects.get().submitted_ip == CLIENT_A


def test_wrong_codes_on_one_number_lock_that_client_out_of_that_number_only(client, org):
    mine, other = file_complaint(org.unit_a), file_complaint(org.unit_b)
    no = mine.complaint.tracking_number
    codes = [client.get(f"{API}{no}/?code=WRONG00{n}", **behind_proxy(CLIENT_A)).status_code for n in range(6)]
    assert codes == [404] * 5 + [429]
    # the complainant, behind the same proxy, still reads their own complaint
    assert client.get(f"{API}{no}/?code={mine.check_code}", **behind_proxy(CLIENT_B)).status_code == 200
    page = client.post("/accountability/public/track/", {"tracking_number": no, "code": mine.check_code},
                       **behind_proxy(CLIENT_B))
    assert page.status_code == 200
    # and the guesser is not locked out of every other number
    other_no = other.complaint.tracking_number
    assert client.get(f"{API}{other_no}/?code={other.check_code}", **behind_proxy(CLIENT_A)).status_code == 200


def test_wrong_codes_across_numbers_lock_that_client_out_of_every_lookup(client, org):
    filed = file_complaint(org.unit_a)
    for n in range(10):
        resp = client.get(f"{API}TS2099010100000{n}/?code=WRONG000", **behind_proxy(CLIENT_A, sent=f"192.0.2.{n}"))
        assert resp.status_code == 404
    no, code = filed.complaint.tracking_number, filed.check_code
    assert client.get(f"{API}{no}/?code={code}", **behind_proxy(CLIENT_A)).status_code == 429
    assert client.get(f"{API}{no}/?code={code}", **behind_proxy(CLIENT_B)).status_code == 200
