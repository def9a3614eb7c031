"""Search fixtures: two candidates' portfolios, each with an extracted log, indexed as they commit.

Jobs run in huey's immediate mode here (forced by the `search_app` fixture of tests/conftest.py),
so the index is up to date as soon as the factories commit.

The contract: every test of this folder that uses `search_app` (or `world`) runs once per search
backend, unchanged: `whoosh` always, `postgresql` when the suite's database is PostgreSQL (the
production pass). Tests of Whoosh's own machinery (its folder, its time limit) ask for
`whoosh_only`.
"""
from __future__ import annotations

import pytest

from accounts.models import Role
from extensions import db
from search.extraction import extract_version
from tests import factories

LOG_A = (
    "Journal des événements du Pare-Feu\n"
    "2024-03-12 08:15:02 fw-edge DENY tcp 10.0.0.8 -> 10.0.1.2:22 <script>alert(1)</script>\n"
    "Configuration sauvegardée ; mot commun partagé.\n"
)
LOG_B = "Sauvegarde zanzibarique du serveur de B ; mot commun partagé.\n"


@pytest.fixture(params=["whoosh", "postgresql"])
def search_app(request, search_app, monkeypatch):
    """tests/conftest.py's `search_app`, on each search backend in turn."""
    if request.param == "postgresql" and db.engine.dialect.name != "postgresql":
        pytest.skip("le moteur de recherche PostgreSQL demande une base PostgreSQL (passe « production »)")
    monkeypatch.setitem(search_app.config, "SEARCH_BACKEND", request.param)
    return search_app


@pytest.fixture()
def whoosh_only(search_app):
    if search_app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("propre au dossier d'index Whoosh")


@pytest.fixture()
def text_version():
    """`text_version(evidence, content, filename)`: a stored text version, extracted (so indexed)."""

    def add(evidence, content: str, filename: str = "journal.log", file=None):
        version = factories.add_version(evidence, content.encode(), filename, "text/plain", file=file)
        extract_version(version)
        db.session.commit()
        return version

    return add


@pytest.fixture()
def world(search_app, make_user, text_version):
    """Users of every role; candidate A (tutored) and candidate B in two certifications, one log each."""
    users = {role: make_user(role) for role in Role if role is not Role.CANDIDATE}
    users[Role.CANDIDATE] = make_user(Role.CANDIDATE, name="Alice Martin")
    candidate_b = make_user(Role.CANDIDATE, name="Bruno Petit")
    certification = factories.make_certification("RNCP-A")
    other_certification = factories.make_certification("RNCP-B")
    portfolio_a = factories.make_portfolio(users[Role.CANDIDATE], certification, tutors=[users[Role.TUTOR]])
    portfolio_b = factories.make_portfolio(candidate_b, other_certification)
    evidence_a = factories.make_evidence(portfolio_a, title="Configuration du pare-feu", description="Règles de filtrage de la DMZ.")
    evidence_b = factories.make_evidence(portfolio_b, title="Sauvegarde du serveur")
    return {
        "users": users, "candidate_a": users[Role.CANDIDATE], "candidate_b": candidate_b, "tutor": users[Role.TUTOR],
        "juror": users[Role.JUROR], "admin": users[Role.ADMIN],
        "certification": certification, "other_certification": other_certification,
        "portfolio_a": portfolio_a, "portfolio_b": portfolio_b, "evidence_a": evidence_a, "evidence_b": evidence_b,
        "version_a": text_version(evidence_a, LOG_A, "pare-feu.log"),
        "version_b": text_version(evidence_b, LOG_B, "sauvegarde.log"),
        "log_a": LOG_A, "log_b": LOG_B,
    }
