"""The authorization table: every route, every role, the expected status.

Each area keeps its part of the table in tests/authorization/routes_*.py; a route missing from
the merged table fails `test_every_route_is_in_the_table`, so no route slips past the policy.
Object-level cases use a world where each role owns some things and not others.
"""
from __future__ import annotations

import importlib
import io
import pkgutil
from datetime import datetime

import pytest

import tests.authorization as tables
from accounts.models import Role
from storage.access import object_store
from extensions import db
from jobs.models import Job
from portfolio.submissions import submit_portfolio
from tests import factories
from tests.authorization.cases import ROLES, Case


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
    """Users of every role; the candidate's own portfolio (tutored by the tutor) and a stranger's."""
    users = {role.value: make_user(role) for role in Role}
    other = make_user(Role.CANDIDATE)
    certification = factories.make_certification()
    own = factories.make_portfolio(users["candidate"], certification, tutors=[users["tutor"]])
    foreign = factories.make_portfolio(other, certification)
    own_evidence = factories.make_evidence(own)
    foreign_evidence = factories.make_evidence(foreign)
    own_version = factories.add_version(own_evidence, b"journal du pare-feu\n", "pare-feu.log", "text/plain")
    foreign_version = factories.add_version(foreign_evidence, b"autre journal\n", "autre.log", "text/plain")
    own_claim = factories.claim(own_evidence, certification.blocs[0].evaluations[0].criteria[0])
    foreign_claim = factories.claim(foreign_evidence, certification.blocs[0].evaluations[0].criteria[0])
    own_submission = submit_portfolio(own, users["candidate"])
    job = Job(id="00000000-0000-0000-0000-000000000001", kind="test", title="Tâche", created_by_id=users["admin"].id)
    db.session.add(job)
    stored = object_store().put(io.BytesIO(b"PK export"), 9)
    export_job = Job(
        id="00000000-0000-0000-0000-000000000002", kind="export", title="Dossier", created_by_id=users["admin"].id,
        state="done", result={"object_key": stored.key, "filename": "dossier.docx", "media_type": "application/octet-stream",
                              "size": 9, "submission_id": own_submission.id, "problems": []},
    )
    db.session.add(export_job)
    db.session.commit()
    jury = _jury_world(users, other, certification, foreign)
    return {**jury,
        "users": users, "other": other, "certification": certification, "admin_job": job.id, "admin_export_job": export_job.id,
        "own_portfolio": own, "foreign_portfolio": foreign,
        "own_evidence": own_evidence, "foreign_evidence": foreign_evidence,
        "own_version": own_version, "foreign_version": foreign_version,
        "own_claim": own_claim, "foreign_claim": foreign_claim, "own_submission": own_submission,
        "criterion": certification.blocs[0].evaluations[0].criteria[0],
    }


def _jury_world(users, other, certification, foreign) -> dict:
    """A session presided by the juror, examining the stranger's submission (so the candidate's
    own submission stays out of the jury's reach), deliberation open with one bloc decided."""
    from grading import accommodations, decisions, sessions

    admin, juror = users["admin"], users["juror"]
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=datetime(2026, 6, 15, 7, 0), place="Salle 1"), actor=admin
    )
    member = sessions.add_member(session, juror, actor=admin, is_president=True, is_external=True)
    assignment = sessions.assign_submission(session, submit_portfolio(foreign, other), actor=admin)
    accommodation = accommodations.add_accommodation(other, "extra_time", "Tiers temps", actor=admin)
    decisions.start_deliberation(session, actor=juror)
    decision = decisions.decide(
        assignment, session.blocs[0], "validated", "Motif", actor=juror, override=True, override_reason="Test"
    )
    return {
        "jury_session": session, "jury_member": member, "jury_assignment": assignment,
        "jury_accommodation": accommodation, "jury_decision": decision,
    }


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_route_status_for_role(client, world, endpoint, role):
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
