"""Each role logs in through the real server in Chromium and sees its dashboard."""
import pytest

from accounts.models import Role

EXPECTED = {
    Role.CANDIDATE: "Vous n'êtes inscrit à aucune certification",
    Role.TUTOR: "Aucun candidat ne vous est attribué",
    Role.JUROR: "Vous ne siégez dans aucune session de jury",
    Role.ADMIN: "Gérer les utilisateurs",
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_logs_in_and_sees_its_dashboard(log_in, log_out, page, make_user, screenshots, role):
    user = make_user(role, name=f"Personne {role.label}")
    log_in(page, user.email)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == f"Bonjour Personne {role.label}"
    assert page.get_by_text(EXPECTED[role]).count() >= 1
    page.screenshot(path=str(screenshots / f"tableau-de-bord-{role.value}.png"), full_page=True)
    log_out(page)


def test_skip_link_is_first_and_focus_is_visible(log_in, page, make_user):
    user = make_user(Role.CANDIDATE)
    log_in(page, user.email)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_wrong_password_message_in_browser(page, make_user):
    user = make_user(Role.TUTOR)
    log_in_attempt = page.goto("/connexion")
    assert log_in_attempt.status == 200
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill("mauvais mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").inner_text() == "Adresse e-mail ou mot de passe incorrect."


def test_htmx_is_served_from_the_npm_package(page, live_server):
    response = page.goto("/vendor/htmx.min.js")
    assert response.status == 200
    assert "htmx" in response.text()[:2000]
