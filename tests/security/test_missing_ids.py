"""Finding 7: every route that takes an id answers 404 for an id that does not exist, never 500.

The walk is built from the app's own URL map, so a new route is walked without being listed.
A role the endpoint refuses altogether gets its 403 (or the login page) instead.
"""
from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.policy import PUBLIC, endpoint_access, may

MISSING = {
    "IntegerConverter": "987654",
    "UnicodeConverter": "00000000-0000-0000-0000-00000000dead",
    "PathConverter": "inexistant/fichier.css",
}
FORMATS = {"fmt": "docx"}  # a real format of an unknown object: the object is what is missing


def _walk(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route with arguments, each argument naming nothing."""
    walked = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments:
            continue
        values = {name: FORMATS.get(name) or MISSING[type(rule._converters[name]).__name__] for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            walked.append((rule.endpoint, method, url))
    return sorted(walked)


def _expected(app, user, endpoint: str) -> int:
    with app.test_request_context():
        access = endpoint_access(endpoint)
    if access == PUBLIC or may(user, access):
        return 404
    return 403


@pytest.fixture()
def server_errors_as_pages(app_ctx, monkeypatch):
    """Answer an unhandled error with the 500 page, as production does, so the walk lists them all."""
    monkeypatch.setitem(app_ctx.config, "PROPAGATE_EXCEPTIONS", False)


@pytest.mark.parametrize("role", list(Role))
def test_every_route_answers_404_for_a_missing_id(app_ctx, client, make_user, role, server_errors_as_pages):
    user = make_user(role)
    client.log_in_as(user)
    token = client.token()
    wrong = []
    walked = _walk(app_ctx)
    assert len(walked) > 50
    for endpoint, method, url in walked:
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        expected = _expected(app_ctx, user, endpoint)
        if response.status_code != expected:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}, attendu {expected}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_visitors_never_get_a_server_error(client, server_errors_as_pages):
    for endpoint, method, url in _walk(client.application):
        data = {"csrf_token": client.token("/connexion")} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code in (302, 404), f"{method} {url}: {response.status_code}"
