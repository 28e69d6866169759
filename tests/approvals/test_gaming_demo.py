"""Issue 18: the clean demo data (`seed_demo`: the org chart and every app's demo, twelve months
of history included) shows no gaming — every registered detector finds nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from efficiency import demo, registry
from tests.gaming_run import run_detector

pytestmark = pytest.mark.django_db


def test_no_detector_finds_gaming_in_the_clean_demo_data():
    demo.seed_org()
    demo.seed_apps()
    now = timezone.now()
    codes = [d.code for d in registry.gaming_detectors()]
    assert {"intake_lag.application", "intake_lag.complaint", "resubmit_restart", "split_matter",
            "rating_burst", "rating_by_staff"} <= set(codes)
    found = {code: run_detector(code, None, now - timedelta(days=400), now + timedelta(days=1)) for code in codes}
    assert found == {code: [] for code in codes}
