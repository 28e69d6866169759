"""The ledgers' filter forms (efficiency.listing, issue 17): a unit drop-down lists the active units
from this process's copy (`efficiency.queries.active_units`) and every `<select>` is built in
Python (`LedgerFormRenderer`) — the same HTML as Django's widget templates, escaping included; a
unit added or renamed shows on the next request; a foreign unit id is refused; the pages' statement
counts are pinned."""

import django_filters
import pytest
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy as _

from accountability.filters import BulletinFilter, CaseFilter, ComplaintFilter
from approvals.filters import ApplicationFilter
from efficiency import listing, process_cache
from efficiency.filters import NotificationFilter
from efficiency.models import Unit
from inspection.filters import PlanFilter, RectificationFilter, VisitFilter
from supervision.filters import AssignmentFilter, KeyTaskFilter, TargetFilter
from tests.factories import make_unit

pytestmark = pytest.mark.django_db
LEDGERS = [ComplaintFilter, CaseFilter, BulletinFilter, ApplicationFilter, NotificationFilter, PlanFilter, RectificationFilter,
           VisitFilter, AssignmentFilter, KeyTaskFilter, TargetFilter]
COMPLAINTS, APPLICATIONS = "/accountability/complaints/", "/approvals/applications/"


@pytest.fixture
def settled(monkeypatch):
    """As in a server: the units were saved long ago, and the once-a-second recheck is not due."""
    process_cache.forget_all()
    now = [0.0]
    monkeypatch.setattr(process_cache, "monotonic", lambda: now[0])
    return now


def _old_unit_select(name, value, attrs):
    """The drop-down as it was: django-filter's ModelChoiceField over the active units, through
    Django's widget templates."""
    field = django_filters.fields.ModelChoiceField(queryset=Unit.objects.filter(is_active=True).order_by("code"),
                                                   empty_label=_("全部"), required=False)
    return field.widget.render(name, value, attrs, renderer=DjangoTemplates())


@pytest.mark.parametrize("ledger", LEDGERS, ids=lambda f: f.__name__)
def test_every_select_of_every_ledger_renders_as_djangos_templates_did(org, ledger):
    make_unit('<script>alert("x")</script> & 局', code="A0")
    data = {name: "" for name in ledger.base_filters}
    for name, f in ledger.base_filters.items():  # a choice selected where there is one
        if isinstance(f, listing.UnitFilter):
            data[name] = str(org.unit_b.pk)
        elif isinstance(f, django_filters.ChoiceFilter) and f.extra.get("choices"):
            data[name] = str(list(f.extra["choices"])[-1][0])
    form = ledger(data, queryset=ledger._meta.model.objects.none()).form
    assert form.renderer is listing._FORM_RENDERER
    selects = 0
    for bound in form.visible_fields():
        ours = str(bound)
        form.renderer = DjangoTemplates()
        django = str(bound)
        form.renderer = listing._FORM_RENDERER
        assert ours == django
        if isinstance(bound.field, listing.UnitChoiceField):
            selects += 1
            assert ours == _old_unit_select(bound.html_name, str(org.unit_b.pk), bound.build_widget_attrs(
                {"id": bound.auto_id}))
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 局" in ours and "<script>" not in ours
            assert f'<option value="{org.unit_b.pk}" selected>{org.unit_b.name}</option>' in ours
    assert selects == sum(isinstance(f, listing.UnitFilter) for f in ledger.base_filters.values())


def test_a_unit_added_or_renamed_is_listed_on_the_next_request(client, org, settled):
    client.force_login(org.office)
    assert "新设局" not in client.get(COMPLAINTS).content.decode()
    new = make_unit("新设局", code="Z1")  # saved here: the signal empties the copy
    assert f'<option value="{new.pk}">新设局</option>' in client.get(COMPLAINTS).content.decode()
    process_cache.forget_uncommitted()  # committed; the copy read again once
    assert "新设局" in client.get(APPLICATIONS).content.decode()
    Unit.objects.filter(pk=new.pk).update(name="改名局")  # another process's change (no signal here)
    assert "新设局" in client.get(APPLICATIONS).content.decode()  # trusted for a second
    settled[0] += process_cache.RECHECK_SECONDS
    html = client.get(APPLICATIONS).content.decode()
    assert f'<option value="{new.pk}">改名局</option>' in html and "新设局" not in html
    Unit.objects.filter(pk=new.pk).update(is_active=False)
    settled[0] += process_cache.RECHECK_SECONDS
    assert "改名局" not in client.get(COMPLAINTS).content.decode()


def test_a_foreign_or_inactive_unit_id_is_refused_with_djangos_error(client, org, settled):
    gone = make_unit("已撤销局", code="Z2")
    Unit.objects.filter(pk=gone.pk).update(is_active=False)
    process_cache.forget_uncommitted()
    client.force_login(org.office)
    for value in ("999999", str(gone.pk), "abc", "1.5"):
        html = client.get(COMPLAINTS, {"unit": value}).content.decode()
        assert '<span class="errorlist">选择一个有效的选项： 该选择不在可用的选项中。</span>' in html, value
        assert 'aria-invalid="true"' in html
    f = ComplaintFilter({"unit": str(org.unit_a.pk)}, queryset=ComplaintFilter._meta.model.objects.none())
    assert f.is_valid() and f.form.cleaned_data["unit"] == org.unit_a.pk


def test_a_unit_user_filtering_on_another_unit_sees_none_of_its_rows(client, org, settled):
    from accountability import services
    from tests.accountability.conftest import file_complaint

    c = file_complaint(org.unit_b).complaint
    services.complaint_accept(complaint=c, actor=org.office)
    services.complaint_assign(complaint=c, actor=org.office, unit=org.unit_b)
    client.force_login(org.clerk_a)
    html = client.get(COMPLAINTS, {"unit": org.unit_b.pk, "status": "all"}).content.decode()
    assert c.tracking_number not in html and f'<option value="{org.unit_b.pk}" selected>' in html
    client.force_login(org.office)
    assert c.tracking_number in client.get(COMPLAINTS, {"unit": org.unit_b.pk, "status": "all"}).content.decode()


@pytest.mark.parametrize(("url", "statements"), [(COMPLAINTS, 4), (APPLICATIONS, 5)])
def test_the_list_pages_read_no_unit_row_and_a_pinned_number_of_statements(client, org, settled, url, statements):
    """The drop-downs read the units from the process's copy: with it warm, no statement reads
    the unit table, and the page's count stays where it is (issue 17)."""
    client.force_login(org.office)
    client.get(url, {"unit": org.unit_a.pk})
    with CaptureQueriesContext(connection) as q:
        html = client.get(url, {"unit": org.unit_a.pk}).content.decode()
    assert f'<option value="{org.unit_a.pk}" selected>' in html
    assert not [s["sql"] for s in q.captured_queries if 'FROM "efficiency_unit"' in s["sql"]]
    assert len(q.captured_queries) == statements, [s["sql"][:120] for s in q.captured_queries]



