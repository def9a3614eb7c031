"""Open Badges 3.0 credentials: an OpenBadgeCredential (VC data model 2.0) per validated bloc,
and one for the whole certification when every bloc is validated, secured as a VC-JWT signed
with the issuer's Ed25519 key (EdDSA), with a BitstringStatusList entry for revocation.

A credential is revoked as soon as the decision it attests is corrected (the correction is a
new decision; once its minutes are signed, a new credential attests it if it validates).
"""
from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.timeutil import utcnow
from extensions import db
from grading import audit

from referentials.case import BLOC, COMPETENCE, CRITERION, document_identifier, item_uri

from awards.keys import b64url, b64url_decode, public_key_of, signing_key
from awards.models import AwardCredential
from awards.results import AssignmentResults, BlocOutcome, signed_decisions

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
STATUS_LIST_BITS = 131072  # 16 KiB, the minimum the Bitstring Status List recommends (herd privacy)
STATUS_LIST_ID = 1


def _base_url() -> str:
    return current_app.config["PUBLIC_URL"]


def issuer_url() -> str:
    return f"{_base_url()}/badges/emetteur"


def status_list_url() -> str:
    return f"{_base_url()}/badges/statut/{STATUS_LIST_ID}"


def verification_url(uid: str) -> str:
    return f"{_base_url()}/badges/{uid}"


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=timezone.utc, microsecond=0).isoformat().replace("+00:00", "Z")


# --- JWS (compact, EdDSA) ------------------------------------------------------------------------

def sign_jwt(payload: dict, typ: str = "vc+jwt") -> tuple[str, str]:
    signer = signing_key()
    if signer is None:
        raise LookupError("no signing key")
    key, kid = signer
    header = {"alg": "EdDSA", "kid": kid, "typ": typ, "cty": "vc"}
    signing_input = f"{b64url(_compact(header))}.{b64url(_compact(payload))}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}", kid


