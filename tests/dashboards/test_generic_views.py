"""Every generic view — one that resolves a model by its label — answers as the item's own page
(issue 14, 8): never a 200 where the item's own page says 404, for any person and any type of item
the registry can name."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from efficiency.models import User
from efficiency.registry import clock_models

pytestmark = pytest.mark.django_db

# The views that take a model label from the URL; each is checked below.
GENERIC_VIEWS = {"dashboards:item"}
PER_MODEL = 2  # items of each registered type checked, the attack cases of the demo included


def _patterns(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern):
            yield f"{prefix}{p.name}", p.pattern


def test_every_view_that_resolves_a_model_by_label_is_covered():
    takes_label = {name for name, pattern in _patterns()
                   if "label" in getattr(pattern, "converters", {}) or "label" in getattr(pattern, "regex").groupindex}
    assert takes_label == GENERIC_VIEWS


def _attack_items() -> None:
    """Besides the demo: the two leaks of issue 14 (a complaint about a city's office, a case
    against a unit head) and a bad rating's follow-up, the newest of their types."""
    from accountability import services as acc
    from approvals import services as appr
    from approvals.models import BAD_SCORES, Application
    from efficiency.models import Role, Unit

    acc.complaint_file(category="slow", subject_unit=Unit.objects.get(code="EZ-XNB"), description="效能办推诿",
                       is_anonymous=True)
    head = User.objects.filter(role=Role.HEAD).order_by("pk").first()
    acc.case_open(actor=User.objects.get(username="lingdao"), unit=head.unit, person=head, reason="审批超时")
    rateable = next(a for a in Application.objects.order_by("-pk") if appr.rating_allowed(a))
    appr.rating_submit(application=rateable, score=min(BAD_SCORES), comment="态度差")


def test_the_generic_item_page_never_shows_what_the_items_own_page_hides(db):
    call_command("seed_demo", stdout=StringIO())
    _attack_items()
    people = list(User.objects.filter(is_active=True).order_by("username"))
    leaks, missing = [], []
    for entry in clock_models():
        if entry.model._meta.app_label == "clocktest":
            continue
        items = list(entry.model._default_manager.order_by("-pk")[:PER_MODEL])
        if not items:
            missing.append(entry.label)
        for item in items:
            for person in people:
                client = Client()
                client.force_login(person)
                generic = client.get(f"/dashboards/item/{entry.label}/{item.pk}/").status_code
                own = client.get(item.get_absolute_url()).status_code
                assert generic in (200, 404) and own in (200, 302, 404), (entry.label, person.username)
                if generic == 200 and own == 404:
                    leaks.append(f"{person.username} ({person.role}) sees {entry.label}#{item.pk}")
    assert not leaks, "the generic item page shows what the item's own page hides:\n" + "\n".join(leaks)
    assert not missing, f"no item of {missing}: add one, so the generic page is checked for it"
