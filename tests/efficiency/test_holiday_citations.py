"""Citations of 《全国年节及纪念日放假办法》 in code, docs and translations (R01).

Art. 6 is 补假: a holiday of all citizens that falls on a Saturday or Sunday gives a weekday
off. Art. 7 (added by 国务院令第798号, 2024) is 调休: the holidays may be joined by adjusted
working weekends, set by each year's 国务院办公厅 notice. The code once cited art. 6 for the
调休 make-up working days; every line that cites art. 6 must now say 补假 and must not cite it
for 调休, and every line that speaks of 调休 with an article number cites art. 7.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARTS = ["efficiency", "approvals", "supervision", "inspection", "accountability", "dashboards",
         "templates", "docs", "locale", "tests", "README.md"]
SUFFIXES = {".py", ".md", ".html", ".po", ".txt"}
ART6 = re.compile(r"\bart(?:icle|\.)? ?6\b|第六条|第6条", re.IGNORECASE)
ART7 = re.compile(r"\bart(?:icle|\.)? ?7\b|第七条|第7条", re.IGNORECASE)
ADJUSTED = re.compile(r"调休|make-up working|adjusted working", re.IGNORECASE)


def lines():
    for part in PARTS:
        base = ROOT / part
        for path in [base] if base.is_file() else base.rglob("*"):
            if path.suffix not in SUFFIXES or path == Path(__file__) or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
                yield f"{path.relative_to(ROOT)}:{number}", line


def test_art_6_is_cited_for_补假_and_never_for_调休():  # R01
    wrong = [where for where, line in lines()
             if ART6.search(line) and ("补假" not in line or (ADJUSTED.search(line) and not ART7.search(line)))]
    assert wrong == []


def test_调休_is_cited_as_art_7():  # R01
    wrong = [where for where, line in lines()
             if ADJUSTED.search(line) and re.search(r"\bart\.? ?\d|第.条", line) and not ART7.search(line)]
    assert wrong == []