def _compact(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Verification:
    """What checking a VC-JWT found; `credential` is None when it could not be read or trusted."""

    signature_valid: bool
    message: str
    credential: dict | None = None
    revoked: bool = False

    @property
    def valid(self) -> bool:
        return self.signature_valid and not self.revoked


def verify_jwt(token: str) -> Verification:
    """Check the signature against the published keys, then the revocation status."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3:
        return Verification(False, "Ce texte n'est pas un badge numérique (VC-JWT) lisible.")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload_bytes = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        return Verification(False, "Ce texte n'est pas un badge numérique (VC-JWT) lisible.")
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        return Verification(False, "Algorithme de signature non reconnu (EdDSA attendu).")
    public_key = public_key_of(str(header.get("kid", "")))
    if public_key is None:
        return Verification(False, "La clé qui aurait signé ce badge n'est pas publiée par ce certificateur.")
    try:
        public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        return Verification(False, "Signature invalide : ce badge a été modifié ou n'a pas été émis par ce certificateur.")
    try:
        credential = json.loads(payload_bytes)
    except ValueError:
        return Verification(False, "Contenu du badge illisible.")
    revoked = _revoked_in_status_list(credential)
    if revoked:
        return Verification(True, "Signature valide, mais ce badge a été révoqué par le certificateur.", credential, True)
    return Verification(True, "Badge authentique et en vigueur : signature vérifiée avec la clé publiée.", credential)


def _revoked_in_status_list(credential: dict) -> bool:
    status = credential.get("credentialStatus") if isinstance(credential, dict) else None
    if not isinstance(status, dict):
        return False
    try:
        index = int(status.get("statusListIndex", -1))
    except (TypeError, ValueError):
        return False
    return index in revoked_indexes()


# --- issuing -------------------------------------------------------------------------------------

def _achievement(results: AssignmentResults, outcome: BlocOutcome | None) -> dict:
    certification = results.session.certification
    if outcome is None:
        name = certification.display_title
        description = certification.description or f"Certification {certification.display_title}"
        narrative = "Validation de chacun des blocs de compétences de la certification par le jury."
        kind, ident = "Certificate", f"{_base_url()}/badges/certifications/{certification.lineage}"
    else:
        bloc = outcome.bloc
        name = f"{bloc.code} — {bloc.title}"
        description = bloc.description or f"Bloc de compétences {bloc.code} de la certification {certification.display_title}"
        criteria = [f"{c.code} : {c.text}" for e in bloc.evaluations for c in e.criteria]
        narrative = "Critères d'évaluation du référentiel :\n" + "\n".join(criteria) if criteria else description
        kind, ident = "Competency", f"{_base_url()}/badges/certifications/{certification.lineage}/{bloc.code}"
    achievement = {
        "id": ident, "type": ["Achievement"], "achievementType": kind, "name": name,
        "description": description, "criteria": {"narrative": narrative},
        "alignment": _alignment(certification, [outcome.bloc] if outcome else list(certification.blocs)),
    }
    if certification.code:
        achievement["humanCode"] = certification.code
    return achievement


def _alignment(certification, blocs) -> list[dict]:
    """Open Badges 3.0 Alignments to the referential's CASE CFItems (the `referential export
    --format case` package): each bloc, its competences and its criteria."""
    document = document_identifier(certification.key, certification.source_sha256, certification.title)
    framework = certification.display_title

    def entry(kind: str, key: str, name: str, code: str) -> dict:
        aligned = {"type": ["Alignment"], "targetName": name[:500], "targetUrl": item_uri(document, kind, key),
                   "targetType": "CFItem", "targetFramework": framework}
        if code:
            aligned["targetCode"] = code
        return aligned

    alignment = []
    for bloc in blocs:
        alignment.append(entry(BLOC, bloc.code, bloc.title, bloc.code))
        alignment.extend(entry(COMPETENCE, c.key, c.text, c.code) for c in bloc.competences)
        alignment.extend(entry(CRITERION, c.key, c.text, c.code) for e in bloc.evaluations for c in e.criteria)
    return alignment


def _credential_json(row: AwardCredential, results: AssignmentResults, outcome: BlocOutcome | None) -> dict:
    certification = results.session.certification
    return {
        "@context": CONTEXTS,
        "id": f"urn:uuid:{row.uid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url(), "type": ["Profile"], "name": certification.certifier or "Probatio"},
        "validFrom": _iso(results.session.minutes_signed_at),
        "name": _achievement(results, outcome)["name"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": results.assignment.candidate.full_name}],
            "achievement": _achievement(results, outcome),
        },
        "credentialStatus": {
            "id": f"{status_list_url()}#{row.status_index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(row.status_index),
            "statusListCredential": status_list_url(),
        },
    }


def issue_credentials(results: AssignmentResults) -> list[AwardCredential]:
    """The credentials of these results, issued once each (nothing when no key exists yet)."""
    sync_revocations()
    if signing_key() is None or not results.session.is_signed:
        return credentials_of(results)
    wanted: list[tuple[str, BlocOutcome | None]] = [(f"bloc:{b.decision.id}", b) for b in results.validated]
    if results.all_validated:
        ids = ",".join(str(b.decision.id) for b in results.validated)
        wanted.append((f"certification:{results.assignment.id}:{ids}", None))
    for award_key, outcome in wanted:
        if db.session.scalar(select(AwardCredential.id).where(AwardCredential.award_key == award_key)):
            continue
        _issue(award_key, results, outcome)
    return credentials_of(results)


def _issue(award_key: str, results: AssignmentResults, outcome: BlocOutcome | None) -> None:
    for _ in range(5):
        index = (db.session.scalar(select(func.max(AwardCredential.status_index))) or 0) + 1
        now = utcnow()
        row = AwardCredential(
            uid=str(uuid.uuid4()), award_key=award_key, kind="bloc" if outcome else "certification",
            number=f"ATT-{now:%Y}-{index:06d}", status_index=index, candidate_id=results.assignment.candidate.id,
            assignment_id=results.assignment.id, certification_id=results.session.certification_id,
            bloc_id=outcome.bloc.id if outcome else None, decision_id=outcome.decision.id if outcome else None,
            issued_at=now, kid="", token="",
        )
        row.token, row.kid = sign_jwt(_credential_json(row, results, outcome))
        db.session.add(row)
        try:
            db.session.flush()
            audit.record("credential.issued", "credential", row.id, actor=None, session_id=results.session.id,
                         after={"number": row.number, "kind": row.kind, "award": award_key})
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()  # another request issued it, or took the index: look again
            if db.session.scalar(select(AwardCredential.id).where(AwardCredential.award_key == award_key)):
                return


def credentials_of(results: AssignmentResults) -> list[AwardCredential]:
    return list(db.session.scalars(
        select(AwardCredential).where(AwardCredential.assignment_id == results.assignment.id)
        .order_by(AwardCredential.id)
    ))


def credential_by_uid(uid: str) -> AwardCredential | None:
    return db.session.scalar(select(AwardCredential).where(AwardCredential.uid == uid))


# --- revocation ----------------------------------------------------------------------------------

def _stale(row: AwardCredential) -> bool:
    """The decisions it attests were corrected (or are no longer those signed)."""
    if row.kind == "bloc":
        decision = row.decision
        return decision is None or decision.correction is not None
    ids = [int(i) for i in row.award_key.rsplit(":", 1)[1].split(",") if i]
    decided = {d.id for d in signed_decisions(row.assignment).values()} if row.assignment else set()
    from grading.models import BlocDecision

    corrected = db.session.scalar(select(func.count()).select_from(BlocDecision).where(BlocDecision.corrects_id.in_(ids)))
    return bool(corrected) or not set(ids) <= decided


def sync_revocations() -> int:
    """Revoke every credential whose decision was corrected since; returns how many."""
    revoked = 0
    for row in db.session.scalars(select(AwardCredential).where(AwardCredential.revoked_at.is_(None))).all():
        if _stale(row):
            row.revoked_at, row.revocation_reason = utcnow(), "Décision du jury rectifiée"
            audit.record("credential.revoked", "credential", row.id, actor=None,
                         session_id=row.assignment.session_id if row.assignment else None,
                         after={"number": row.number, "reason": row.revocation_reason})
            revoked += 1
    if revoked:
        db.session.commit()
    return revoked


def revoked_indexes() -> set[int]:
    return set(db.session.scalars(select(AwardCredential.status_index).where(AwardCredential.revoked_at.is_not(None))))


def status_list_token() -> str | None:
    """The BitstringStatusListCredential (revocation) as a signed VC-JWT, None without a key."""
    sync_revocations()
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in revoked_indexes():
        if 0 <= index < STATUS_LIST_BITS:
            bits[index // 8] |= 0x80 >> (index % 8)  # the first index is the left-most bit
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(),
        "validFrom": _iso(utcnow()),
        "credentialSubject": {
            "id": f"{status_list_url()}#liste", "type": "BitstringStatusList", "statusPurpose": "revocation",
            "encodedList": "u" + b64url(gzip.compress(bytes(bits), mtime=0)),
        },
    }
    try:
        return sign_jwt(credential)[0]
    except LookupError:
        return None


def bit_is_set(encoded_list: str, index: int) -> bool:
    """Read one bit of an encodedList (multibase base64url, gzip): what any verifier does."""
    data = gzip.decompress(b64url_decode(encoded_list[1:]))
    return bool(data[index // 8] & (0x80 >> (index % 8)))
