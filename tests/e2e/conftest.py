"""Browser tests: Debian's Chromium driven by Playwright, headless.

Skipped only when Chromium is absent *and* we are not in CI; in CI they always run.
"""

import json
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: browser tests must run")
        pytest.skip("Chromium not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# After each page load axe-core checks the page against WCAG 2.1 A/AA and logs what it found; the
# fixture collects those logs and fails the test if any page it visited had a violation. The
# script goes in through the DevTools protocol (an init script), so the pages' CSP is untouched.
AXE_RUNNER = """
;(() => {
  if (window.top !== window) return;
  let running = null;
  window.__axeRun = () => running || (running = axe.run(document, {runOnly: {type: 'tag', values: %s}})
    .then(r => {
      const found = r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
      console.log('__AXE__' + JSON.stringify({url: location.href, violations: found}));
      return found;
    }));
  window.addEventListener('load', () => setTimeout(window.__axeRun, 0));
})();
""" % json.dumps(AXE_TAGS)


def _checked_context(browser, **options):
    """A browser context whose pages are checked by axe-core; returns (context, page, findings)."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` installs axe-core from the npm registry")
    context.add_init_script(AXE.read_text(encoding="utf-8") + AXE_RUNNER)
    findings = []

    def on_console(message):
        if message.text.startswith("__AXE__"):
            report = json.loads(message.text[len("__AXE__"):])
            if report["violations"]:
                findings.append(report)

    pg = context.new_page()
    pg.on("console", on_console)
    pg.set_default_timeout(15000)
    return context, pg, findings


def _finish(pg, findings, allowed=()):
    """The page still open was maybe not checked yet: check it now, then fail on any finding
    (except the rules a test marks `axe_allow`, e.g. the attack page of an XSS test)."""
    try:
        if pg.url.startswith("http"):
            pg.evaluate("() => window.__axeRun && window.__axeRun()")
    except Exception:  # noqa: BLE001 - a closed page or a download: nothing left to check
        pass
    findings = [{**r, "violations": [v for v in r["violations"] if v["id"] not in allowed]} for r in findings]
    findings = [r for r in findings if r["violations"]]
    if findings:
        lines = [f"{r['url']}: " + "; ".join(f"{v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
                                             for v in r["violations"]) for r in findings]
        pytest.fail("axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(lines), pytrace=False)


def _allowed(request) -> tuple[str, ...]:
    marker = request.node.get_closest_marker("axe_allow")
    return tuple(marker.args) if marker else ()


@pytest.fixture
def page(browser, request):
    context, pg, findings = _checked_context(browser)
    yield pg
    try:
        _finish(pg, findings, _allowed(request))
    finally:
        context.close()


@pytest.fixture
def phone_page(browser, request):
    context, pg, findings = _checked_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True,
                                             has_touch=True)
    yield pg
    try:
        _finish(pg, findings, _allowed(request))
    finally:
        context.close()


def login(page, live_server, username, password="Passw0rd!2024"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def login_as(page, live_server, username, password="Passw0rd!2024"):
    """Switch the browser to another person."""
    page.context.clear_cookies()
    login(page, live_server, username, password)


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
