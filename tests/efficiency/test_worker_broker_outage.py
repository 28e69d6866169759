"""A real Celery worker (the compose worker's prefork pool) outlives three Redis outages and runs
every task sent exactly once (#14: in one of three outages the worker died on kombu's
`_connparams` AttributeError and stayed dead). The test runs its own redis-server on a free
port, with an append-only file so that what was queued survives a restart, as in production."""

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from efficiency.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
OUTAGES = 3
TASKS_PER_ROUND = 5
DEADLINE = 90  # seconds for any one awaited event


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, port: int, data: Path):
        self.port, self.data, self.process = port, data, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        _wait_for(lambda: _answers(client), "redis-server to accept connections", process=self.process)

    def stop(self):
        self.process.terminate()  # SIGTERM: a clean shutdown, the append-only file flushed
        self.process.wait(DEADLINE)


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def _wait_for(condition, what: str, *, process: subprocess.Popen, log: Path | None = None) -> None:
    """Poll until `condition()`; fail at once if `process` dies, and at the deadline."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        try:  # wait on the process itself: it either keeps running or has died
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
        detail = log.read_text(errors="replace")[-4000:] if log else ""
        assert process.poll() is None, f"the process died waiting for {what}:\n{detail}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}:\n{detail}"


@pytest.fixture
def redis_server(tmp_path):
    if not celery_app.conf.broker_url.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://… (the transport is chosen for it)")
    server = RedisServer(_free_port(), tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_a_closed_channel_is_a_lost_connection_the_worker_recovers_from(redis_server):
    """The crash itself: kombu's stock transport raises AttributeError here, which Celery treats
    as a bug and stops the worker on."""
    connection = celery_app.connection_for_write(f"redis://127.0.0.1:{redis_server.port}/0")
    channel = connection.channel()
    channel.close()  # what a lost connection does to every channel of the worker
    try:
        with pytest.raises(connection.recoverable_connection_errors):
            channel._put("celery", {"body": "a publish on the closed channel"})
    finally:
        connection.release()


@pytest.mark.worker
def test_the_worker_survives_three_redis_outages_and_runs_every_task_once(redis_server, tmp_path):
    server = redis_server
    url = f"redis://127.0.0.1:{server.port}/0"
    deliveries, log = tmp_path / "deliveries", tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "CELERY_BROKER_URL": url}
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "efficiency", "worker", "--loglevel=INFO", "--concurrency=2",
             "--hostname", f"outage-{server.port}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    broker = celery_app.connection_for_write(url)
    sent: list[str] = []

    def send(round_: str):
        for n in range(TASKS_PER_ROUND):
            sent.append(f"{round_}-{n}")
            celery_app.send_task("clocktest.deliver", args=[str(deliveries), sent[-1]], connection=broker)

    def delivered() -> Counter:
        return Counter(deliveries.read_text().split()) if deliveries.exists() else Counter()

    def log_count(text: str) -> int:
        return log.read_text(errors="replace").count(text)

    try:
        _wait_for(lambda: log_count(" ready.") == 1, "the worker to start", process=worker, log=log)
        for outage in range(OUTAGES):
            send(f"before-{outage}")
            _wait_for(lambda: set(sent) <= set(delivered()), "the tasks sent before the outage",
                      process=worker, log=log)
            refused = log_count("Cannot connect to ")
            server.stop()
            # The outage lasts until the worker has tried, and failed, to reconnect.
            _wait_for(lambda: log_count("Cannot connect to ") > refused, "a refused reconnection",
                      process=worker, log=log)
            server.start()
            send(f"after-{outage}")  # queued while the worker is still waiting to retry
        _wait_for(lambda: set(sent) <= set(delivered()), "every task sent", process=worker, log=log)
        assert worker.poll() is None
    finally:
        worker.terminate()  # warm shutdown: running tasks finish, unacknowledged ones go back
        worker.wait(DEADLINE)
        broker.release()
    assert delivered() == Counter(sent), "a task ran twice or never"
    assert len(sent) == OUTAGES * 2 * TASKS_PER_ROUND
