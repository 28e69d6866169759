"""The rules page and its generated index (issue 16, deliverables 4 and 6): every rule of
RULES.md with the code and the tests that name it, the local defaults labelled as such."""

import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps

from efficiency import rules_catalog, rules_seed
from efficiency.models import TimeLimitRule

SEED_CITATION = re.compile(r"20(08|10|14|19)|号|意见|鄂|驻政|§")
LOCAL_CODES = {"task.node", "task.progress_report", "application.review_step", "rating.callback", "rating.fix",
               "complaint.accept", "complaint.return", "complaint.reply", "complaint.review", "rectification",
               "case.investigation", "case.statement", "project.procedure"}


# --- the generated index -------------------------------------------------------------------------


def test_the_committed_rules_index_is_current():
    """Regenerated from RULES.md (or the committed copy) and today's code and tests, the index
    is byte for byte the committed one; else `python manage.py rules_index` was not run."""
    fresh = rules_catalog.render(rules_catalog.generate())
    committed = rules_catalog.INDEX_PATH.read_text(encoding="utf-8")
    if fresh != committed:
        old, new = rules_catalog.json.loads(committed), rules_catalog.json.loads(fresh)
        changed = [n["id"] for o, n in zip(old["rules"], new["rules"], strict=False) if o != n]
        pytest.fail(f"efficiency/rules_index.json is stale (rules {changed or 'list'} changed): "
                    "run python manage.py rules_index and commit it")


def test_the_copy_of_the_rules_matches_the_shared_rules_md():
    path = rules_catalog.rules_md_path()
    if path is None:
        pytest.skip("../shared/RULES.md is not beside this checkout")
    assert rules_catalog.committed_rules() == rules_catalog.parse_rules_md(path.read_text(encoding="utf-8"))


def test_the_index_holds_every_rule_of_rules_md_in_order():
    ids = [r["id"] for r in rules_catalog.load()["rules"]]
    assert ids == [f"R{n:02d}" for n in range(1, 70)]
    assert len(rules_catalog.load()["local_defaults"]) >= 10


def test_every_rule_is_named_by_a_test():
    missing = rules_catalog.untested(rules_catalog.load())
    assert not missing, f"{len(missing)} rules named by no test: {' '.join(missing)}"


def test_it_finds_rule_ids_in_test_names_docstrings_comments_and_code_markers(tmp_path, settings):
    (tmp_path / "tests").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        '"""Module about R30."""\n\n\ndef helper():  # R01 in a helper proves nothing\n    pass\n\n\n'
        'def test_r64_a_plan_needs_a_goal():\n    pass\n\n\n'
        'def test_other():\n    """R53: banned."""\n\n\n'
        'class TestThing:\n    def test_inner(self):\n        assert 1  # R57\n', encoding="utf-8")
    (tmp_path / "app" / "services.py").write_text(
        'def refuse():\n    # rule: R53 enforced\n    return 1\n\n\ndef count():\n    # rule: R41 recorded\n    pass\n'
        'X = "R99 is no rule, nor is R00"\n', encoding="utf-8")
    found = rules_catalog.scan(tmp_path)
    assert set(found) == {"R30", "R64", "R53", "R57", "R41"}  # R01 in a helper is not a test
    assert found["R30"]["tests"] == [{"path": "tests/test_x.py", "line": 1, "name": "(module)"}]
    assert found["R64"]["tests"][0]["name"] == "test_r64_a_plan_needs_a_goal"
    assert found["R57"]["tests"][0]["name"] == "TestThing.test_inner"
    assert found["R53"]["code"] == [{"path": "app/services.py", "line": 2, "name": "refuse"}]
    assert [rules_catalog.kind_of(found.get(r)) for r in ("R53", "R41", "R64", "R01")] == \
        ["enforced", "untested", "enforced", "untested"]
    found["R41"]["tests"].append({"path": "tests/t.py", "line": 1, "name": "t"})
    assert rules_catalog.kind_of(found["R41"]) == "recorded"


def test_it_parses_the_rule_rows_and_the_local_defaults_of_rules_md():
    parsed = rules_catalog.parse_rules_md(
        "# x\n\n| id | rule | source |\n| --- | --- | --- |\n| R01 | working days | AL §82 |\n"
        "| R02 | start day | 民法典 |\n\n## Local defaults — not from the seeds\n\n| default | what the seeds say instead |\n"
        "| --- | --- |\n| node 20 wd | each task its own |\n")
    assert parsed == {"rules": [{"id": "R01", "text": "working days", "source": "AL §82"},
                                {"id": "R02", "text": "start day", "source": "民法典"}],
                      "local_defaults": [{"default": "node 20 wd", "seeds_say": "each task its own"}]}


def test_the_rules_index_command_check_fails_on_a_stale_file(tmp_path, monkeypatch):
    from django.core.management import CommandError, call_command

    stale = tmp_path / "rules_index.json"
    stale.write_text('{"rules": [], "local_defaults": []}\n', encoding="utf-8")
    monkeypatch.setattr(rules_catalog, "committed_rules", lambda: rules_catalog.parse_rules_md(
        "| id | rule | source |\n| R01 | a | b |\n"))
    monkeypatch.setattr(rules_catalog, "rules_md_path", lambda: None)
    monkeypatch.setattr(rules_catalog, "INDEX_PATH", stale)
    with pytest.raises(CommandError, match="stale"):
        call_command("rules_index", "--check")
    call_command("rules_index")
    call_command("rules_index", "--check")
    assert rules_catalog.json.loads(stale.read_text(encoding="utf-8"))["rules"][0]["id"] == "R01"


# --- the local defaults (deliverable 4) -----------------------------------------------------------


