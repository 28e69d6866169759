"""The work list page reads the unit names from this process's copy (`efficiency.queries.unit_names`,
issue #17): the page's row query does not join the unit table, a rename saved here shows at once,
one saved by another process within the recheck window, and scoping is unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from efficiency import process_cache
from efficiency.models import Unit
from supervision.models import AssignmentKind as K

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(org, make_assignment):
    return {"a": make_assignment(K.INSTRUCTION, title="关于甲单位的批示"),
            "b": make_assignment(K.MEETING, title="关于乙单位的会议决定", lead_unit=org.unit_b)}


def _table(html: str) -> str:
    """The work list table's rows (the filter form lists every unit by name too)."""
    return html.split('id="work-list"', 1)[1].split("</tbody>", 1)[0]


def test_the_clerks_page_shows_its_unit_by_name_without_joining_the_unit_table(client, org, items):
    client.force_login(org.clerk_a)
    with CaptureQueriesContext(connection) as q:
        html = _table(client.get(reverse("supervision:work")).content.decode())
    assert "关于甲单位的批示" in html and org.unit_a.name in html
    assert "关于乙单位的会议决定" not in html and org.unit_b.name not in html  # another unit's item never appears
    rows = [s["sql"] for s in q.captured_queries if "supervision_assignmenttarget" in s["sql"]
            and '"supervision_assignment"."title"' in s["sql"]]
    assert rows and not [s for s in rows if "efficiency_unit" in s], rows


def test_the_office_page_names_every_units_row(client, org, items):
    client.force_login(org.office)
    html = _table(client.get(reverse("supervision:work")).content.decode())
    assert "关于甲单位的批示" in html and "关于乙单位的会议决定" in html
    assert org.unit_a.name in html and org.unit_b.name in html


def test_a_unit_renamed_in_this_process_shows_its_new_name_at_once(client, org, items, monkeypatch):
    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)
    client.force_login(org.clerk_a)
    client.get(reverse("supervision:work"))  # the copy holds the old name now
    org.unit_a.name = "鄂州市自然资源局（更名）"
    org.unit_a.save(update_fields=["name"])
    html = _table(client.get(reverse("supervision:work")).content.decode())
    assert "鄂州市自然资源局（更名）" in html and "鄂州市自然资源和规划局" not in html


@pytest.mark.django_db(transaction=True)
def test_a_unit_renamed_by_another_process_is_seen_within_the_recheck_window(org, monkeypatch, other_process):
    from efficiency.queries import unit_names

    monkeypatch.setattr(process_cache, "RECHECK_SECONDS", 3600)
    assert unit_names({org.unit_a.pk}) == {org.unit_a.pk: org.unit_a.name}
    with other_process.cursor() as cur:
        cur.execute("UPDATE efficiency_unit SET name = '改名单位' WHERE id = %s", [org.unit_a.pk])
    assert unit_names({org.unit_a.pk}) == {org.unit_a.pk: org.unit_a.name}, "checked a moment ago"
    now = process_cache.monotonic()
    monkeypatch.setattr(process_cache, "monotonic", lambda: now + process_cache.RECHECK_SECONDS + 1)
    assert unit_names({org.unit_a.pk}) == {org.unit_a.pk: "改名单位"}
    assert unit_names({-1}) == {}  # an unknown id is left out
    assert Unit.objects.get(pk=org.unit_a.pk).name == "改名单位"
