import os
import time

from django.apps import AppConfig


def _slow_breach(model, transitions):
    """For the kill test: hold each batch's transaction open after its UPDATE, so that a
    SIGKILL lands mid-batch (set CLOCKTEST_SLOW_BREACH=<seconds>)."""
    time.sleep(float(os.environ["CLOCKTEST_SLOW_BREACH"]))


class ClocktestConfig(AppConfig):
    name = "tests.clocktest"
    label = "clocktest"

    def ready(self):
        from efficiency.event_kinds import EventKind, register_event_kinds
        from efficiency.registry import register_clock_model

        from .models import TimedItem

        register_event_kinds([EventKind("test.notice", "测试通知")])  # the core's tests' own kind
        slow = _slow_breach if os.environ.get("CLOCKTEST_SLOW_BREACH") else None
        register_clock_model(TimedItem, on_breach=slow)
