"""The cross-unit matrix, reusable by every app: role × item → allowed (200) or hidden (404).

    from tests.permission_matrix import assert_matrix, ROLES

    assert_matrix(
        client_for=lambda role: logged_in_client(org, role),
        url_for_item=lambda item: f"/api/v1/supervision/tasks/{item.pk}/",
        items={"own": item_of_unit_a, "other": item_of_unit_b},
        expected={"clerk_a": {"own": 200, "other": 404}, "office": {"own": 200, "other": 200}, ...},
    )

Every cell is checked and all mismatches are reported at once, as a table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.test import Client

# The fixed people of tests/conftest.py `org`, by attribute name.
ROLES = ("clerk_a", "head_a", "clerk_b", "head_b", "office", "leader", "sysadmin", "secadmin", "auditadmin")


def client_for_org(org) -> Callable[[str], Client]:
    """A function giving a logged-in test client per person of the `org` fixture (cached)."""
    cache: dict[str, Client] = {}

    def client_for(name: str) -> Client:
        if name not in cache:
            client = Client()
            client.force_login(getattr(org, name))
            cache[name] = client
        return cache[name]

    return client_for


def assert_matrix(client_for: Callable[[str], Client], url_for_item: Callable[[object], str],
                  items: Mapping[str, object], expected: Mapping[str, Mapping[str, int]], *,
                  method: str = "get", data=None, content_type: str | None = None) -> None:
    """GET (or `method`) every item's URL as every person and compare the status codes.
    `content_type="application/json"` sends `data` as JSON (what a PATCH to the API needs)."""
    wrong = []
    extra = {"content_type": content_type} if content_type else {}
    for person, row in expected.items():
        client = client_for(person)
        for item_name, status in row.items():
            url = url_for_item(items[item_name])
            call = getattr(client, method)
            response = call(url, data, **extra) if data is not None else call(url)
            if response.status_code != status:
                wrong.append(f"{person:<11} {item_name:<8} {url}: expected {status}, got {response.status_code}")
    assert not wrong, "permission matrix mismatches:\n" + "\n".join(wrong)
