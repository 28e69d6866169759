"""Gaming detection on the clean demo data (issue 18): no registered detector — the core's and
the apps' — finds anything in what `seed_demo` builds."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from efficiency import gaming
from efficiency.models import GamingFinding
from efficiency.registry import gaming_detectors
from efficiency.workdays import local_date

pytestmark = pytest.mark.django_db


def test_the_clean_demo_data_gives_no_finding_from_any_detector(db):
    call_command("seed_demo", stdout=StringIO())
    today = local_date(timezone.now())
    result = gaming.detect(today - timedelta(days=400), today + timedelta(days=1))
    assert set(result) == {d.code for d in gaming_detectors()}
    assert {code: r["found"] for code, r in result.items() if r["found"]} == {}
    assert not GamingFinding.objects.exists()
