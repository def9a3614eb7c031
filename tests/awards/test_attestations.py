"""The attestation de validation de bloc (PDF): certifier, certification and code, bloc, jury date,
candidate, a unique number and a QR code to the public verification page; for the candidate and
admins only, audited when downloaded."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from accounts.models import Role
from awards.models import AwardCredential
from extensions import db
from grading.models import AuditEvent
from tests.awards.jury_steps import deliberate, sign


def test_an_attestation_per_validated_bloc_with_number_and_qr_code(jury, issuer_key, client_for, client, output_dir):
    jury.certification.certifier = "Organisme certificateur de test"
    db.session.commit()
    deliberate(jury, outcomes=("validated", "validated"))
    sign(jury)
    candidate = client_for(jury.candidate)
    page = candidate.get(f"/resultats/{jury.assignment.id}").text
    blocs = db.session.scalars(select(AwardCredential).where(AwardCredential.kind == "bloc")).all()
    assert len(blocs) == 2 and blocs[0].number != blocs[1].number
    for credential in blocs:
        assert f"/attestations/{credential.uid}.pdf" in page
        pdf = candidate.get(f"/attestations/{credential.uid}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(pdf.data))
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert "Attestation de validation de bloc de compétences" in text
        for expected in ("Organisme certificateur de test", jury.certification.title, jury.certification.code,
                         credential.bloc.code, credential.bloc.title, "15/06/2026", "Camille Candidate", credential.number):
            assert expected in text, expected
        assert f"/badges/{credential.uid}" in text.replace(" ", "")
        assert any(page.images for page in reader.pages)  # the QR code
        (output_dir / "attestations").mkdir(exist_ok=True)
        (output_dir / "attestations" / f"{credential.number}.pdf").write_bytes(pdf.data)
        # The QR code's address answers without login.
        assert client.get(f"/badges/{credential.uid}").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attestation.downloaded")).all()
    assert [e.actor_id for e in events] == [jury.candidate.id] * 2


def test_tutors_and_other_candidates_get_no_attestation(signed_jury, issuer_key, client_for, make_user):
    jury = signed_jury
    client_for(jury.candidate).get(f"/resultats/{jury.assignment.id}")
    [credential] = db.session.scalars(select(AwardCredential)).all()
    url = f"/attestations/{credential.uid}.pdf"
    assert client_for(jury.tutor).get(url).status_code == 403
    assert client_for(make_user(Role.CANDIDATE)).get(url).status_code == 403
    assert client_for(jury.admin).get(url).status_code == 200
