"""The authorization table: every route, every role, the expected status.

A route missing from ROUTES fails `test_every_route_is_in_the_table`, so new routes cannot
slip past the policy unnoticed. Object-level cases use objects that the role does not own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from accounts.models import Role
from extensions import db
from jobs.models import Job
from tests.conftest import PASSWORD, csrf_token_from

ROLES = ("anonymous", "candidate", "tutor", "juror", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    url: Callable[[dict], str]
    expected: dict[str, int]


def expect(anonymous, candidate, tutor, juror, admin) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, candidate, tutor, juror, admin)))


ADMIN_ONLY = expect(302, 403, 403, 403, 200)
ANY_USER = expect(302, 200, 200, 200, 200)

ROUTES: dict[str, Case] = {
    "static": Case("GET", lambda w: "/static/css/app.css", expect(200, 200, 200, 200, 200)),
    "core.htmx_script": Case("GET", lambda w: "/vendor/htmx.min.js", expect(200, 200, 200, 200, 200)),
    "core.dashboard": Case("GET", lambda w: "/", ANY_USER),
    "core.job_status": Case("GET", lambda w: f"/taches/{w['admin_job']}", expect(302, 403, 403, 403, 200)),
    "accounts.login": Case("GET", lambda w: "/connexion", expect(200, 302, 302, 302, 302)),
    "accounts.logout": Case("POST", lambda w: "/deconnexion", expect(302, 302, 302, 302, 302)),
    "accounts.set_password": Case("GET", lambda w: "/mot-de-passe/jeton-inconnu", expect(404, 404, 404, 404, 404)),
    "accounts.users": Case("GET", lambda w: "/admin/utilisateurs", ADMIN_ONLY),
    "accounts.send_password_link": Case(
        "POST", lambda w: f"/admin/utilisateurs/{w['other'].id}/lien", expect(302, 403, 403, 403, 200)
    ),
    "accounts.toggle_active": Case(
        "POST", lambda w: f"/admin/utilisateurs/{w['other'].id}/activation", expect(302, 403, 403, 403, 303)
    ),
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ROUTES.keys())
    assert not missing, f"routes missing from the authorization table: {missing}"
    stale = sorted(ROUTES.keys() - endpoints)
    assert not stale, f"table entries for routes that no longer exist: {stale}"


def test_every_endpoint_declares_its_access(app):
    from accounts.policy import endpoint_access

    with app.test_request_context():
        undeclared = [e for e in app.view_functions if endpoint_access(e) is None]
    assert undeclared == []


@pytest.fixture()
def world(app_ctx, make_user):
    users = {role.value: make_user(role) for role in Role}
    other = make_user(Role.CANDIDATE)
    job = Job(id="00000000-0000-0000-0000-000000000001", kind="test", title="Tâche", created_by_id=users["admin"].id)
    db.session.add(job)
    db.session.commit()
    return {"users": users, "other": other, "admin_job": job.id}


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_route_status_for_role(app_ctx, world, endpoint, role):
    case = ROUTES[endpoint]
    client = app_ctx.test_client()
    if role != "anonymous":
        login_page = client.get("/connexion").get_data(as_text=True)
        response = client.post(
            "/connexion",
            data={"email": world["users"][role].email, "password": PASSWORD, "csrf_token": csrf_token_from(login_page)},
        )
        assert response.status_code == 302
    url = case.url(world)
    if case.method == "GET":
        response = client.get(url)
    else:
        token = csrf_token_from(client.get("/connexion" if role == "anonymous" else "/").get_data(as_text=True))
        response = client.open(url, method=case.method, data={"csrf_token": token})
    assert response.status_code == case.expected[role], f"{case.method} {url} as {role}"
    if response.status_code == 302 and role == "anonymous" and endpoint not in ("accounts.logout",):
        assert "/connexion" in response.headers["Location"]
