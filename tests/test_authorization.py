"""The authorization table: every route, every role, the expected status.

Each area keeps its part of the table in tests/authorization/routes_*.py; a route missing from
the merged table fails `test_every_route_is_in_the_table`, so no route slips past the policy.
Object-level cases use a world where each role owns some things and not others.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.authorization as tables
from tests.authorization.cases import ROLES, Case
from tests.authorization import world as shared_world


def _merged_routes() -> dict[str, Case]:
    routes: dict[str, Case] = {}
    for module_info in pkgutil.iter_modules(tables.__path__):
        if module_info.name.startswith("routes_"):
            module = importlib.import_module(f"tests.authorization.{module_info.name}")
            overlap = routes.keys() & module.ROUTES.keys()
            assert not overlap, f"endpoints listed twice: {overlap}"
            routes.update(module.ROUTES)
    return routes


ROUTES = _merged_routes()
world = shared_world.world  # the fixture, shared with the accessibility walk


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


READING = sorted(e for e, case in ROUTES.items() if case.method == "GET")
CHANGING = sorted(e for e, case in ROUTES.items() if case.method != "GET")
class_world = shared_world.class_world


def _check(client, world, endpoint: str, role: str) -> None:
    case = ROUTES[endpoint]
    if role != "anonymous":
        client.log_in_as(world["users"][role])
    url = case.url(world)
    if case.method == "GET":
        response = client.get(url)
    else:
        token = client.token("/connexion" if role == "anonymous" else "/")
        response = client.open(url, method=case.method, data={"csrf_token": token, **case.data(world)})
    assert response.status_code == case.expected[role], f"{case.method} {url} as {role}"
    if response.status_code == 302 and role == "anonymous":
        assert "/connexion" in response.headers["Location"]


class TestReading:
    """GET changes nothing a status depends on, so every GET case reads one world built once."""

    @pytest.mark.parametrize("endpoint", READING)
    @pytest.mark.parametrize("role", ROLES)
    def test_route_status_for_role(self, class_client, class_world, endpoint, role):
        _check(class_client, class_world, endpoint, role)


@pytest.mark.parametrize("endpoint", CHANGING)
@pytest.mark.parametrize("role", ROLES)
def test_route_status_for_role(client, world, endpoint, role):
    """A state change gets a fresh world: the case before it may have deleted what it needs."""
    _check(client, world, endpoint, role)
