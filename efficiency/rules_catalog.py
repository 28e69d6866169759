"""The rules page's data, generated — never typed by hand (issue 16, deliverable 6).

`manage.py rules_index` writes `efficiency/rules_index.json` (committed) from two sources:

- the rules themselves: the R rows and the "Local defaults" table of `../shared/RULES.md`
  (`parse_rules_md`). Production has no `../shared`, so the JSON keeps a copy; when the file
  is absent the command keeps the copy it already has.
- where each rule lives (`scan`): every R-ID named in the repository's Python source.
  *Code*: a comment or string outside `tests/` naming `Rnn` (the rows of `rules_seed.py`, a
  docstring "(R16, R17)", a marker `# rule: R53 enforced`), with the function or class around
  it. *Tests*: a test function whose name (`test_r64_…`), docstring, def-line or body comments
  name the rule, a test class's docstring, or a test module's docstring.

What a rule is (`kind`): a code marker `rule: Rnn recorded` / `target` / `enforced` says it;
otherwise a rule some test names is "enforced", and one no test names is "untested" — the page
says "not yet enforced" for it, honestly. `tests/efficiency/test_rules_index.py` fails when
the committed file is stale and lists every R-ID no test names.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

from django.conf import settings

INDEX_PATH = Path(__file__).with_name("rules_index.json")
KINDS = ("enforced", "recorded", "target")
RULE_ID = re.compile(r"\bR(0[1-9]|[1-6][0-9])\b")
MARKER = re.compile(r"\brule:\s*((?:R\d\d[\s,]*)+)\s*(enforced|recorded|target)?")
TEST_NAME_ID = re.compile(r"(?:^|_)r(0[1-9]|[1-6][0-9])(?=_|$)")
# Not source of the product: the environment, generated or vendored files, benchmarks, and the
# scanner and its test (they name R-IDs as examples).
SKIP_DIRS = {".venv", "node_modules", "static", "var", "bench", "migrations", "locale", "__pycache__", ".git"}
SKIP_FILES = {"efficiency/rules_catalog.py", "efficiency/management/commands/rules_index.py",
              "tests/efficiency/test_rules_index.py"}


# --- RULES.md ---------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_rules_md(text: str) -> dict:
    """The R rows (id, text, source) and the local defaults (default, what the seeds say)."""
    rules, defaults, section = [], [], "rules"
    for line in text.splitlines():
        if line.startswith("## "):
            section = "defaults" if "Local defaults" in line else "other"
            continue
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = _cells(line)
        if section == "rules" and len(cells) == 3 and re.fullmatch(r"R\d\d", cells[0]):
            rules.append({"id": cells[0], "text": cells[1], "source": cells[2]})
        elif section == "defaults" and len(cells) == 2 and cells[0] != "default":
            defaults.append({"default": cells[0], "seeds_say": cells[1]})
    return {"rules": rules, "local_defaults": defaults}


def rules_md_path() -> Path | None:
    """`../shared/RULES.md` beside the checkout (a worktree sits one level deeper)."""
    base = Path(settings.BASE_DIR)
    for candidate in (base.parent / "shared" / "RULES.md", base.parent.parent / "shared" / "RULES.md"):
        if candidate.is_file():
            return candidate
    return None


# --- the repository ---------------------------------------------------------------------------


def _sources(root: Path):
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if SKIP_DIRS & set(rel.parts[:-1]) or rel.as_posix() in SKIP_FILES:
            continue
        yield rel.as_posix(), path.read_text(encoding="utf-8")


def _mentions(text: str):
    """(line, text) of every comment and string token, each string line on its own."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string
            elif tok.type == tokenize.STRING:
                for offset, part in enumerate(tok.string.splitlines()):
                    yield tok.start[0] + offset, part
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def _scopes(tree: ast.AST) -> list[tuple[int, int, str, ast.AST]]:
    """(first line, last line, dotted name, node) of every function and class."""
    found = []

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append((first, child.end_lineno, name, child))
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def _innermost(scopes, line: int):
    inside = [s for s in scopes if s[0] <= line <= s[1]]
    return max(inside, key=lambda s: s[0]) if inside else None


def _is_test(scope) -> bool:
    return scope is not None and scope[2].rsplit(".", 1)[-1].startswith(("test_", "Test"))


