"""The applicant's public lookup behind the shipped nginx (issue #14): one client's wrong tries
slow down that client, not every applicant behind the proxy."""

import pytest
import time_machine
from django.core.cache import cache

from tests.proxy import CLIENT_A, CLIENT_B, NGINX, behind_proxy

from .helpers import MONDAY, make_item, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def trusted_nginx(settings):
    settings.TRUSTED_PROXIES = [NGINX]
    cache.clear()


def test_one_guessing_client_is_slowed_down_and_another_applicant_is_not(org, client):
    with time_machine.travel(MONDAY, tick=False):
        app, code = receive(org, make_item(org))
    url = f"/api/v1/public/applications/{app.receipt_number}/"
    for n in range(10):
        assert client.get(f"{url}?code=WRONG", **behind_proxy(CLIENT_A, sent=f"192.0.2.{n}")).status_code == 404
    assert client.get(f"{url}?code={code}", **behind_proxy(CLIENT_A)).status_code == 429
    assert client.get(f"{url}?code={code}", **behind_proxy(CLIENT_B)).status_code == 200
