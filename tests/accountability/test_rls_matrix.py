"""The cross-unit matrix (tests/accountability/test_recusal.py) with the app's own unit scoping
switched off, as the app role: row-level security alone keeps each unit to its own (issue #18).
The app's own rules beyond units (recusal, a clerk's own cases) stay on: RLS does not model them."""

import pytest

from tests.permission_matrix import assert_matrix, client_for_org
from tests.rls import app_role, unscoped  # noqa: F401 - fixtures

from .test_recusal import EXPECTED, _generic, items  # noqa: F401 - `items` is a fixture


@pytest.fixture
def walled(app_role, unscoped):  # noqa: F811
    return None


def test_the_pages_matrix_holds_on_row_level_security_alone(walled, org, items):  # noqa: F811
    assert_matrix(client_for_org(org), lambda item: item.get_absolute_url(), items, EXPECTED)
    assert_matrix(client_for_org(org), _generic, items, EXPECTED)


def test_the_api_matrix_holds_on_row_level_security_alone(walled, org, items):  # noqa: F811
    from accountability.models import AccountabilityCase

    def url(item):
        kind = "cases" if isinstance(item, AccountabilityCase) else "complaints"
        return f"/api/v1/accountability/{kind}/{item.pk}/"

    assert_matrix(client_for_org(org), url, items, EXPECTED)


def test_without_row_level_security_the_switched_off_scoping_would_leak(transactional_db, unscoped, org,
                                                                         items):  # noqa: F811
    """The control: the same switch as the superuser (RLS bypassed) lets unit B see unit A's."""
    with pytest.raises(AssertionError, match="clerk_b"):
        assert_matrix(client_for_org(org), lambda item: item.get_absolute_url(), items, EXPECTED)