def _test_scope(scopes, line: int):
    """The test function (or test class) around a line, else None (a fixture, a helper)."""
    inside = sorted((s for s in scopes if s[0] <= line <= s[1]), key=lambda s: s[0])
    tests = [s for s in inside if _is_test(s)]
    return tests[-1] if tests else None


def scan(root: Path) -> dict[str, dict]:
    """R-ID → {"code": [...], "tests": [...], "kinds": {...}}; places are {path, line, name}."""
    found: dict[str, dict] = {}

    def place(rid, key, path, line, name):
        entry = found.setdefault(rid, {"code": [], "tests": [], "kinds": set()})
        spot = {"path": path, "line": line, "name": name}
        if spot not in entry[key]:
            entry[key].append(spot)

    for path, text in _sources(root):
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        scopes = _scopes(tree)
        is_test_file = path.startswith("tests/")
        head = tree.body[0] if tree.body else None
        doc_lines = (range(head.lineno, head.end_lineno + 1) if isinstance(head, ast.Expr)
                     and isinstance(head.value, ast.Constant) and isinstance(head.value.value, str) else range(0))
        for line, part in _mentions(text):
            ids = {f"R{m}" for m in RULE_ID.findall(part)}
            if not ids:
                continue
            if is_test_file:
                scope = _test_scope(scopes, line)
                for rid in ids:
                    if scope is not None:
                        place(rid, "tests", path, scope[0], scope[2])
                    elif line in doc_lines:
                        place(rid, "tests", path, 1, "(module)")
                continue
            scope = _innermost(scopes, line)
            for rid in ids:
                place(rid, "code", path, line, scope[2] if scope else "")
            for marked, kind in MARKER.findall(part):
                for rid in RULE_ID.findall(marked):
                    found.setdefault(f"R{rid}", {"code": [], "tests": [], "kinds": set()})["kinds"].add(
                        kind or "enforced")
        if is_test_file:
            for first, _last, name, node in scopes:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                    for rid in TEST_NAME_ID.findall(node.name):
                        place(f"R{rid}", "tests", path, first, name)
    return found


def kind_of(entry: dict | None) -> str:
    """A code marker's kind (the weakest one wins: a rule recorded somewhere is not enforced
    everywhere); else enforced when a test names it; else untested."""
    if entry is None or not entry["tests"]:
        return "untested"
    for kind in ("target", "recorded", "enforced"):
        if kind in entry["kinds"]:
            return kind
    return "enforced"


def build(root: Path, parsed: dict) -> dict:
    found = scan(root)
    rules = []
    for rule in parsed["rules"]:
        entry = found.get(rule["id"])
        rules.append({**rule, "kind": kind_of(entry),
                      "code": sorted(entry["code"], key=lambda p: (p["path"], p["line"])) if entry else [],
                      "tests": sorted(entry["tests"], key=lambda p: (p["path"], p["line"])) if entry else []})
    return {"generated_by": "python manage.py rules_index", "rules": rules,
            "local_defaults": parsed["local_defaults"]}


def render(index: dict) -> str:
    return json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def generate(rules_md: Path | None = None) -> dict:
    """The index as it should be now: RULES.md when present, else the committed copy's rules."""
    path = rules_md or rules_md_path()
    parsed = parse_rules_md(path.read_text(encoding="utf-8")) if path else committed_rules()
    return build(Path(settings.BASE_DIR), parsed)


def load() -> dict:
    """The committed index (what the rules page shows)."""
    return json.loads(INDEX_PATH.read_text(encoding="utf-8"))


def committed_rules() -> dict:
    index = load()
    return {"rules": [{k: r[k] for k in ("id", "text", "source")} for r in index["rules"]],
            "local_defaults": index["local_defaults"]}


def untested(index: dict) -> list[str]:
    return [r["id"] for r in index["rules"] if not r["tests"]]


def source_lines(path: str, line: int, around: int = 12) -> list[tuple[int, str]] | None:
    """Lines of a file the index names (and only those files), for the source view."""
    index = load()
    known = {p["path"] for r in index["rules"] for p in (*r["code"], *r["tests"])}
    if path not in known:
        return None
    lines = (Path(settings.BASE_DIR) / path).read_text(encoding="utf-8").splitlines()
    start = max(1, line - around)
    return [(n, lines[n - 1]) for n in range(start, min(len(lines), line + around) + 1)]
