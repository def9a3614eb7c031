"""Finding 1: the page a login sends back to (`next`) is always a path of this site."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from accounts.models import Role

HOSTILE = [
    "/%09/evil.example/",  # a tab, stripped when the Location header is built
    "/%0A/x",  # a line break: used to give a 500 after the login succeeded
    "/%0D%0ASet-Cookie:%20x=1",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "%09//evil.example/",
    "%20//evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/%00/evil.example/",
    "/%E2%80%AE/evil.example/",  # a right-to-left override, invisible in the address bar
    "evil.example",
]


def _login(client, user, password, next_raw):
    """POST the login form to /connexion?next=<next_raw> (next_raw is already percent-encoded)."""
    token = client.token("/connexion")
    return client.post(f"/connexion?next={next_raw}", data={"email": user.email, "password": password, "csrf_token": token})


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.scheme in ("", "http") and parts.netloc in ("", "localhost")
        and location.startswith(("/", "http://localhost/")) and not location.startswith(("//", "/\\"))
        and all(c.isprintable() and not c.isspace() for c in location)
    )


@pytest.mark.parametrize("next_raw", HOSTILE)
def test_hostile_next_falls_back_to_the_dashboard(client, make_user, password, next_raw):
    user = make_user(Role.CANDIDATE)
    response = _login(client, user, password, next_raw)
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # the login itself went through


@pytest.mark.parametrize("path", ["/referentiels", "/recherche?q=pare-feu&page=2", "/preuves/3#commentaires"])
def test_a_local_next_is_followed(client, make_user, password, path):
    user = make_user(Role.CANDIDATE)
    response = _login(client, user, password, quote(path, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == path


def test_the_next_kept_by_the_login_redirect_survives_the_round_trip(client, make_user, password):
    user = make_user(Role.CANDIDATE)
    to_login = client.get("/recherche?q=journal")
    assert to_login.status_code == 302
    login_url = to_login.headers["Location"]
    token = client.token("/connexion")
    response = client.post(login_url, data={"email": user.email, "password": password, "csrf_token": token})
    assert response.headers["Location"] == "/recherche?q=journal"


@pytest.mark.parametrize("next_raw", HOSTILE + ["/%F0%9F%92%A9", "/" + "a" * 5000])
def test_no_next_ever_gives_a_server_error(client, make_user, password, next_raw):
    user = make_user(Role.TUTOR)
    response = _login(client, user, password, next_raw)
    assert response.status_code == 302
    assert _stays_here(response.headers["Location"]), response.headers["Location"]
