"""axe-core over every GET route of the authorization table, as each role: 0 serious or critical
violation (WCAG 2.1 A and AA), on a 390 px wide screen (a phone) where no page may scroll sideways.
Error pages (403, 404) are audited too; files and scripts are not pages and are left out by their
content type."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.authorization as tables
from tests.authorization import world as shared_world
from tests.authorization.cases import ROLES
from tests.browser_fixtures import AWAIT_AUDIT, axe_violations, describe_violations, install_axe

world = shared_world.world


def _get_routes() -> dict:
    routes = {}
    for module_info in pkgutil.iter_modules(tables.__path__):
        if module_info.name.startswith("routes_"):
            module = importlib.import_module(f"tests.authorization.{module_info.name}")
            routes.update({e: c for e, c in module.ROUTES.items() if c.method == "GET"})
    return routes


GET_ROUTES = _get_routes()
PHONE = {"width": 390, "height": 844}
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture()
def role_context(chromium, live_server, app_ctx):
    contexts = []

    def open_context():
        context = chromium.new_context(base_url=live_server, locale="fr-FR", viewport=PHONE)
        context.set_default_timeout(15_000)
        if not install_axe(context):
            pytest.skip("axe-core is not installed (npm ci)")
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe(role, world, role_context, log_in):
    context = role_context()
    page = context.new_page()
    if role != "anonymous":
        log_in(page, world["users"][role])
    audited, found, seen, wide = 0, [], set(), []
    for endpoint, case in sorted(GET_ROUTES.items()):
        url = case.url(world)
        probe = context.request.get(url, max_redirects=0)
        if not probe.headers.get("content-type", "").startswith("text/html"):
            continue
        if probe.status in (301, 302, 303) and role == "anonymous":
            continue  # the login page, audited once on its own route
        if probe.status in (301, 302, 303):
            # A download may redirect to the object store (MinIO's signed link): not a page.
            landing = context.request.get(url)
            if not landing.headers.get("content-type", "").startswith("text/html"):
                continue
        page.goto(url)
        if page.url in seen:
            continue
        seen.add(page.url)
        violations = axe_violations(page)
        audited += 1
        if violations:
            found.append((f"{endpoint} {url}", violations))
        overflow = page.evaluate(SIDEWAYS)
        if overflow > 0:
            wide.append(f"{endpoint} {url}: {overflow} px de trop")
    assert audited >= 1
    assert not found, "\n" + describe_violations(found)
    assert not wide, "défilement horizontal à 390 px :\n" + "\n".join(wide)


def test_the_audit_sees_a_violation(page, axe_audit):
    """The audit is live: an unlabelled field on a page of the app is a critical violation."""
    page.goto("/connexion")
    page.evaluate("() => { const i = document.createElement('input'); document.querySelector('main').append(i); }")
    found = axe_audit(page)
    assert "label" in [v["id"] for v in found]
    page.evaluate("() => document.querySelector('main input:not([id])').remove()")


def test_every_page_opened_by_the_page_fixture_is_audited_at_load(page):
    page.goto("/connexion")
    assert page.evaluate(AWAIT_AUDIT) == []
