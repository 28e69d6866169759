"""The demo seed sets the default weights and builds the rollups; running it twice is harmless."""

import pytest

from dashboards import demo, scoring
from dashboards.models import ScoreWeight, UnitNow

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_idempotent(data):
    demo.seed()
    demo.seed()
    assert ScoreWeight.objects.count() == len(scoring.DEFAULT_WEIGHTS)
    assert UnitNow.objects.filter(unit=data.unit_a).exists()
