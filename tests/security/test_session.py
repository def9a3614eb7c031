"""Finding 3: logging out, changing one's password or being deactivated ends the session on the
server, so a session cookie copied before no longer opens anything."""
from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Role
from tests import factories


@pytest.fixture()
def victim(make_user, client_for):
    """A logged-in candidate with one piece of evidence, and the session cookie a thief copied."""
    user = make_user(Role.CANDIDATE)
    evidence = factories.make_evidence(factories.make_portfolio(user, factories.make_certification()))
    browser = client_for(user)
    return user, browser, browser.get_cookie("session").value, f"/preuves/{evidence.id}"


def _replayed(thief, cookie: str, url: str):
    thief.set_cookie("session", cookie)
    return thief.get(url)


def _shut_out(response) -> bool:
    return response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_a_copied_cookie_works_while_the_session_lasts(client, victim):
    _, _, cookie, evidence_url = victim
    assert _replayed(client, cookie, "/").status_code == 200
    assert _replayed(client, cookie, evidence_url).status_code == 200


def test_logout_ends_the_session_on_the_server(client, victim):
    _, browser, cookie, evidence_url = victim
    assert browser.submit("/deconnexion", token_from="/").status_code == 302
    assert _shut_out(_replayed(client, cookie, "/"))
    assert _shut_out(_replayed(client, cookie, evidence_url))


def test_logging_in_again_after_logout_gives_a_working_session(client, victim, password):
    user, browser, cookie, evidence_url = victim
    browser.submit("/deconnexion", token_from="/")
    assert browser.login(user.email, password).status_code == 302
    assert browser.get(evidence_url).status_code == 200
    assert _shut_out(_replayed(client, cookie, evidence_url))  # the old cookie stays dead


def test_a_password_change_ends_every_open_session(client, victim, app_ctx):
    user, browser, cookie, evidence_url = victim
    token = services.issue_password_token(user)
    form = client.get(f"/mot-de-passe/{token}")
    new_password = "un-tout-nouveau-mot-de-passe"
    response = client.post(
        f"/mot-de-passe/{token}", data={"password": new_password, "confirm": new_password, "csrf_token": form.csrf_token}
    )
    assert response.status_code == 302
    assert _shut_out(browser.get(evidence_url))
    assert _shut_out(_replayed(client, cookie, "/"))


def test_deactivation_ends_the_session_even_after_reactivation(client, victim, as_admin):
    user, browser, cookie, evidence_url = victim
    for _ in range(2):  # deactivate, then reactivate
        response = as_admin.submit(f"/admin/utilisateurs/{user.id}/activation", token_from="/admin/utilisateurs")
        assert response.status_code == 303
    assert _shut_out(browser.get(evidence_url))
    assert _shut_out(_replayed(client, cookie, evidence_url))
