"""The world the route tables are walked in: users of every role, each owning some things and not
others. Shared by the authorization walk (tests/test_authorization.py) and the accessibility walk
(tests/accessibility/test_axe_routes.py), so that every route's URL can be built in both."""
from __future__ import annotations

import io
from datetime import datetime

import pytest

from accounts.models import Role
from extensions import db
from jobs.models import Job
from portfolio.submissions import submit_portfolio
from storage.access import object_store
from referentials import rncp_exports
from tests import factories
from tests.referentials.rncp_samples import IGS_BLOCS, IGS_TITLE, export_xml, fiche_xml


@pytest.fixture()
def world(app_ctx, make_user):
    """A world for one test, which may change it."""
    return build_world(make_user)


@pytest.fixture(scope="class")
def class_world(class_app_ctx, class_make_user):
    """A world built once for a test class whose requests change nothing the class checks."""
    return build_world(class_make_user)


def build_world(make_user) -> dict:
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
    rncp_export = rncp_exports.store_rncp_export(io.BytesIO(export_xml([fiche_xml("RNCP36061", IGS_TITLE, IGS_BLOCS)])), "export.xml")
    return {**jury,
        "users": users, "other": other, "certification": certification, "admin_job": job.id, "admin_export_job": export_job.id,
        "own_portfolio": own, "rncp_export": rncp_export.digest, "foreign_portfolio": foreign,
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
