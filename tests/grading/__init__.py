"""Builders for the jury tests: a certification, a candidate with a tutor and a submission, and a
session with a president and a second juror (both through the services, as an admin would)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import g
from flask.testing import FlaskClient

from accounts.models import Role, UserRole
from extensions import db
from grading import assessments, sessions
from grading.models import JurySession, SessionAssignment
from referentials.models import Certification, Criterion
from portfolio.models import Portfolio, Submission
from portfolio.submissions import submit_portfolio
from tests import factories
from tests.conftest import PASSWORD, csrf_token_from

SESSION_START = datetime(2026, 6, 15, 7, 0)  # UTC: 09:00 in Paris


@dataclass
class Jury:
    admin: object
    president: object
    juror: object
    tutor: object
    candidate: object
    certification: Certification
    portfolio: Portfolio
    submission: Submission
    session: JurySession
    assignment: SessionAssignment

    @property
    def criteria(self) -> list[Criterion]:
        return assessments.session_criteria(self.session)

    def bloc_criteria(self, index: int) -> list[Criterion]:
        bloc = self.session.blocs[index]
        return [c for e in bloc.evaluations for c in e.criteria]


def make_submission(candidate, certification: Certification, tutors=(), title: str = "Configuration du pare-feu") -> Submission:
    portfolio = factories.make_portfolio(candidate, certification, tutors=tutors)
    evidence = factories.make_evidence(portfolio, title=title)
    factories.add_version(evidence, b"journal du pare-feu\n", "pare-feu.log", "text/plain")
    first = certification.blocs[0].evaluations[0]
    factories.claim(evidence, first.criteria[0], "La capture montre la règle de filtrage appliquée.")
    evidence.deliverables = [first.deliverables[0]]
    db.session.commit()
    return submit_portfolio(portfolio, candidate)


def build_jury(make_user, code: str = "RNCP-JURY", president: bool = True) -> Jury:
    admin = make_user(Role.ADMIN, name="Alice Administratrice")
    chair = make_user(Role.JUROR, name="Paul Président")
    juror = make_user(Role.JUROR, name="Julie Jurée")
    tutor = make_user(Role.TUTOR, name="Théo Tuteur")
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    certification = factories.make_certification(code)
    submission = make_submission(candidate, certification, tutors=[tutor])
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=SESSION_START, place="Salle 3"), actor=admin
    )
    sessions.add_member(session, chair, actor=admin, is_president=president, is_external=True)
    sessions.add_member(session, juror, actor=admin, is_external=False)
    assignment = sessions.assign_submission(session, submission, actor=admin)
    return Jury(admin, chair, juror, tutor, candidate, certification, submission.portfolio, submission, session, assignment)


def grade_all(jury: Jury, juror, verdict: str = "acquired", overrides: dict[int, str] | None = None, submit: bool = True) -> None:
    for criterion in jury.criteria:
        value = (overrides or {}).get(criterion.id, verdict)
        assessments.record_verdict(jury.assignment, juror, criterion.id, value, f"Avis de {juror.full_name}")
    if submit:
        assessments.submit_grid(jury.assignment, juror)


def text_of(response) -> str:
    """The response body with HTML entities decoded, so that French apostrophes compare plainly."""
    return html.unescape(response.get_data(as_text=True))


def add_role(user, role: Role) -> None:
    user.role_rows.append(UserRole(role=role.value))
    db.session.commit()


class UserClient(FlaskClient):
    """A test client that never borrows another client's user.

    Tests run inside one app context, whose `g` outlives each request: Flask-Login caches the
    current user there and Flask-WTF the CSRF token. Each request here starts with an empty `g`,
    so several clients can act side by side.
    """

    def open(self, *args, **kwargs):
        for name in list(vars(g)):
            g.pop(name, None)
        return super().open(*args, **kwargs)


def client_for(app, user) -> UserClient:
    """A test client logged in as `user`."""
    client = UserClient(app, app.response_class, use_cookies=True)
    token = csrf_token_from(client.get("/connexion").get_data(as_text=True))
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST with the CSRF token of the dashboard page, like a form on any page of the app."""
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture()
def jury(app_ctx, make_user) -> Jury:
    return build_jury(make_user)
