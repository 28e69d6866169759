"""`python manage.py seed_demo`: a Hubei org chart, a user per role, idempotent."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from efficiency import demo
from efficiency.models import Region, Role, Section, Unit, User

pytestmark = pytest.mark.django_db


def _counts(models):
    return {m._meta.label: m._default_manager.count() for m in models}


def test_it_builds_the_hubei_org_chart(db):
    demo.seed_org()
    assert Region.objects.get(code="420000").name == "湖北省"
    assert set(Region.objects.filter(level="city").values_list("name", flat=True)) == {"武汉市", "鄂州市"}
    assert Region.objects.filter(level="county").count() == 2
    assert Unit.objects.get(code="HB-XNB").kind == Unit.Kind.OFFICE
    assert 20 <= Unit.objects.count() <= 30
    assert Section.objects.count() >= Unit.objects.count()
    assert Unit.objects.get(code="EZ-ZRZY").name == "鄂州市自然资源和规划局"


def test_every_role_has_a_demo_user_who_can_log_in(client, db):
    demo.seed_org()
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values) - {Role.PENDING}
    for username in ("jingban", "fuzeren", "jingban2", "xiaoneng", "lingdao", "sysadmin", "secadmin", "auditadmin"):
        person = User.objects.get(username=username)
        assert person.check_password(demo.DEMO_PASSWORD), username
        assert person.is_staff == person.is_admin_role and not person.is_superuser
    assert User.objects.get(username="jingban").unit != User.objects.get(username="jingban2").unit
    assert client.post("/accounts/login/", {"username": "jingban", "password": demo.DEMO_PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200  # usable at once: no forced change by default


def test_the_demo_password_meets_the_policy(db):
    validate_password(demo.DEMO_PASSWORD, User(username="jingban", full_name="张明"))


def test_first_login_change_can_be_required(db):
    call_command("seed_demo", "--org-only", "--first-login-change", stdout=StringIO())
    assert all(User.objects.values_list("must_change_password", flat=True))


def test_a_second_run_of_the_org_changes_nothing(db):
    demo.seed_org()
    core = [m for m in apps.get_app_config("efficiency").get_models()] + [apps.get_model("auth", "Group")]
    before = _counts(core)
    demo.seed_org()
    assert _counts(core) == before


def test_a_second_run_of_the_whole_command_changes_nothing(db):
    call_command("seed_demo", stdout=StringIO())
    before = _counts(apps.get_models())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    after = _counts(apps.get_models())
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert not changed, f"seed_demo is not idempotent: {changed}"
    assert "jingban" in out.getvalue() and demo.DEMO_PASSWORD in out.getvalue()


def test_the_core_calls_each_apps_demo_seed_without_naming_apps():
    source = (demo.__file__ and open(demo.__file__, encoding="utf-8").read())
    for app in ("supervision", "approvals", "accountability", "inspection", "dashboards"):
        assert app not in source
