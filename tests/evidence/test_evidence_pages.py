"""The candidate's daily work through the HTTP app: describe, tag, review, comment, submit."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from evidence.models import Claim, Comment, Evidence, StatusChange
from extensions import db
from portfolio.coverage import CoverageStatus, compute_coverage
from portfolio.models import Submission
from portfolio.readiness import readiness_of
from portfolio.submissions import snapshot_of, verify_submission
from tests import factories


@pytest.fixture()
def setup(client, make_user):
    candidate = make_user(Role.CANDIDATE)
    tutor = make_user(Role.TUTOR)
    certification = factories.make_certification()
    portfolio = factories.make_portfolio(candidate, certification, tutors=[tutor])
    client.login(candidate.email)
    return {"candidate": candidate, "tutor": tutor, "certification": certification, "portfolio": portfolio}


def _criterion(certification, bloc=0, index=0):
    return certification.blocs[bloc].evaluations[0].criteria[index]


def test_candidate_creates_evidence_with_its_context(client, setup):
    portfolio = setup["portfolio"]
    url = f"/portefeuilles/{portfolio.id}/preuves/nouvelle"
    response = client.submit(url, {
        "title": "Configuration du pare-feu pfSense", "description": "Règles de filtrage du site de Lyon",
        "context": "internship", "organisation": "Mairie de Lyon", "period": "mars 2026", "confidentiality_note": "",
    })
    assert response.status_code == 303
    evidence = db.session.scalar(select(Evidence))
    assert (evidence.number, evidence.context, evidence.organisation) == (1, "internship", "Mairie de Lyon")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Preuve n°1 : Configuration du pare-feu pfSense" in page and "Stage" in page


def test_the_page_says_when_screenshots_will_not_be_searchable(client, setup, app_ctx, monkeypatch, tmp_path):
    """Search tells the evidence page (app.extensions["ocr_status"]); without search, no warning."""
    url = f"/preuves/{factories.make_evidence(setup['portfolio']).id}"
    monkeypatch.setenv("PATH", str(tmp_path / "sans-tesseract"))
    assert "OCR indisponible : tesseract" in client.get(url).get_data(as_text=True)
    monkeypatch.delitem(app_ctx.extensions, "ocr_status")
    page = client.get(url)
    assert page.status_code == 200 and "OCR indisponible" not in page.get_data(as_text=True)


def test_missing_title_is_explained(client, setup):
    url = f"/portefeuilles/{setup['portfolio'].id}/preuves/nouvelle"
    response = client.submit(url, {"title": "", "context": "company"})
    assert response.status_code == 200
    assert "Le titre est obligatoire." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Evidence.id))) == 0


def test_criteria_picker_filters_by_code_or_words(client, setup):
    evidence = factories.make_evidence(setup["portfolio"])
    fragment = client.get(f"/preuves/{evidence.id}/criteres?q=CE2 bloc 1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Critère 2 du bloc 1" in fragment and "Critère 1 du bloc 1" not in fragment and "<html" not in fragment
    nothing = client.get(f"/preuves/{evidence.id}/criteres?q=introuvable", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Aucun critère ne contient" in nothing
    full_page = client.get(f"/preuves/{evidence.id}/criteres?q=CE3").get_data(as_text=True)
    assert "<html" in full_page and "Critère 3 du bloc 1" in full_page  # works without JavaScript


def test_claims_change_the_coverage_matrix(client, setup):
    portfolio, certification = setup["portfolio"], setup["certification"]
    evidence = factories.make_evidence(portfolio)
    criterion = _criterion(certification)
    before = client.get(f"/portefeuilles/{portfolio.id}").get_data(as_text=True)
    assert "0 critère(s) sur 6 ont au moins une preuve" in before
    response = client.submit(
        f"/preuves/{evidence.id}/rattachements",
        {"criterion_id": criterion.id, "justification": "La règle 12 bloque le trafic sortant non autorisé."},
        token_from=f"/preuves/{evidence.id}",
    )
    assert response.status_code == 303
    after = client.get(f"/portefeuilles/{portfolio.id}").get_data(as_text=True)
    assert "1 critère(s) sur 6 ont au moins une preuve" in after
    missing = client.get(f"/portefeuilles/{portfolio.id}/couverture?statut=missing", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert criterion.text not in missing and "Critère 2 du bloc 1" in missing


def test_claim_needs_a_justification_and_a_criterion_of_the_same_certification(client, setup):
    evidence = factories.make_evidence(setup["portfolio"])
    other = factories.make_certification(code="RNCP-AUTRE")
    foreign_criterion = _criterion(other)
    response = client.submit(
        f"/preuves/{evidence.id}/rattachements", {"criterion_id": foreign_criterion.id, "justification": "Tentative"},
        token_from=f"/preuves/{evidence.id}", follow_redirects=True,
    )
    assert "appartient pas au référentiel de votre certification" in response.get_data(as_text=True)
    response = client.submit(
        f"/preuves/{evidence.id}/rattachements", {"criterion_id": _criterion(setup["certification"]).id, "justification": ""},
        token_from=f"/preuves/{evidence.id}", follow_redirects=True,
    )
    assert "La justification est obligatoire." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Claim.id))) == 0


def test_candidate_cannot_tag_someone_elses_evidence(client, setup, make_user):
    stranger_portfolio = factories.make_portfolio(make_user(Role.CANDIDATE), setup["certification"])
    foreign = factories.make_evidence(stranger_portfolio)
    response = client.submit(
        f"/preuves/{foreign.id}/rattachements",
        {"criterion_id": _criterion(setup["certification"]).id, "justification": "Pas à moi"},
        token_from="/",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Claim.id))) == 0


def test_deliverables_are_marked_and_leave_the_missing_list(client, setup):
    portfolio, certification = setup["portfolio"], setup["certification"]
    evidence = factories.make_evidence(portfolio)
    deliverable = certification.blocs[0].evaluations[0].deliverables[0]
    assert deliverable in compute_coverage(portfolio).blocs[0].deliverables_missing
    client.submit(f"/preuves/{evidence.id}/livrables", {"deliverables": [str(deliverable.id)]}, token_from=f"/preuves/{evidence.id}")
    assert deliverable not in compute_coverage(portfolio).blocs[0].deliverables_missing


def test_review_status_flow_is_recorded_with_who_and_when(client, setup):
    portfolio, tutor = setup["portfolio"], setup["tutor"]
    evidence = factories.make_evidence(portfolio)
    criterion = _criterion(setup["certification"])
    factories.claim(evidence, criterion)
    client.submit(f"/preuves/{evidence.id}/statut", {"status": "ready"}, token_from=f"/preuves/{evidence.id}")
    client.submit("/deconnexion", token_from="/")
    client.login(tutor.email)
    client.submit(f"/preuves/{evidence.id}/statut", {"status": "changes_requested"}, token_from=f"/preuves/{evidence.id}")
    db.session.expire_all()
    changes = db.session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
    assert [(c.from_status, c.to_status, c.changed_by_id) for c in changes] == [
        ("draft", "ready", setup["candidate"].id), ("ready", "changes_requested", tutor.id),
    ]
    coverage = compute_coverage(portfolio)
    assert coverage.blocs[0].criteria[0].status is CoverageStatus.CHANGES_ONLY
    # A tutor cannot approve a draft that was never sent for review.
    response = client.submit(f"/preuves/{evidence.id}/statut", {"status": "draft"}, token_from=f"/preuves/{evidence.id}", follow_redirects=True)
    assert "impossible" in response.get_data(as_text=True)


def test_tutor_comments_appear_unread_on_the_candidate_dashboard(client, setup):
    portfolio, tutor = setup["portfolio"], setup["tutor"]
    evidence = factories.make_evidence(portfolio, title="Journal DHCP")
    claim = factories.claim(evidence, _criterion(setup["certification"]))
    client.submit("/deconnexion", token_from="/")
    client.login(tutor.email)
    response = client.submit(
        f"/preuves/{evidence.id}/commentaires", {"body": "Masquez les adresses MAC.", "claim_id": str(claim.id)},
        token_from=f"/preuves/{evidence.id}",
    )
    assert response.status_code == 303
    client.submit("/deconnexion", token_from="/")
    client.login(setup["candidate"].email)
    dashboard = client.get("/").get_data(as_text=True)
    assert "1 commentaire(s) non lu(s)" in dashboard and "Journal DHCP" in dashboard
    page = client.get(f"/preuves/{evidence.id}").get_data(as_text=True)
    assert "Masquez les adresses MAC." in page and "à propos de BC01 · CE1" in re.sub(r"<[^>]+>", "", page)
    thread = db.session.scalar(select(Comment))
    client.submit(f"/preuves/{evidence.id}/commentaires", {"body": "C'est fait.", "parent_id": str(thread.id)}, token_from=f"/preuves/{evidence.id}")
    assert "non lu" not in client.get("/").get_data(as_text=True)
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == thread.id))
    assert reply.body == "C'est fait."


def test_deleted_evidence_can_be_restored(client, setup):
    evidence = factories.make_evidence(setup["portfolio"])
    response = client.submit(f"/preuves/{evidence.id}/supprimer", token_from=f"/preuves/{evidence.id}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Preuves retirées" in html and "récupérable" in html
    client.submit(f"/preuves/{evidence.id}/restaurer", token_from=f"/portefeuilles/{setup['portfolio'].id}")
    db.session.expire_all()
    assert db.session.get(Evidence, evidence.id).deleted_at is None


def test_submission_freezes_a_snapshot_that_later_edits_never_reach(client, setup):
    portfolio = setup["portfolio"]
    evidence = factories.make_evidence(portfolio, title="Plan d'adressage")
    factories.add_version(evidence, b"10.0.0.0/24 LAN\n", "plan.txt", "text/plain")
    factories.claim(evidence, _criterion(setup["certification"]), "Le plan couvre les trois VLAN.")
    refused = client.submit(f"/portefeuilles/{portfolio.id}/depots", {}, token_from=f"/portefeuilles/{portfolio.id}/depot", follow_redirects=True)
    assert "cochez la case de confirmation" in refused.get_data(as_text=True)
    response = client.submit(f"/portefeuilles/{portfolio.id}/depots", {"confirm": "oui", "recapitulatif": readiness_of(portfolio).token},
                             token_from=f"/portefeuilles/{portfolio.id}/depot")
    assert response.status_code == 303
    submission = db.session.scalar(select(Submission))
    frozen = submission.snapshot
    assert verify_submission(submission)

    client.submit(f"/preuves/{evidence.id}/modifier", {"title": "Plan modifié", "context": "company"})
    claim = db.session.scalar(select(Claim))
    client.submit(f"/rattachements/{claim.id}/modifier", {"justification": "Autre texte"}, token_from=f"/preuves/{evidence.id}")
    factories.add_version(evidence, b"nouvelle version\n", "plan.txt", "text/plain", file=evidence.files[0])
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.snapshot == frozen and verify_submission(submission)
    data = snapshot_of(submission)
    assert data["evidence"][0]["title"] == "Plan d'adressage"
    assert data["evidence"][0]["claims"][0]["justification"] == "Le plan couvre les trois VLAN."
    assert data["evidence"][0]["versions"][0]["number"] == 1
    page = client.get(f"/depots/{submission.id}").get_data(as_text=True)
    assert "intègre" in page and "Plan d&#39;adressage" in page

    second = client.submit(f"/portefeuilles/{portfolio.id}/depots", {"confirm": "oui", "recapitulatif": readiness_of(portfolio).token},
                           token_from=f"/portefeuilles/{portfolio.id}/depot")
    assert second.status_code == 303
    snapshots = db.session.scalars(select(Submission).order_by(Submission.number)).all()
    assert [s.number for s in snapshots] == [1, 2]
    assert json.loads(snapshots[1].snapshot)["evidence"][0]["title"] == "Plan modifié"


def test_a_submission_row_cannot_be_edited(app_ctx, setup):
    evidence = factories.make_evidence(setup["portfolio"])
    factories.claim(evidence, _criterion(setup["certification"]))
    from portfolio.submissions import submit_portfolio

    submission = submit_portfolio(setup["portfolio"], setup["candidate"])
    submission.snapshot = "{}"
    with pytest.raises(ValueError, match="figé"):
        db.session.commit()
    db.session.rollback()


def test_empty_portfolio_cannot_be_submitted(client, setup):
    portfolio = setup["portfolio"]
    response = client.submit(f"/portefeuilles/{portfolio.id}/depots", {"confirm": "oui", "recapitulatif": readiness_of(portfolio).token},
                             token_from=f"/portefeuilles/{portfolio.id}/depot", follow_redirects=True)
    assert "aucune preuve" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_admin_enrols_a_candidate_with_tutors(client, make_user):
    admin = make_user(Role.ADMIN)
    candidate = make_user(Role.CANDIDATE, name="Chloé Candidate")
    tutor = make_user(Role.TUTOR)
    certification = factories.make_certification()
    client.login(admin.email)
    response = client.submit("/admin/portefeuilles", {
        "candidate_id": str(candidate.id), "certification_id": str(certification.id), "tutor_ids": [str(tutor.id)],
    })
    assert response.status_code == 303
    html = client.get("/admin/portefeuilles").get_data(as_text=True)
    assert "Chloé Candidate" in html
    from portfolio.models import Portfolio

    portfolio = db.session.scalar(select(Portfolio))
    assert portfolio.tutors == [tutor] and portfolio.certification_id == certification.id
