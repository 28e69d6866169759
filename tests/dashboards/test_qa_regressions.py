"""QA regressions: junk query strings on the dashboards give a page, never a 500."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["kind=%3Cscript%3E", "month=notadate&unit=abc"])
def test_the_event_list_ignores_junk_filters(client, org, query):
    client.force_login(org.office)
    assert client.get(f"/dashboards/events/?{query}").status_code == 200


def test_the_red_card_chart_is_hidden_when_no_unit_has_a_red_card(client, org):
    client.force_login(org.office)
    html = client.get("/dashboards/").content.decode()
    assert re.search(r'<div id="chart-red" [^>]*\bhidden\b', html)
