"""The catalogue of event kinds (efficiency.event_kinds): every kind the code emits or reads is
registered once, reads in Chinese and in English, pages show labels and never codes, and an
unregistered kind is refused before anything is written."""

import ast
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from efficiency.event_kinds import (
    Audience, EventKind, Severity, UnknownEventKind, event_kind, event_kinds, event_label, register_event_kinds,
)
from efficiency.events import event_emit
from efficiency.models import Event, Rung
from efficiency.registry import _batch_subscribers, _formatters, _subscribers

ROOT = Path(settings.BASE_DIR)
KIND = re.compile(r"^[a-z_]+\.[a-z_]+$")
HAN = re.compile(r"[\u3400-\u9fff]")
EMITTERS = {"event_emit", "events_insert_select", "subscribe", "event_kind", "kind_label"}


def _code_files():
    """Every tracked Python file of the product (apps, core, benchmarks); tests emit only
    `test.notice`, which the clock test app registers."""
    out = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / f for f in out.stdout.split() if not f.startswith("tests/")]


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):  # nested too: (kind, count, payload) rows
        return [s for el in node.elts for s in _strings(el)]
    if isinstance(node, ast.Dict):
        return [s for key in node.keys if key is not None for s in _strings(key)]
    return []


def kinds_in_code() -> dict[str, str]:
    """Each event kind the code names where a kind goes, with the first place it is named: the
    first argument of event_emit / subscribe; `kind=` / `event__kind=` / `kind__in=` arguments;
    `x.kind == "…"`; constants named `…_KINDS` / `…_EVENTS`; and, in SQL that writes or reads
    efficiency_event (the sweep inserts its `clock.breach` rows in SQL), the quoted literals of a
    kind's namespace that are not model labels (subject types)."""
    from django.apps import apps

    found: dict[str, str] = {}
    namespaces = {k.code.split(".")[0] for k in event_kinds()}
    model_labels = {m._meta.label_lower for m in apps.get_models(include_auto_created=True)}

    def add(values, path, node):
        for value in values:
            if KIND.match(value):
                found.setdefault(value, f"{path.relative_to(ROOT)}:{node.lineno}")

    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in EMITTERS and node.args:
                    add(_strings(node.args[0]), path, node)
                for kw in node.keywords:
                    if kw.arg and re.search(r"(^|__)kind(__in)?$", kw.arg):
                        add(_strings(kw.value), path, node)
            elif isinstance(node, ast.Compare) and getattr(node.left, "attr", None) == "kind":
                for right in node.comparators:
                    add(_strings(right), path, node)
            elif isinstance(node, ast.Assign) and any(getattr(t, "id", "").endswith(("_KINDS", "_EVENTS"))
                                                      for t in node.targets):
                add(_strings(node.value), path, node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "efficiency_event" in node.value:
                add([s for s in re.findall(r"'([a-z_]+\.[a-z_]+)'", node.value)
                     if s.split(".")[0] in namespaces and s not in model_labels], path, node)
    return found


def test_every_kind_named_in_the_code_is_in_the_catalogue():
    found = kinds_in_code()
    registered = {k.code for k in event_kinds()}
    assert len(found) > 90  # the scan sees the emitting code at all
    assert {kind: where for kind, where in found.items() if kind not in registered} == {}


def test_the_catalogue_holds_no_kind_that_nothing_emits():
    emitted = set(kinds_in_code())
    assert sorted(k.code for k in event_kinds() if k.code not in emitted and k.code != "test.notice") == []


def test_a_kind_implies_only_registered_kinds_and_never_itself():
    """`EventKind.implies` (one row stating several facts: 超时默认 is the decision, the close and
    a proposal) names kinds of the catalogue, so their subscribers exist to hear it."""
    registered = {k.code for k in event_kinds()}
    assert {k.code: [i for i in k.implies if i not in registered or i == k.code]
            for k in event_kinds() if k.implies} == {"approvals.deemed_approved": []}


def test_every_subscription_and_notification_formatter_names_a_registered_kind():
    registered = {k.code for k in event_kinds()}
    prefixes = {code.split(".")[0] for code in registered}
    assert [k for k in (*_subscribers, *_batch_subscribers) if k != "*" and k not in registered] == []
    assert [k for k in _formatters if k not in registered and k.removesuffix(".*") not in prefixes] == []


def test_no_other_module_keeps_a_map_from_kinds_to_labels():
    """The five label maps this replaced (timelines, inbox titles) must not come back."""
    registered = {k.code for k in event_kinds()}
    maps = []
    for path in _code_files():
        if path.name == "event_kinds.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                labelled = [v for v in node.values if isinstance(v, ast.Call)]
                if len([k for k in keys if k in registered]) >= 2 and labelled:
                    maps.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert maps == []


def test_every_kind_reads_in_chinese_by_default_and_in_english():
    kinds = [k for k in event_kinds() if k.code != "test.notice"]
    with translation.override("zh-hans"):
        chinese = {k.code: str(k.label) for k in kinds}
    with translation.override("en"):
        english = {k.code: str(k.label) for k in kinds}
    assert [c for c, label in chinese.items() if not HAN.search(label)] == []
    assert [c for c, label in english.items() if HAN.search(label) or not label.strip()] == []
    assert chinese["clock.breach"] == "预警升级" and english["clock.breach"] == "Warning raised"
    assert chinese["rectification.opened"] == "交办整改"


def test_every_kind_has_an_audience_and_a_severity():
    for kind in event_kinds():
        assert kind.audience in Audience.values and kind.severity in Severity.values, kind


@pytest.mark.django_db
def test_an_unregistered_kind_is_refused_and_nothing_is_written(org):
    with pytest.raises(UnknownEventKind, match="clock.braech"):
        event_emit("clock.braech", subject=org.unit_a, recipients=["office"])
    assert not Event.objects.filter(kind="clock.braech").exists()
    event_emit("clock.breach", subject=org.unit_a, level_from=0, level_to=Rung.YELLOW)  # the real one is fine
    assert Event.objects.filter(kind="clock.breach").count() == 1


def test_a_kind_is_registered_once():
    with pytest.raises(ValueError, match="already registered"):
        register_event_kinds([EventKind("clock.breach", "另一个名字")])
    register_event_kinds([event_kind("clock.breach")])  # the same definition again (ready() twice) is harmless
    with pytest.raises(ValueError):
        EventKind("nodot", "x")
    with pytest.raises(ValueError):
        EventKind("x.y", "x", audience="everyone")


def test_a_card_names_its_rung_and_a_late_close_says_so():
    assert event_label(Event(kind="clock.breach", level_from=0, level_to=Rung.YELLOW)) == "黄牌"
    assert event_label(Event(kind="clock.breach", level_from=Rung.YELLOW, level_to=Rung.RED)) == "黄牌 → 红牌"
    assert event_label(Event(kind="clock.closed", payload={"late": True})) == "超期停止计时"
    assert event_label(Event(kind="clock.closed", payload={"late": False})) == "停止计时"
    assert event_label(Event(kind="gone.kind")) == "事件"  # an old row of a retired kind: never its code


@pytest.mark.django_db
def test_the_assignment_page_shows_labels_not_codes(client, org):
    from supervision import services
    from supervision.models import AssignmentKind

    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        item = services.assignment_create(
            actor=org.office, kind=AssignmentKind.INSTRUCTION, title="关于加快推进项目审批的批示",
            source_text="请加快推进。", issuing_leader="刘市长", lead_unit=org.unit_a)
    target = item.targets.get()
    services.target_urge(actor=org.office, target=target)
    event_emit("clock.breach", subject=target, level_from=Rung.YELLOW, level_to=Rung.RED)
    client.force_login(org.clerk_a)
    page = client.get(reverse("supervision:assignment", args=[item.pk])).content.decode()
    timeline = page[page.index('id="timeline"'):]
    assert "登记" in timeline and "督办" in timeline and "黄牌 → 红牌" in timeline
    assert re.findall(r"\b(?:clock|assignment)\.[a-z_]+\b", page) == []
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        page = client.get(reverse("supervision:assignment", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Urged" in page[page.index('id="timeline"'):]
