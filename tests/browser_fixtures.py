"""Real browser fixtures: Debian's Chromium driven by Playwright against the app served on 127.0.0.1.

Loaded once for the whole suite (tests/conftest.py lists this module in pytest_plugins), so a
single Playwright instance serves every test that drives a browser, wherever it lives.
The server runs in a thread of the test process on the same database as the `app` fixture, so a
test prepares data with the services, then acts through the browser like a user.
Screenshots land in test-output/screenshots/. `log_in` / `log_out` act through the login form.

Accessibility: axe-core (npm, dev dependency) is injected into every page the `page` fixture opens;
it audits each page once loaded (WCAG 2.1 A and AA rules), and a serious or critical violation
fails the test when it ends. `axe_audit(page)` audits the page as it is now (after an htmx swap).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server


IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
BLOCKING_IMPACTS = ("serious", "critical")
# Runs axe on an HTML page of the top frame once it has loaded and reports serious / critical
# violations to the test through a binding; window.__probatioAxe resolves when the audit is over.
AXE_ON_LOAD = """
(() => {
  if (window.top !== window) return;
  window.__probatioAxe = new Promise((resolve) => {
    window.addEventListener("load", () => {
      if (!window.axe || !(document.contentType || "").includes("html")) return resolve(null);
      window.__probatioAxeRun().then((found) => {
        if (found.length) window.__probatioAxeReport(location.pathname + location.search, found);
        resolve(found);
      }, () => resolve(null));
    }, { once: true });
  });
})();
"""
# The audit started at load, if any (bounded: a page whose load never fires has none).
AWAIT_AUDIT = "() => Promise.race([window.__probatioAxe, new Promise((r) => setTimeout(r, 20000))])"
AXE_RUN = """
window.__probatioAxeRun = () => axe.run(document, %s).then((result) => result.violations
  .filter((v) => %s.includes(v.impact))
  .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " " + n.html.slice(0, 160)) })));
""" % (json.dumps(AXE_OPTIONS), json.dumps(list(BLOCKING_IMPACTS)))


def install_axe(context, report=None) -> bool:
    """Inject axe-core into every page of `context`; with `report(url, violations)`, audit each
    page once loaded. False when axe-core is not installed (npm ci)."""
    if not AXE_SCRIPT.exists():
        if IN_CI:
            pytest.fail(f"axe-core introuvable ({AXE_SCRIPT}) : lancez npm ci.")
        return False
    context.add_init_script(path=str(AXE_SCRIPT))
    context.add_init_script(script=AXE_RUN)
    if report is not None:
        context.expose_function("__probatioAxeReport", report)
        context.add_init_script(script=AXE_ON_LOAD)
    return True


def axe_violations(page) -> list[dict]:
    """The serious and critical axe violations of the page as it is now (waits for the audit
    that ran at load, since axe runs one audit at a time)."""
    page.evaluate(AWAIT_AUDIT)
    return page.evaluate("() => window.__probatioAxeRun()")


def describe_violations(found: list[tuple[str, list[dict]]]) -> str:
    lines = []
    for url, violations in found:
        for v in violations:
            lines.append(f"{url}: {v['impact']} {v['id']} ({v['help']})")
            lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if IN_CI:
            pytest.fail(f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian chromium.")
        pytest.skip("Chromium is not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(chromium, live_server, app_ctx):
    context = chromium.new_context(base_url=live_server, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(15_000)
    found: list[tuple[str, list[dict]]] = []
    audited = install_axe(context, report=lambda url, violations: found.append((url, violations)))
    page = context.new_page()
    yield page
    if audited and not page.is_closed():
        try:  # the audit of the page the test ended on
            page.evaluate(AWAIT_AUDIT)
        except Exception:  # a download or a page that was navigating away: nothing left to audit
            pass
    context.close()
    if found:
        pytest.fail("axe-core : violations graves ou critiques\n" + describe_violations(found), pytrace=False)


@pytest.fixture()
def axe_audit():
    """`axe_audit(page)`: the serious and critical axe violations of the page as it is now."""
    return axe_violations


@pytest.fixture(scope="session")
def screenshots(output_dir) -> Path:
    folder = output_dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def log_in(password):
    """`log_in(page, user)`: sign in through the login form, as a person does."""

    def sign_in(page, user, password: str = password) -> None:
        page.goto("/connexion")
        page.get_by_label("Adresse e-mail").fill(getattr(user, "email", user))
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/connexion" not in url)

    return sign_in


@pytest.fixture()
def log_out():
    """`log_out(page)`: the logout button of the navigation."""

    def sign_out(page) -> None:
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_url("**/connexion")

    return sign_out
