"""Helpers for browser tests; the fixtures (live_server, chromium, page, screenshots) live in
tests/browser_fixtures.py, loaded for the whole suite."""
from tests.conftest import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion" not in url)


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion")
