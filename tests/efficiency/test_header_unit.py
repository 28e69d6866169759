"""Every page's header names the user's unit from this process's copy of the units
(`efficiency.queries.unit_label`, issue #17): its short name, else its name, without reading the
unit's row on every page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from efficiency import process_cache

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_units_short_name_else_its_name_and_reads_no_unit_row(client, org, monkeypatch):
    org.unit_a.short_name = "甲局"
    org.unit_a.save(update_fields=["short_name"])
    process_cache.forget_uncommitted()  # as in a server: the change committed long ago
    monkeypatch.setattr(process_cache, "monotonic", lambda: 0.0)
    client.force_login(org.clerk_a)
    assert '<span class="unit">甲局</span>' in client.get(reverse("home")).content.decode()
    with CaptureQueriesContext(connection) as q:
        html = client.get(reverse("supervision:work")).content.decode()
    assert '<span class="unit">甲局</span>' in html
    assert not [s["sql"] for s in q.captured_queries if 'FROM "efficiency_unit" WHERE "efficiency_unit"."id" = ' in s["sql"]]
    client.force_login(org.clerk_b)
    assert f'<span class="unit">{org.unit_b.name}</span>' in client.get(reverse("home")).content.decode()
