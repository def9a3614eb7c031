"""No silent overwrite (issue 17, item 4), through the HTTP app and without JavaScript:
re-tagging asks what to do with the justification (history kept), a new version of another kind
needs a confirmation, and a change to validated evidence sends it back to the tutor."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from accounts.models import Role
from evidence import services
from evidence.models import Claim, ClaimRevision, EvidenceStatus, EvidenceVersion, StatusChange
from extensions import db
from tests import factories


@pytest.fixture()
def world(client_for, make_user):
    candidate = make_user(Role.CANDIDATE)
    tutor = make_user(Role.TUTOR)
    certification = factories.make_certification()
    portfolio = factories.make_portfolio(candidate, certification, tutors=[tutor])
    evidence = factories.make_evidence(portfolio)
    return {
        "candidate": client_for(candidate), "tutor": client_for(tutor), "evidence": evidence,
        "criterion": certification.blocs[0].evaluations[0].criteria[0], "tutor_user": tutor,
    }


def _tag(client, evidence, criterion, justification, **extra):
    return client.submit(
        f"/preuves/{evidence.id}/rattachements",
        {"criterion_id": str(criterion.id), "justification": justification, **extra},
        token_from=f"/preuves/{evidence.id}",
    )


# --- re-tagging ------------------------------------------------------------------------------------

def test_retagging_asks_before_replacing_the_justification(world):
    client, evidence, criterion = world["candidate"], world["evidence"], world["criterion"]
    assert _tag(client, evidence, criterion, "Première justification.").status_code == 303
    page = _tag(client, evidence, criterion, "Seconde justification.")
    assert page.status_code == 409
    assert "déjà rattachée au critère" in page.text
    assert "Première justification." in page.text and "Seconde justification." in page.text
    assert 'name="on_existing" value="keep"' in page.text and 'name="on_existing" value="replace"' in page.text
    db.session.expire_all()
    assert db.session.scalar(select(Claim.justification)) == "Première justification."
    assert db.session.scalars(select(ClaimRevision)).all() == []


def test_keeping_the_old_justification_changes_nothing(world):
    client, evidence, criterion = world["candidate"], world["evidence"], world["criterion"]
    _tag(client, evidence, criterion, "Première justification.")
    response = _tag(client, evidence, criterion, "Seconde justification.", on_existing="keep")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Claim.justification)) == "Première justification."
    assert db.session.scalars(select(ClaimRevision)).all() == []
    assert "Justification précédente conservée" in client.get(response.headers["Location"]).text


def test_replacing_keeps_the_old_justification_in_the_history(world):
    client, evidence, criterion = world["candidate"], world["evidence"], world["criterion"]
    _tag(client, evidence, criterion, "Première justification.")
    response = _tag(client, evidence, criterion, "Seconde justification.", on_existing="replace")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Claim.justification)) == "Seconde justification."
    history = db.session.scalars(select(ClaimRevision)).all()
    assert [h.justification for h in history] == ["Première justification."]
    page = client.get(f"/preuves/{evidence.id}").text
    assert "Justifications précédentes (1)" in page and "Première justification." in page


def test_editing_or_removing_a_claim_keeps_its_text(world):
    client, evidence, criterion = world["candidate"], world["evidence"], world["criterion"]
    _tag(client, evidence, criterion, "Version A.")
    claim = db.session.scalar(select(Claim))
    client.submit(f"/rattachements/{claim.id}/modifier", {"justification": "Version B."}, token_from=f"/preuves/{evidence.id}")
    client.submit(f"/rattachements/{claim.id}/supprimer", {}, token_from=f"/preuves/{evidence.id}")
    db.session.expire_all()
    assert db.session.scalar(select(Claim)) is None
    assert sorted(h.justification for h in db.session.scalars(select(ClaimRevision))) == ["Version A.", "Version B."]


# --- a new version of another kind -----------------------------------------------------------------

def _new_version(client, evidence, file_id, content, name, confirm=False):
    data = {"csrf_token": client.token(f"/preuves/{evidence.id}"), "file_id": str(file_id)}
    if confirm:
        data["confirm_kind"] = "1"
    data["files"] = [(io.BytesIO(content), name)]
    return client.post(f"/preuves/{evidence.id}/fichiers", data=data, content_type="multipart/form-data")


def _versions(file_id):
    db.session.expire_all()
    return [v.filename for v in db.session.scalars(
        select(EvidenceVersion).where(EvidenceVersion.file_id == file_id).order_by(EvidenceVersion.number))]


def test_a_log_as_new_version_of_a_screenshot_needs_a_confirmation(world):
    client, evidence = world["candidate"], world["evidence"]
    first = factories.add_version(evidence, factories.screenshot_png(1, (40, 30)), "capture.png", "image/png")
    page = _new_version(client, evidence, first.file_id, factories.log_text(1, 5), "pare-feu.log")
    assert page.status_code == 409
    assert "n'est pas du même type que la version actuelle" in page.text
    assert 'name="confirm_kind"' in page.text and f'name="file_id" value="{first.file_id}"' in page.text
    assert _versions(first.file_id) == ["capture.png"]
    confirmed = _new_version(client, evidence, first.file_id, factories.log_text(1, 5), "pare-feu.log", confirm=True)
    assert confirmed.status_code == 303
    assert _versions(first.file_id) == ["capture.png", "pare-feu.log"]


def test_a_new_version_of_the_same_kind_needs_no_confirmation(world):
    client, evidence = world["candidate"], world["evidence"]
    first = factories.add_version(evidence, factories.screenshot_png(1, (40, 30)), "capture.png", "image/png")
    response = _new_version(client, evidence, first.file_id, factories.screenshot_png(2, (40, 30)), "capture-2.png")
    assert response.status_code == 303
    assert _versions(first.file_id) == ["capture.png", "capture-2.png"]


def test_the_htmx_upload_shows_the_confirmation_form_inline(world):
    client, evidence = world["candidate"], world["evidence"]
    first = factories.add_version(evidence, factories.screenshot_png(1, (40, 30)), "capture.png", "image/png")
    data = {"csrf_token": client.token(f"/preuves/{evidence.id}"), "file_id": str(first.file_id),
            "files": [(io.BytesIO(factories.log_text(1, 5)), "pare-feu.log")]}
    fragment = client.post(f"/preuves/{evidence.id}/fichiers", data=data, content_type="multipart/form-data",
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 409 and 'data-outcome="confirm"' in fragment.text
    assert 'name="confirm_kind"' in fragment.text and "<html" not in fragment.text


# --- validated evidence that changes goes back to the tutor ----------------------------------------

def _approve(world):
    evidence = world["evidence"]
    services.change_status(evidence, EvidenceStatus.READY.value, evidence.portfolio.candidate, as_reviewer=False)
    services.change_status(evidence, EvidenceStatus.APPROVED.value, world["tutor_user"], as_reviewer=True)


def _status(evidence):
    db.session.expire_all()
    return db.session.get(type(evidence), evidence.id).status


@pytest.mark.parametrize("change", ["description", "claim", "deliverables", "file"])
def test_any_change_to_validated_evidence_returns_it_to_the_tutor(world, change):
    client, evidence, criterion = world["candidate"], world["evidence"], world["criterion"]
    _approve(world)
    show = f"/preuves/{evidence.id}"
    if change == "description":
        response = client.submit(f"{show}/modifier", {"title": "Nouveau titre", "context": "company"}, token_from=f"{show}/modifier")
    elif change == "claim":
        response = _tag(client, evidence, criterion, "Ajoutée après validation.")
    elif change == "deliverables":
        deliverable = evidence.portfolio.certification.blocs[0].evaluations[0].deliverables[0]
        response = client.submit(f"{show}/livrables", {"deliverables": str(deliverable.id)}, token_from=show)
    else:
        data = {"csrf_token": client.token(show), "files": [(io.BytesIO(factories.log_text(3, 5)), "journal.log")]}
        response = client.post(f"{show}/fichiers", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert _status(evidence) == EvidenceStatus.REVISED.value
    last = db.session.scalars(select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert (last.from_status, last.to_status) == ("approved", "revised")
    tutor_page = world["tutor"].get(show).text
    assert "À revoir : modifiée après validation" in tutor_page and "Valider la preuve" in tutor_page
    # The tutor decides again: validated once more.
    world["tutor"].submit(f"{show}/statut", {"status": "approved"}, token_from=show)
    assert _status(evidence) == EvidenceStatus.APPROVED.value


def test_saving_validated_evidence_unchanged_keeps_it_validated(world):
    client, evidence = world["candidate"], world["evidence"]
    _approve(world)
    show = f"/preuves/{evidence.id}"
    client.submit(f"{show}/modifier", {"title": evidence.title, "context": evidence.context}, token_from=f"{show}/modifier")
    assert _status(evidence) == EvidenceStatus.APPROVED.value
