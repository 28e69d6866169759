"""The client's address behind the shipped nginx (issue #14): X-Forwarded-For is believed only
from a trusted proxy, and then only its rightmost untrusted entry; the audit log and
django-axes see the client, not the proxy."""

import ipaddress
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from axes.models import AccessAttempt
from django.test import RequestFactory

from efficiency.client import client_ip
from efficiency.models import AuditLog
from tests.proxy import CLIENT_A, CLIENT_B, NGINX, behind_proxy

PASSWORD = "Passw0rd!2024"
ATTACKER = "192.0.2.66"  # reaches gunicorn directly, not through nginx


@pytest.fixture
def trusted_nginx(settings):
    settings.TRUSTED_PROXIES = [NGINX]


def _ip(**meta):
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert _ip(**behind_proxy(CLIENT_A)) == NGINX


def test_through_the_trusted_nginx_the_client_is_the_address_nginx_appended(trusted_nginx):
    assert _ip(**behind_proxy(CLIENT_A)) == CLIENT_A
    assert _ip(**behind_proxy(CLIENT_B)) == CLIENT_B


def test_a_forged_header_from_an_untrusted_peer_is_ignored(trusted_nginx):
    assert _ip(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=CLIENT_A) == ATTACKER
    assert _ip(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"{CLIENT_A}, {NGINX}") == ATTACKER


def test_a_forged_leftmost_entry_through_nginx_is_ignored(trusted_nginx):
    assert _ip(**behind_proxy(CLIENT_A, sent=CLIENT_B)) == CLIENT_A
    assert _ip(**behind_proxy(CLIENT_A, sent=f"{CLIENT_B}, {NGINX}")) == CLIENT_A  # posing as a proxy hop
    assert _ip(**behind_proxy(CLIENT_A, sent="not-an-address")) == CLIENT_A


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = [NGINX, "10.0.0.0/8"]  # a load balancer in front of nginx
    forwarded = f"{CLIENT_B}, {CLIENT_A}, 10.1.2.3"
    assert _ip(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=forwarded) == CLIENT_A


def test_garbage_right_of_the_client_leaves_the_last_vouched_address(trusted_nginx):
    assert _ip(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="") == NGINX
    assert _ip(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=f"{CLIENT_B}, bogus") == NGINX


def test_an_ipv4_mapped_peer_is_matched_as_ipv4(trusted_nginx):
    assert _ip(REMOTE_ADDR=f"::ffff:{NGINX}", HTTP_X_FORWARDED_FOR=CLIENT_A) == CLIENT_A


@pytest.mark.parametrize("value", ["nginx", "0.0.0.0/0", "172.30.14.10,::/0"])
def test_a_bad_or_trust_everyone_setting_refuses_to_start(value):
    env = {**os.environ, "TRUSTED_PROXIES": value, "DJANGO_SETTINGS_MODULE": "efficiency.settings"}
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "TRUSTED_PROXIES" in done.stderr


@pytest.mark.django_db
def test_the_audit_row_records_the_client_not_the_proxy(client, org, trusted_nginx):
    resp = client.post("/accounts/login/", {"username": "clerk_a", "password": PASSWORD}, **behind_proxy(CLIENT_A))
    assert resp.status_code == 302
    assert AuditLog.objects.get(action="login", actor=org.clerk_a).ip == CLIENT_A


@pytest.mark.django_db
def test_the_audit_row_records_the_peer_when_it_is_not_a_trusted_proxy(client, org, trusted_nginx):
    client.post("/accounts/login/", {"username": "clerk_a", "password": "wrong"},
                REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=CLIENT_B)
    assert AuditLog.objects.get(action="login_failed", actor_name="clerk_a").ip == ATTACKER


@pytest.mark.django_db
def test_the_lockout_context_is_the_clients_address(client, org, trusted_nginx):
    for n in range(5):
        client.post("/accounts/login/", {"username": "clerk_a", "password": "wrong"},
                    **behind_proxy(CLIENT_A, sent=f"192.0.2.{n}"))
    locked = client.post("/accounts/login/", {"username": "clerk_a", "password": PASSWORD}, **behind_proxy(CLIENT_A))
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_A}
    lockouts = AuditLog.objects.filter(action="lockout", actor_name="clerk_a")
    assert lockouts.exists() and set(lockouts.values_list("ip", flat=True)) == {CLIENT_A}


def test_compose_trusts_its_nginx_alone_and_nginx_appends_the_peer():
    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    nginx_ip = compose["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    default = re.fullmatch(r"\$\{TRUSTED_PROXIES:-(.+)\}", compose["services"]["web"]["environment"]["TRUSTED_PROXIES"])
    assert default and default.group(1) == nginx_ip == NGINX
    pool = compose["networks"]["default"]["ipam"]["config"][0]
    assert ipaddress.ip_address(nginx_ip) in ipaddress.ip_network(pool["subnet"])
    assert ipaddress.ip_address(nginx_ip) not in ipaddress.ip_network(pool["ip_range"])  # no other container takes it
    conf = (root / "deploy" / "nginx" / "efficiency.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
