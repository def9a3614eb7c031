"""Fixtures of the security tests: visitors of the live server speaking plain HTTP."""
from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode, urlsplit

import pytest

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class LiveBrowser:
    """One visitor of the live server, with its own session cookie, over plain HTTP connections
    (a thread each, if need be: nothing is shared between two of them)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = ""

    def send(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            if cookie.startswith("session="):
                self.cookie = cookie.split(";", 1)[0]
        connection.close()
        return response.status, text

    def token(self, path: str = "/connexion") -> str:
        status, page = self.send("GET", path)
        assert status == 200, page
        return TOKEN.search(page).group(1)

    def log_in(self, email: str, password: str, token: str | None = None) -> int:
        form = {"email": email, "password": password, "csrf_token": token or self.token()}
        return self.send("POST", "/connexion", urlencode(form))[0]


@pytest.fixture()
def live_browser(live_server, app_ctx):
    """`live_browser()`: a new visitor of the app served on 127.0.0.1."""
    return lambda: LiveBrowser(live_server)
