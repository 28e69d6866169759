"""A task for the broker-outage test (tests/efficiency/test_worker_broker_outage.py): it notes
each delivery in a file, so the test counts executions without the broker or the database."""

import os

from celery import shared_task


@shared_task(name="clocktest.deliver")
def deliver(path: str, token: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{token}\n".encode())  # one write under O_APPEND: lines never interleave
    finally:
        os.close(fd)
