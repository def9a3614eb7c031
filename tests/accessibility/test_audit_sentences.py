"""The audit trail reads as French sentences, with French field names and values, never raw JSON."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading import audit, decisions, sessions
from grading.models import AuditEvent
from tests import factories


def _event(action: str) -> AuditEvent:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())).first()


def _decide_then_change(jury):
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president)
    decisions.start_deliberation(jury.session, actor=jury.president)
    bloc = jury.session.blocs[0]
    decisions.decide(jury.assignment, bloc, "not_validated", "Preuves insuffisantes", actor=jury.president,
                     override=True, override_reason="Entretien peu convaincant")
    decisions.decide(jury.assignment, bloc, "validated", "Après échange", actor=jury.president)
    return bloc


def test_a_decision_reads_as_a_sentence(jury):
    bloc = _decide_then_change(jury)
    event = _event("decision.recorded")
    assert audit.sentence(event) == f"Décision du bloc {bloc.code} : non validé → validé, par Paul Président"
    fields = {field: (before, after) for field, before, after in audit.changes(event)}
    assert fields["Décision"] == ("non validé", "validé")
    assert fields["Justification"] == ("Preuves insuffisantes", "Après échange")
    assert "outcome" not in fields


def test_other_events_read_as_sentences(jury, make_user):
    sessions.add_member(jury.session, make_user(Role.JUROR, name="Xavier Ajouté"), actor=jury.admin)
    assert audit.sentence(_event("member.added")) == "Xavier Ajouté ajouté au jury, par Alice Administratrice"
    assert audit.sentence(_event("session.created")).startswith("Session de jury du ")
    assignment = audit.sentence(_event("assignment.created"))
    assert re.fullmatch(r"Dépôt n°\d+ de Camille Candidate affecté à la session, par Alice Administratrice", assignment)
    factories.grade_all(jury, jury.juror)
    verdict = audit.sentence(_event("assessment.recorded"))
    assert re.fullmatch(r"Appréciation du critère \S+ : non renseignée → acquis, par Julie Jurée", verdict)
    assert audit.sentence(_event("grid.submitted")).startswith("Grille remise (acquis : ")


def test_the_trail_page_and_the_csv_speak_french(client_for, jury):
    _decide_then_change(jury)
    admin = client_for(jury.admin)
    page = admin.get("/admin/journal").text
    assert "Décision du bloc BC01 : non validé → validé, par Paul Président" in page
    assert '"outcome"' not in page and "not_validated" not in page
    rows = list(csv.reader(io.StringIO(admin.get("/admin/journal.csv").get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "Description"
    assert "Décision du bloc BC01 : non validé → validé, par Paul Président" in [r[-1] for r in rows]
