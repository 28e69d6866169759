"""The `workdays` command against a table of cases across 调休, year ends and provisional years.

R01: working days exclude weekends and statutory holidays and include the adjusted working
weekends (调休上班). R02: the start day is not counted; the result is the Nth working day after.
2004–2026 come from the chinese-calendar package (official); 2027 is provisional (statutory
holidays from the `holidays` package plus the art. 6 补假 weekdays off; no art. 7 调休 weekends).
"""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection


ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("workdays", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue().strip(), err.getvalue().strip()
    return 0, out.getvalue().strip(), err.getvalue().strip()


CASES = [
    # --- R01 R02: National Day 2025 (Oct 1–8 holiday; Sun Sep 28 and Sat Oct 11 are working days)
    (("add", "2025-09-30", "3"), "2025-10-11"),  # DESIGN.md's example: Oct 9, 10, then Sat Oct 11
    (("add", "2025-09-30", "1"), "2025-10-09"),
    (("add", "2025-09-26", "1"), "2025-09-28"),  # Fri → the adjusted working Sunday
    (("add", "2025-09-27", "1"), "2025-09-28"),  # from a weekend day: the start day is not counted
    (("add", "2025-10-01", "1"), "2025-10-09"),  # from inside the holiday
    (("add", "2025-10-10", "1"), "2025-10-11"),  # the adjusted working Saturday
    (("add", "2025-10-11", "1"), "2025-10-13"),
    (("add", "2025-09-30", "0"), "2025-09-30"),
    (("count", "2025-09-30", "2025-10-11"), "3"),
    (("count", "2025-09-26", "2025-10-12"), "6"),  # Sep 28, 29, 30, Oct 9, 10, 11
    (("count", "2025-10-11", "2025-09-30"), "-3"),
    (("count", "2025-10-01", "2025-10-01"), "0"),
    (("is", "2025-09-28"), "workday"),  # Sunday, 调休上班
    (("is", "2025-10-11"), "workday"),  # Saturday, 调休上班
    (("is", "2025-10-01"), "holiday"),
    (("is", "2025-10-04"), "holiday"),  # a Saturday inside the holiday is a holiday
    (("is", "2025-10-08"), "holiday"),
    (("is", "2025-10-12"), "weekend"),
    (("is", "2025-09-30"), "workday"),
    # --- year ends (R01): New Year 2026 is Jan 1–3, Sun Jan 4 an adjusted working day
    (("add", "2025-12-31", "1"), "2026-01-04"),
    (("add", "2025-12-31", "3"), "2026-01-06"),
    (("count", "2025-12-31", "2026-01-06"), "3"),
    (("is", "2026-01-01"), "holiday"),
    (("is", "2026-01-04"), "workday"),
    (("add", "2024-12-31", "1"), "2025-01-02"),  # New Year 2025: Jan 1 only
    # --- Spring Festival 2026 (Feb 15–23; Sat Feb 14 and Sat Feb 28 working days)
    (("is", "2026-02-14"), "workday"),
    (("is", "2026-02-16"), "holiday"),
    (("is", "2026-02-23"), "holiday"),
    (("is", "2026-02-28"), "workday"),
    (("add", "2026-02-13", "1"), "2026-02-14"),
    (("add", "2026-02-13", "2"), "2026-02-24"),
    (("add", "2026-02-14", "5"), "2026-02-28"),
    (("count", "2026-02-13", "2026-02-28"), "6"),
    # --- provisional 2027: statutory days + art. 6 补假 weekdays off, weekends otherwise
    (("add", "2026-12-31", "1"), "2027-01-04"),  # Fri Jan 1 元旦, then the weekend
    (("is", "2027-02-05"), "holiday"),  # 除夕
    (("is", "2027-02-08"), "holiday"),  # 初三
    (("is", "2027-02-09"), "holiday"),  # 补假 for 初一 on Saturday (art. 6)
    (("is", "2027-02-10"), "holiday"),  # 补假 for 初二 on Sunday
    (("is", "2027-02-11"), "workday"),
    (("add", "2027-02-04", "1"), "2027-02-11"),
    (("is", "2027-05-04"), "holiday"),  # May Day Sat + Sun, made up Mon + Tue
    (("is", "2027-10-05"), "holiday"),  # National Day Oct 1–3, Sat + Sun made up
    (("is", "2027-10-06"), "workday"),
    (("add", "2027-09-30", "2"), "2027-10-07"),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_workdays_command_answers_the_table(args, expected):  # R01 R02
    code, out, err = run(*args)
    provisional = any(a[:4] == "2027" for a in args) or expected.startswith("2027")
    assert (code, out) == (3 if provisional else 0, expected), err


PROVISIONAL = [
    ("is", "2027-02-09"),  # inside the unpublished year
    ("add", "2026-12-31", "1"),  # from an official year into an unpublished one
    ("count", "2026-12-01", "2027-01-04"),
    ("add", "2028-06-01", "5"),  # computed on the fly, not even stored
]


@pytest.mark.parametrize("args", PROVISIONAL, ids=[" ".join(a) for a in PROVISIONAL])
def test_workdays_command_says_provisional_and_exits_3_for_an_unpublished_year(args):  # R01
    code, out, err = run(*args)
    assert code == 3
    assert out and "\n" not in out  # the answer alone on stdout, for scripts
    assert "provisional" in err and "暂定" in err
    assert args[1][:4] in err or "2027" in err


def test_workdays_command_says_nothing_more_for_an_official_year():  # R01
    assert run("add", "2025-09-30", "3") == (0, "2025-10-11", "")
    assert run("count", "2025-12-31", "2026-01-06") == (0, "3", "")


BAD = [
    (("is", "2025-02-30"), "格式错误"),
    (("is", "2025/10/11"), "格式错误"),
    (("add", "2025-09-30", "three"), "不是整数"),
    (("add", "2025-09-30"), "需要 2 个参数"),
    (("count", "2025-09-30"), "需要 2 个参数"),
    (("is", "2003-12-31"), "超出工作日历范围"),  # before the first year of the calendar
    (("is", "2029-01-01"), "超出工作日历范围"),  # past the last provisional year
    (("add", "2028-12-20", "30"), "超出工作日历范围"),
    (("count", "2025-01-01", "2030-01-01"), "超出工作日历范围"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_workdays_command_exits_2_with_a_message_on_bad_input(args, message):
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert message in err


@pytest.mark.django_db(transaction=True)
def test_workdays_command_runs_as_a_script():  # R01 R02
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "DATABASE_URL": _url(connection.settings_dict)}
    ok = subprocess.run([sys.executable, "manage.py", "workdays", "add", "2025-09-30", "3"],
                        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (ok.returncode, ok.stdout.strip()) == (0, "2025-10-11"), ok.stderr
    guess = subprocess.run([sys.executable, "manage.py", "workdays", "is", "2027-10-06"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (guess.returncode, guess.stdout.strip()) == (3, "workday"), guess.stderr
    assert "provisional" in guess.stderr and "暂定" in guess.stderr
    bad = subprocess.run([sys.executable, "manage.py", "workdays", "is", "2031-01-01"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "超出工作日历范围" in bad.stderr


def _url(s) -> str:
    from tests.embedded import database_url

    return database_url(s)
