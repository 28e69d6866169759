"""The read replica (issue 17, point 7): the cockpit, scorecards and exports read from a streaming
standby when DATABASE_REPLICA_URL is set; writes, migrations and the pages a browser reads just
after it wrote go to the primary (efficiency/replica.py)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from efficiency import replica
from tests.embedded import ROOT, database_url
from tests.replica import StreamingPair, find_bindir, server_user

# --- the router and the pin, without a replica --------------------------------------------------


def test_migrations_run_only_on_the_primary():
    router = replica.ReplicaRouter()
    assert router.allow_migrate("default", "efficiency") is True
    assert router.allow_migrate("replica", "efficiency") is False
    assert router.db_for_write(None) == "default"


def test_reads_go_to_the_primary_outside_a_replica_view(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    assert replica.ReplicaRouter().db_for_read(None) == "default"


@pytest.mark.django_db
def test_a_replica_view_reads_the_replica_unless_it_wrote_first(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    seen = {}

    @replica.reads_from_replica
    def view(request):
        seen["read"] = replica.ReplicaRouter().db_for_read(None)
        return HttpResponse()

    # pytest's transaction is an atomic block on the primary: as inside a view that wrote.
    view(RequestFactory().get("/"))
    assert seen["read"] == "default"
    connection.in_atomic_block, was = False, connection.in_atomic_block
    try:
        view(RequestFactory().get("/"))
        assert seen["read"] == "replica"
        view(RequestFactory().post("/"))
        assert seen["read"] == "default"
    finally:
        connection.in_atomic_block = was


def test_the_pin_lasts_replica_pin_seconds(settings):
    settings.REPLICA_PIN_SECONDS = 10
    request = RequestFactory().get("/")
    request.COOKIES[replica.PIN_COOKIE] = "1000.0"
    assert replica.pinned_to_primary(request, now=1000.0)
    assert replica.pinned_to_primary(request, now=1009.9)
    assert not replica.pinned_to_primary(request, now=1010.0)
    assert not replica.pinned_to_primary(request, now=999.0)  # written "in the future": not trusted
    request.COOKIES[replica.PIN_COOKIE] = "yesterday"
    assert not replica.pinned_to_primary(request, now=1000.0)


def test_a_write_marks_the_browser_only_with_a_replica(settings, monkeypatch):
    middleware = replica.ReadYourWritesMiddleware(lambda request: HttpResponse())
    assert replica.PIN_COOKIE not in middleware(RequestFactory().post("/")).cookies
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    assert replica.PIN_COOKIE not in middleware(RequestFactory().get("/")).cookies
    cookie = middleware(RequestFactory().post("/")).cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == settings.REPLICA_PIN_SECONDS and cookie["httponly"]


# --- against a real streaming replica ------------------------------------------------------------


@pytest.fixture
def streaming_pair(db):
    bindir, user = find_bindir(), server_user()
    if bindir is None or user is None:
        message = "PostgreSQL server tools (initdb, pg_ctl, pg_basebackup) or an unprivileged OS user are missing"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    source = database_url(connection.settings_dict)  # the migrated test database, as committed
    with StreamingPair(bindir, user) as pair:
        pair.copy_in(source)
        pair.start_standby()
        yield pair


@pytest.mark.slow
def test_cockpit_export_and_ranking_api_read_the_replica_and_a_saved_page_reads_its_own_write(streaming_pair):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": streaming_pair.url(streaming_pair.primary_socket),
           "DATABASE_REPLICA_URL": streaming_pair.url(streaming_pair.standby_socket)}
    run = subprocess.run([sys.executable, "-m", "tests.replica_probe"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])

    assert out["in_recovery"] == {"primary": False, "replica": True}  # a real hot standby
    for page in ("cockpit", "export", "ranking_api"):
        assert out[page]["status"] == 200
        assert any("dashboards_unitmonthscore" in sql for sql in out[page]["replica_sql"]), page
        assert not any("dashboards_" in sql for sql in out[page]["primary_sql"]), page  # only session/user

    # The write goes to the primary; with replay paused the replica does not have it.
    assert out["save"]["status"] == 302 and out["save"]["pin"]
    assert out["save"]["replica_sql"] == []
    assert out["saved"] == {"default": True, "replica": False}
    # The page the saver lands on reads the primary and shows the new mark ...
    assert out["saver_reads"]["status"] == 200 and out["saver_reads"]["shows_73"]
    assert out["saver_reads"]["replica_sql"] == []
    # ... while another browser reads the replica, which has not replayed it yet,
    assert out["other_reads"]["replica_sql"] and not out["other_reads"]["shows_73"]
    # as does the saver once the pin is over; after replay the replica shows it too.
    assert out["saver_after_pin"]["replica_sql"] and not out["saver_after_pin"]["shows_73"]
    assert out["other_after_replay"]["replica_sql"] and out["other_after_replay"]["shows_73"]
