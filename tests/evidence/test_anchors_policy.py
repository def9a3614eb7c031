"""The policy for anchors: only who may edit the claim anchors it; everyone else, and anything
unruled, is refused."""
from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.policy import Permission, may
from evidence import anchors
from evidence.anchors import Spot
from evidence.models import ClaimAnchor
from evidence.services import delete_evidence
from extensions import db
from tests import factories
from tests.evidence.anchor_samples import anchored_world


@pytest.fixture()
def files(app_ctx, make_user):
    return anchored_world(make_user)


def test_only_the_candidate_who_owns_the_claim_may_anchor(files, make_user):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=1))
    tutor = make_user(Role.TUTOR)
    files.portfolio.tutors.append(tutor)
    db.session.commit()
    assert may(files.candidate, Permission.CHANGE_PORTFOLIO, files.claim)
    assert may(files.candidate, Permission.CHANGE_PORTFOLIO, anchor)
    for someone in (make_user(Role.CANDIDATE), tutor, make_user(Role.ADMIN), make_user(Role.JUROR)):
        assert not may(someone, Permission.CHANGE_PORTFOLIO, files.claim), someone.email
        assert not may(someone, Permission.CHANGE_PORTFOLIO, anchor), someone.email


def test_deny_by_default_for_anything_else_asked_of_an_anchor(files, make_user):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=1))
    for permission in (Permission.REVIEW_PORTFOLIO, Permission.COMMENT_PORTFOLIO, Permission.VIEW_SUBMISSION):
        assert not may(files.candidate, permission, anchor)
        assert not may(make_user(Role.ADMIN), permission, anchor)


def test_a_deleted_evidence_is_read_only_for_its_anchors(files):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=1))
    delete_evidence(files.evidence)
    assert not may(files.candidate, Permission.CHANGE_PORTFOLIO, files.claim)
    assert not may(files.candidate, Permission.CHANGE_PORTFOLIO, anchor)


def test_an_anchor_reaching_into_another_evidence_is_refused(files):
    other = factories.make_evidence(files.portfolio, title="Autre preuve")
    elsewhere = factories.add_version(other, b"une ligne\n", "autre.log", "text/plain")
    stray = ClaimAnchor(claim=files.claim, version_id=elsewhere.id, kind="lines", line_start=1, line_end=1)
    db.session.add(stray)
    db.session.commit()
    assert not may(files.candidate, Permission.CHANGE_PORTFOLIO, stray)


def test_strangers_get_403_through_the_app(files, client_for, make_user):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=1))
    tutor = make_user(Role.TUTOR)
    files.portfolio.tutors.append(tutor)
    db.session.commit()
    for user in (make_user(Role.CANDIDATE), tutor):
        browser = client_for(user)
        token = browser.token("/")
        new = f"/rattachements/{files.claim.id}/extraits/nouveau?version={files.log.id}"
        assert browser.get(new).status_code == 403
        assert browser.post(new, data={"csrf_token": token, "kind": "lines", "line_start": "2", "enregistrer": "1"}).status_code == 403
        assert browser.post(f"/extraits/{anchor.id}/modifier", data={"csrf_token": token, "kind": "lines", "line_start": "3"}).status_code == 403
        assert browser.post(f"/extraits/{anchor.id}/supprimer", data={"csrf_token": token}).status_code == 403
    assert [(a.line_start, a.line_end) for a in db.session.scalars(db.select(ClaimAnchor))] == [(1, 1)]


def test_changes_without_the_csrf_token_are_refused(files, client_for):
    browser = client_for(files.candidate)
    response = browser.post(f"/rattachements/{files.claim.id}/extraits/nouveau", data={"version": files.log.id, "kind": "lines", "line_start": "2"})
    assert response.status_code in (400, 422)
    assert db.session.query(ClaimAnchor).count() == 0


def test_jurors_read_the_older_version_an_anchor_of_the_submission_points_to(app_ctx, make_user):
    """An anchor left on version 1 after version 2 was uploaded: the juror examining the
    submission may read version 1 (the excerpt's file), and nothing else of the portfolio's past."""
    from datetime import datetime

    from grading import sessions
    from portfolio.submissions import submit_portfolio
    from tests.evidence.anchor_samples import numbered_log

    admin, juror = make_user(Role.ADMIN), make_user(Role.JUROR)
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Journal")
    v1 = factories.add_version(evidence, numbered_log(50), "journal.log", "text/plain")
    unanchored = factories.add_version(evidence, numbered_log(20), "autre.log", "text/plain")
    claim = factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    anchors.add_anchor(claim, v1, Spot("lines", line_start=3, line_end=9))
    factories.add_version(evidence, numbered_log(60), "journal.log", "text/plain", file=v1.file)
    factories.add_version(evidence, numbered_log(21), "autre.log", "text/plain", file=unanchored.file)
    submission = submit_portfolio(portfolio, candidate)
    session = sessions.create_session(portfolio.certification, sessions.SessionFields(starts_at=datetime(2026, 6, 15, 7), place="Salle 1"), actor=admin)
    sessions.add_member(session, juror, actor=admin, is_president=True, is_external=True)
    sessions.assign_submission(session, submission, actor=admin)
    assert may(juror, Permission.READ_EVIDENCE_FILE, v1)
    assert not may(juror, Permission.READ_EVIDENCE_FILE, unanchored)
    assert not may(make_user(Role.JUROR), Permission.READ_EVIDENCE_FILE, v1)
