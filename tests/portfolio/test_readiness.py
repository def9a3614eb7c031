"""What the jury receives is what the candidate meant to send: the readiness summary before
submitting, its confirmation, blank evidence left out unless kept, and the accepted gaps recorded
in the snapshot and shown to the jury. Through the real app, as the candidate and a juror."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading import sessions
from portfolio.models import Submission
from portfolio.submissions import snapshot_of
from tests import factories


@pytest.fixture()
def draft(app_ctx, make_user, client_for):
    """A candidate's portfolio: one complete evidence, one without claim, one without file and one blank."""
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    certification = factories.make_certification("RNCP-PRET")
    portfolio = factories.make_portfolio(candidate, certification)
    first = certification.blocs[0].evaluations[0]
    complete = factories.make_evidence(portfolio, title="Journal du pare-feu")
    factories.add_version(complete, b"DENY tcp\n", "pare-feu.log", "text/plain")
    factories.claim(complete, first.criteria[0], "Le journal montre les refus.")
    complete.deliverables = [first.deliverables[0]]
    unclaimed = factories.make_evidence(portfolio, title="Schéma du réseau")
    factories.add_version(unclaimed, b"<svg/>", "schema.svg", "image/svg+xml")
    fileless = factories.make_evidence(portfolio, title="Procédure de sauvegarde")
    factories.claim(fileless, first.criteria[1], "La procédure est décrite.")
    blank = factories.make_evidence(portfolio, title="Brouillon à compléter")
    spare_blank = factories.make_evidence(portfolio, title="Idée de preuve")
    db.session.commit()
    return {
        "candidate": candidate, "certification": certification, "portfolio": portfolio, "client": client_for(candidate),
        "complete": complete, "unclaimed": unclaimed, "fileless": fileless, "blank": blank, "spare_blank": spare_blank,
        "make_user": make_user, "client_for": client_for,
    }


def _token(html: str) -> str:
    return re.search(r'name="recapitulatif" value="([0-9a-f]+)"', html).group(1)


def test_the_summary_lists_every_gap_before_submitting(draft):
    page = draft["client"].get(f"/portefeuilles/{draft['portfolio'].id}/depot").text
    assert "Critères sans preuve" in page and "<strong>4</strong> sur 6" in page  # CE3 of bloc 1, the 3 of bloc 2
    assert "BC01 · CE3" in page and "BC02 · CE1" in page
    assert "Livrables attendus non fournis" in page and "BC01 — Un journal des interventions" in page
    assert "BC02 — Un plan d'adressage du réseau" in page
    assert re.search(r"Preuves sans fichier</h3>\s*<ul><li><a [^>]*>Preuve n°3 : Procédure de sauvegarde", page)
    assert "Preuve n°2 : Schéma du réseau" in page.split("Preuves rattachées à aucun critère</h3>", 1)[1]
    assert "pour un minimum de 60" in page and "trop court" in page
    assert "Garder la preuve n°4 « Brouillon à compléter » dans le dépôt" in page
    assert "Garder la preuve n°5 « Idée de preuve » dans le dépôt" in page
    assert "Garder la preuve n°3" not in page  # it has a claim: not blank
    # The portfolio page leads to the summary instead of submitting at once.
    portfolio_page = draft["client"].get(f"/portefeuilles/{draft['portfolio'].id}").text
    assert f'href="/portefeuilles/{draft["portfolio"].id}/depot"' in portfolio_page
    assert 'action="/portefeuilles/%d/depots"' % draft["portfolio"].id not in portfolio_page


def test_submitting_needs_the_confirmation_of_the_current_summary(draft):
    client, portfolio = draft["client"], draft["portfolio"]
    url, prepare = f"/portefeuilles/{portfolio.id}/depots", f"/portefeuilles/{portfolio.id}/depot"
    token = _token(client.get(prepare).text)
    refused = client.submit(url, {"recapitulatif": token}, token_from=prepare, follow_redirects=True)
    assert "cochez la case de confirmation" in refused.text
    factories.make_evidence(portfolio, title="Ajoutée après lecture du récapitulatif")
    stale = client.submit(url, {"recapitulatif": token, "confirm": "oui"}, token_from=prepare, follow_redirects=True)
    assert "Votre portefeuille a changé depuis le récapitulatif" in stale.text
    assert db.session.scalar(select(Submission.id)) is None


