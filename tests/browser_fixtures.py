"""Real browser fixtures: Debian's Chromium driven by Playwright against the app served on 127.0.0.1.

Loaded once for the whole suite (tests/conftest.py lists this module in pytest_plugins), so a
single Playwright instance serves every test that drives a browser, wherever it lives.
The server runs in a thread of the test process on the same database as the `app` fixture, so a
test prepares data with the services, then acts through the browser like a user.
Screenshots land in test-output/screenshots/. `log_in` / `log_out` act through the login form.
"""
from __future__ import annotations

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
    page = context.new_page()
    yield page
    context.close()


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
