"""Open Badges 3.0 credentials as VC-JWT (EdDSA): they verify with the key published as JWKS,
fail once one byte of their payload changes, show as revoked once the decision is corrected;
the public verification page needs no login and shows the credential only. Keys come from
`flask credentials generate / rotate` and never reach the database or the output."""
from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from awards.credentials import bit_is_set
from awards.models import AwardCredential, CredentialKey
from extensions import db
from grading import decisions
from grading.models import AuditEvent
from tests.awards.jury_steps import deliberate, sign


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parts(token: str) -> tuple[dict, dict, bytes]:
    header, payload, signature = token.split(".")
    return json.loads(_b64(header)), json.loads(_b64(payload)), _b64(signature)


def _verify_independently(token: str, jwks: dict) -> None:
    """What any verifier does with the published JWKS, without Probatio's code."""
    header, _, signature = _parts(token)
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    public_key = Ed25519PublicKey.from_public_bytes(_b64(jwk["x"]))
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    public_key.verify(signature, signing_input)


def _issued(jury, client_for) -> list[AwardCredential]:
    page = client_for(jury.candidate).get(f"/resultats/{jury.assignment.id}")
    assert page.status_code == 200
    return list(db.session.scalars(select(AwardCredential).order_by(AwardCredential.id)))


def _tamper(token: str) -> str:
    """Change one byte of the payload (the candidate's name), keep the signature."""
    header, payload, signature = token.split(".")
    raw = bytearray(_b64(payload))
    position = raw.index(b"Camille")
    raw[position] = ord("K")
    return ".".join([header, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode(), signature])


def test_a_credential_verifies_with_the_published_key_and_not_after_one_byte_changes(signed_jury, issuer_key, client_for, client):
    jury = signed_jury
    [credential] = _issued(jury, client_for)  # BC01 validated, BC02 not: one credential
    token = client.get(f"/badges/{credential.uid}.jwt").get_data(as_text=True)
    assert token == credential.token
    jwks = client.get("/.well-known/jwks.json").get_json()
    _verify_independently(token, jwks)
    header, vc, _ = _parts(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in vc["@context"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == f"urn:uuid:{credential.uid}" and vc["validFrom"].endswith("Z")
    assert vc["issuer"]["type"] == ["Profile"]
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"].startswith("BC01") and achievement["criteria"]["narrative"]
    assert vc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    tampered = _tamper(token)
    with pytest.raises(InvalidSignature):
        _verify_independently(tampered, jwks)
    page = client.submit("/badges/verifier", {"token": tampered}, token_from="/badges/verifier").text
    assert "Badge non valide" in page and "Signature invalide" in page and "Kamille" not in page
    page = client.submit("/badges/verifier", {"token": token}, token_from="/badges/verifier").text
    assert "Badge valide" in page and "Camille Candidate" in page


def test_the_verification_page_needs_no_login_and_reveals_the_credential_only(signed_jury, issuer_key, client_for, client):
    jury = signed_jury
    [credential] = _issued(jury, client_for)
    page = client.get(f"/badges/{credential.uid}")
    assert page.status_code == 200
    text = page.text
    assert "Badge valide" in text and "Camille Candidate" in text and "BC01" in text
    for secret in (jury.candidate.email, "Justification du jury", "Avis de", "Julie Jurée", "Paul Président",
                   "BC02", "Non validé", "Salle 3"):
        assert secret not in text


def test_a_correction_revokes_the_credential_in_the_status_list(signed_jury, issuer_key, client_for, client):
    jury = signed_jury
    [credential] = _issued(jury, client_for)
    original = decisions.effective_decision(jury.assignment, jury.session.blocs[0].id)
    decisions.correct_decision(original, "not_validated", "CE1 non démontré", "Preuve non probante", actor=jury.president)
    status = client.get("/badges/statut/1")
    assert status.status_code == 200 and status.mimetype == "application/vc+jwt"
    jwks = client.get("/.well-known/jwks.json").get_json()
    _verify_independently(status.get_data(as_text=True), jwks)
    _, status_vc, _ = _parts(status.get_data(as_text=True))
    assert status_vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = status_vc["credentialSubject"]["encodedList"]
    assert bit_is_set(encoded, credential.status_index)
    assert not bit_is_set(encoded, credential.status_index + 1)
    page = client.get(f"/badges/{credential.uid}").text
    assert "Badge révoqué" in page and "Badge valide" not in page
    results = client_for(jury.candidate).get(f"/resultats/{jury.assignment.id}").text
    assert "Révoqué" in results
    assert client_for(jury.candidate).get(f"/attestations/{credential.uid}.pdf").status_code == 410
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.revoked")) is not None


def test_a_validating_correction_is_attested_once_signed(signed_jury, issuer_key, client_for):
    jury = signed_jury
    _issued(jury, client_for)
    second = decisions.effective_decision(jury.assignment, jury.session.blocs[1].id)
    decisions.correct_decision(second, "validated", "BC02 démontré", "Erreur de saisie", actor=jury.president)
    assert len(_issued(jury, client_for)) == 1  # not signed yet
    sign(jury)
    kinds = sorted(c.kind for c in _issued(jury, client_for))
    assert kinds == ["bloc", "bloc", "certification"]  # every bloc validated: the certification too


def test_the_whole_certification_is_credentialed_when_every_bloc_is_validated(jury, issuer_key, client_for):
    deliberate(jury, outcomes=("validated", "validated"))
    sign(jury)
    issued = _issued(jury, client_for)
    assert sorted(c.kind for c in issued) == ["bloc", "bloc", "certification"]
    assert len({c.number for c in issued}) == 3 and len({c.status_index for c in issued}) == 3
    [whole] = [c for c in issued if c.kind == "certification"]
    _, vc, _ = _parts(whole.token)
    assert vc["credentialSubject"]["achievement"]["achievementType"] == "Certificate"
    _issued(jury, client_for)
    assert db.session.query(AwardCredential).count() == 3  # issued once


def test_keys_are_generated_and_rotated_by_command_and_never_stored_in_the_database(app_ctx, signed_jury, issuer_key, client_for, client):
    assert stat.S_IMODE(os.stat(issuer_key).st_mode) == 0o600
    pem = issuer_key.read_text()
    runner = app_ctx.test_cli_runner()
    again = runner.invoke(args=["credentials", "generate"])
    assert again.exit_code != 0 and "existe déjà" in again.output
    [old] = _issued(signed_jury, client_for)
    rotated = runner.invoke(args=["credentials", "rotate"])
    assert rotated.exit_code == 0 and "Nouvelle clé" in rotated.output
    assert pem not in rotated.output and issuer_key.read_text() != pem
    keys = db.session.scalars(select(CredentialKey).order_by(CredentialKey.id)).all()
    assert len(keys) == 2 and keys[0].retired_at is not None and keys[1].retired_at is None
    assert all("d" not in k.public_jwk for k in keys)
    body = pem.split("-----")[2].strip().replace("\n", "")
    for row in db.session.execute(select(CredentialKey.public_jwk)).all() + db.session.execute(select(AwardCredential.token)).all():
        assert body not in json.dumps(row[0])
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert len(jwks["keys"]) == 2
    _verify_independently(old.token, jwks)  # what the old key signed still verifies
    assert "Badge valide" in client.get(f"/badges/{old.uid}").text