def test_blank_evidence_is_left_out_unless_kept_and_the_gaps_reach_the_jury(draft):
    client, portfolio = draft["client"], draft["portfolio"]
    prepare = f"/portefeuilles/{portfolio.id}/depot"
    response = client.submit(
        f"/portefeuilles/{portfolio.id}/depots",
        {"recapitulatif": _token(client.get(prepare).text), "confirm": "oui", "garder": [str(draft["spare_blank"].id)]},
        token_from=prepare,
    )
    assert response.status_code == 303
    submission = db.session.scalar(select(Submission))
    snapshot = snapshot_of(submission)
    assert [e["number"] for e in snapshot["evidence"]] == [1, 2, 3, 5]
    gaps = snapshot["readiness"]
    assert gaps["confirmed"] is True
    assert [c["code"] for c in gaps["criteria_missing"]] == ["CE3", "CE1", "CE2", "CE3"]
    assert [(d["bloc_code"], d["text"]) for d in gaps["deliverables_missing"]][0] == ("BC01", "Un journal des interventions")
    assert gaps["evidence_without_file"] == [3, 5] and gaps["evidence_without_claim"] == [2, 5]
    assert gaps["blank_kept"] == [5] and gaps["blank_left_out"] == [4]
    assert gaps["minimum_pages"] == 60 and gaps["estimated_pages"] < 60

    mine = client.get(f"/depots/{submission.id}").text
    assert "Manques signalés au dépôt" in mine and "Brouillon à compléter" not in mine
    assert "Preuves vides non transmises : n°4." in mine

    make_user = draft["make_user"]
    admin, juror = make_user(Role.ADMIN), make_user(Role.JUROR, name="Julie Jurée")
    session = sessions.create_session(
        draft["certification"], sessions.SessionFields(starts_at=factories.SESSION_START, place="Salle 3"), actor=admin
    )
    sessions.add_member(session, juror, actor=admin, is_president=True)
    assignment = sessions.assign_submission(session, submission, actor=admin)
    juror_client = draft["client_for"](juror)
    for url in (f"/depots/{submission.id}", f"/jury/affectations/{assignment.id}"):
        page = juror_client.get(url).text
        assert "Le candidat a pris connaissance de ces manques et a confirmé son dépôt" in page, url
        assert "Critères sans preuve (4) : BC01 CE3, BC02 CE1, BC02 CE2, BC02 CE3" in page, url
        assert "Preuves sans fichier : n°3, n°5" in page and "Preuves rattachées à aucun critère : n°2, n°5" in page, url
        assert "pour un minimum de 60" in page, url


def test_a_dossier_with_only_blank_evidence_is_refused(app_ctx, make_user, client_for):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate, factories.make_certification("RNCP-VIDE"))
    factories.make_evidence(portfolio, title="Rien encore")
    client = client_for(candidate)
    prepare = f"/portefeuilles/{portfolio.id}/depot"
    page = client.submit(f"/portefeuilles/{portfolio.id}/depots", {"recapitulatif": _token(client.get(prepare).text), "confirm": "oui"},
                         token_from=prepare, follow_redirects=True).text
    assert "Toutes vos preuves sont vides" in page
    assert db.session.scalar(select(Submission.id)) is None


def test_an_empty_portfolio_is_told_to_add_evidence_first(app_ctx, make_user, client_for):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate, factories.make_certification("RNCP-RIEN"))
    page = client_for(candidate).get(f"/portefeuilles/{portfolio.id}/depot").text
    assert "Votre portefeuille ne contient aucune preuve" in page
    assert 'name="recapitulatif"' not in page
