"""Every event kind the dashboards count is one some part actually emits (the contract)."""

from pathlib import Path

from dashboards.rollups import COUNTED_KINDS

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("supervision", "inspection", "approvals", "accountability", "efficiency")


def test_every_counted_kind_is_emitted_by_a_part():
    sources = "".join(p.read_text() for part in PARTS for p in (ROOT / part).rglob("*.py"))
    # event_emit("kind", …), or a spec dict(kind="kind", …) handed to events_emit
    missing = [kind for kind in COUNTED_KINDS
               if f'event_emit("{kind}"' not in sources and f'kind="{kind}"' not in sources]
    assert missing == []
