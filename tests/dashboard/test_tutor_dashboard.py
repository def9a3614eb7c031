"""The tutor's dashboard says how many evidence items wait for their review, per candidate."""
from __future__ import annotations

from accounts.models import Role
from evidence.models import EvidenceStatus
from extensions import db
from tests import factories


def _set_status(evidence, status: EvidenceStatus) -> None:
    evidence.status = status.value
    db.session.commit()


def test_the_tutor_sees_how_many_items_wait_for_review(make_user, client_for):
    tutor = make_user(Role.TUTOR)
    certification = factories.make_certification()
    camille = factories.make_portfolio(make_user(Role.CANDIDATE, name="Camille Martin"), certification, tutors=[tutor])
    louis = factories.make_portfolio(make_user(Role.CANDIDATE, name="Louis Bernard"), certification, tutors=[tutor])
    stranger = factories.make_portfolio(make_user(Role.CANDIDATE), certification)
    _set_status(factories.make_evidence(camille), EvidenceStatus.READY)
    _set_status(factories.make_evidence(camille), EvidenceStatus.REVISED)
    _set_status(factories.make_evidence(camille), EvidenceStatus.APPROVED)
    _set_status(factories.make_evidence(louis), EvidenceStatus.DRAFT)
    _set_status(factories.make_evidence(stranger), EvidenceStatus.READY)

    page = client_for(tutor).get("/").text
    assert "2 preuves attendent votre relecture." in page
    assert "<th scope=\"col\">Preuves à relire</th>" in page
    rows = {name: page.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Camille Martin", "Louis Bernard")}
    assert rows["Camille Martin"].endswith("<td>2</td>")
    assert rows["Louis Bernard"].endswith("<td>0</td>")


def test_nothing_waiting_is_said_plainly(make_user, client_for):
    tutor = make_user(Role.TUTOR)
    factories.make_portfolio(make_user(Role.CANDIDATE), factories.make_certification(), tutors=[tutor])
    assert "Aucune preuve n'attend votre relecture pour l'instant." in client_for(tutor).get("/").text