@pytest.mark.django_db
def test_no_local_default_rule_row_cites_a_seed_clause():
    app_codes = {"complaint.review", "case.statement", "project.procedure"}
    rows = {r.code: r for r in TimeLimitRule.objects.filter(code__in=LOCAL_CODES - app_codes)}
    from accountability import rules as accountability_rules
    from supervision import rules as supervision_rules

    for code in ("complaint.review", "case.statement"):
        rows[code] = accountability_rules.rule(code)
    rows["project.procedure"] = supervision_rules.rule("project.procedure")
    assert set(rows) == LOCAL_CODES
    for code, row in rows.items():
        assert row.local_default and row.source == rules_seed.LOCAL_DEFAULT, code
        assert not SEED_CITATION.search(row.source), code
    assert not TimeLimitRule.objects.exclude(code__in=LOCAL_CODES).filter(local_default=True).exists()
    for code, _name, _kind, source, *_rest in rules_seed.RULES:
        assert (code in LOCAL_CODES) == (source == rules_seed.LOCAL_DEFAULT), code


@pytest.mark.django_db
def test_the_migration_relabels_an_existing_row_that_cited_a_seed():
    TimeLimitRule.objects.filter(code="task.node").update(source="2019 意见（七）", local_default=False)
    TimeLimitRule.objects.filter(code="rectification").update(name="整改：按督查反馈设定的期限")
    import_module("efficiency.migrations.0010_rule_local_default").label(apps, None)
    node, rect = TimeLimitRule.objects.get(code="task.node"), TimeLimitRule.objects.get(code="rectification")
    assert node.local_default and node.source == "本地默认 (种子未规定)"
    assert rect.name == "整改：督查反馈未设期限时的默认期限" and rect.local_default
    assert TimeLimitRule.objects.get(code="application.notice").source == "行政许可法 §32"


@pytest.mark.django_db
def test_the_rule_admin_labels_local_defaults(org, client):
    client.force_login(org.sysadmin)
    page = client.get("/admin/efficiency/timelimitrule/").content.decode()
    row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*task\.node(?:(?!</tr>).)*</tr>', page, re.S).group(0)
    assert "本地默认 (种子未规定)" in row and "2019" not in row
    notice = re.search(r'<tr[^>]*>(?:(?!</tr>).)*application\.notice(?:(?!</tr>).)*</tr>', page, re.S).group(0)
    assert "行政许可法 §32" in notice and "本地默认" not in notice
    client.cookies["django_language"] = "en"
    assert "local default (not set by the seeds)" in client.get("/admin/efficiency/timelimitrule/").content.decode()


def test_no_code_comment_cites_a_seed_for_a_local_default_number():
    """The numbers of RULES.md's "Local defaults" are not cited to a seed in code or docs."""
    root = Path(rules_catalog.settings.BASE_DIR)
    offenders = []
    for path in [*root.glob("*/*.py"), *root.glob("*/services/*.py"), *root.glob("docs/*.md")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"PROBLEM_ROUNDS = |种子未规定，取|取效能办环节通行", line) and SEED_CITATION.search(line):
                offenders.append(f"{path.relative_to(root)}:{n}")
    assert not offenders


# --- the page (deliverable 6) ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rules_page_lists_every_rule_with_its_places(org, client):
    client.force_login(org.office)
    response = client.get("/rules/")
    assert response.status_code == 200
    page = response.content.decode()
    assert len(re.findall(r'data-rule="R\d\d"', page)) == 69
    r07 = re.search(r'<tr id="R07".*?</tr>', page, re.S).group(0)
    assert "supervision/services/common.py:" in r07 and "test_a_policy_difficulty_is_reported" in r07
    assert 'href="/rules/source/?path=' in r07
    assert "2019 (六)" in r07 and 'data-kind="enforced"' in r07
    node = re.search(r'<tr data-limit="task.node">.*?</tr>', page, re.S).group(0)
    assert "本地默认 (种子未规定)" in node and "20" in node
    assert "key-task node limit 20 working days" in page


@pytest.mark.django_db
def test_an_untested_rule_says_not_yet_enforced(org, client, monkeypatch):
    index = rules_catalog.load()
    index["rules"][0] = {**index["rules"][0], "kind": "untested", "code": [], "tests": []}
    monkeypatch.setattr(rules_catalog, "load", lambda: index)
    client.force_login(org.leader)
    row = re.search(r'<tr id="R01".*?</tr>', client.get("/rules/").content.decode(), re.S).group(0)
    assert "尚未落实" in row and "尚无测试" in row


@pytest.mark.django_db
def test_the_rules_page_is_for_the_office_leaders_and_administrators_only(org, client):
    assert client.get("/rules/").status_code == 302  # to the login page
    for outsider in (org.clerk_a, org.head_a):
        client.force_login(outsider)
        assert client.get("/rules/").status_code == 404
        assert client.get("/rules/source/?path=efficiency/rules_seed.py&line=1").status_code == 404
    for staff in (org.office, org.leader, org.sysadmin, org.secadmin, org.auditadmin):
        client.force_login(staff)
        assert client.get("/rules/").status_code == 200


@pytest.mark.django_db
def test_the_source_view_shows_only_files_the_index_names(org, client):
    client.force_login(org.office)
    place = next(r["code"][0] for r in rules_catalog.load()["rules"] if r["id"] == "R07")
    page = client.get(f"/rules/source/?path={place['path']}&line={place['line']}").content.decode()
    assert f'id="L{place["line"]}" class="rules-source-hit"' in page and "R07" in page
    for bad in ("path=efficiency/settings.py&line=1", "path=../shared/RULES.md&line=1",
                f"path={place['path']}&line=x", "path=/etc/passwd&line=1"):
        assert client.get(f"/rules/source/?{bad}").status_code == 404, bad
