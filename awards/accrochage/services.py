"""A declaration's life: certifier settings, holder identities, prepare (checked XML) → sent →
each passage accepted or rejected with the CDC's reason → rejected ones corrected and declared
again; a holder is never declared twice for the same award; everything on the audit trail
(never an identity), and identities purged after the configured retention."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from core.timeutil import to_paris, utcnow
from extensions import db
from grading import audit
from grading.decisions import candidate_results
from portfolio.models import Portfolio
from referentials.models import Certification

from awards import AwardsError
from awards.accrochage import identity as identities
from awards.accrochage.flux import PassageData, build_flux
from awards.accrochage.rules import ACCESS_MODES, CERTIFICATION_TYPES, check_xml
from awards.models import AccrochageDeclaration, AccrochagePassage, AccrochageSettings, HolderIdentity

LIVE = ("prepared", "sent", "accepted")
PASSAGE_LABELS = {"prepared": "Préparé", "sent": "Envoyé", "accepted": "Accepté", "rejected": "Rejeté",
                  "corrected": "Rejeté puis corrigé"}
DECLARATION_LABELS = {"prepared": "Préparée (à envoyer)", "sent": "Envoyée à la Caisse des Dépôts"}

# --- settings ------------------------------------------------------------------------------------

def settings_of(lineage: str) -> AccrochageSettings | None:
    return db.session.scalar(select(AccrochageSettings).where(AccrochageSettings.lineage == lineage))


def save_settings(lineage: str, client_id: str, contract_id: str, certification_type: str, code: str, *, actor) -> AccrochageSettings:
    client_id, contract_id, code = client_id.strip(), contract_id.strip(), code.strip()
    problems = []
    if len(client_id) != 8:
        problems.append("L'identifiant client de la Caisse des Dépôts compte exactement 8 caractères.")
    if not 1 <= len(contract_id) <= 20:
        problems.append("L'identifiant du contrat compte de 1 à 20 caractères.")
    if certification_type not in CERTIFICATION_TYPES:
        problems.append("Le type de certification est RNCP ou RS.")
    if not 1 <= len(code) <= 100:
        problems.append("Le code de la certification compte de 1 à 100 caractères.")
    if problems:
        raise AwardsError(" ".join(problems))
    settings = settings_of(lineage) or AccrochageSettings(lineage=lineage)
    settings.client_id, settings.contract_id = client_id, contract_id
    settings.certification_type, settings.certification_code, settings.updated_at = certification_type, code, utcnow()
    db.session.add(settings)
    db.session.flush()
    audit.record("accrochage.settings", "accrochage", settings.id, actor=actor,
                 after={"lineage": lineage, "type": certification_type, "code": code})
    db.session.commit()
    return settings


# --- holders -------------------------------------------------------------------------------------

@dataclass
class Holder:
    candidate: User
    award_date: date  # the jury that validated the last bloc (Europe/Paris day)
    identity: HolderIdentity | None
    passages: list[AccrochagePassage]

    @property
    def award_key(self) -> str:
        return award_key(self.candidate.id, self.lineage)

    lineage: str = ""

    @property
    def live(self) -> AccrochagePassage | None:
        return next((p for p in self.passages if p.state in LIVE), None)

    @property
    def to_correct(self) -> AccrochagePassage | None:
        return next((p for p in self.passages if p.state == "rejected"), None)


def id_technique(holder_: Holder) -> str:
    """Stable per award: a corrected passage keeps the identifier the CDC rejected."""
    return f"PROBATIO-{holder_.lineage}-{holder_.candidate.id}"[:255]


def award_key(candidate_id: int, lineage: str) -> str:
    return f"{lineage}:{candidate_id}"


def holders_of(lineage: str) -> list[Holder]:
    """Candidates who obtained the certification (every bloc validated in signed minutes)."""
    candidate_ids = db.session.scalars(
        select(Portfolio.candidate_id).join(Certification, Certification.id == Portfolio.certification_id)
        .where(Certification.lineage == lineage).distinct()
    ).all()
    holders = []
    for candidate in db.session.scalars(select(User).where(User.id.in_(candidate_ids)).order_by(User.full_name)):
        result = next((r for r in candidate_results(candidate) if r.certification.lineage == lineage), None)
        if result is None or not result.granted:
            continue
        last = max(b.session.starts_at for b in result.blocs if b.session is not None)
        passages = list(db.session.scalars(
            select(AccrochagePassage).where(AccrochagePassage.award_key == award_key(candidate.id, lineage))
            .order_by(AccrochagePassage.id)
        ))
        holders.append(Holder(candidate, to_paris(last).date(), identity_row(candidate, lineage), passages, lineage))
    return holders


def holder(candidate: User, lineage: str) -> Holder | None:
    return next((h for h in holders_of(lineage) if h.candidate.id == candidate.id), None)


def identity_row(candidate: User, lineage: str) -> HolderIdentity | None:
    return db.session.scalar(select(HolderIdentity).where(
        HolderIdentity.candidate_id == candidate.id, HolderIdentity.lineage == lineage))


def save_identity(candidate: User, lineage: str, identity: identities.Identity, *, actor) -> HolderIdentity:
    """Record (replace) a holder's identity, encrypted; only for who obtained the certification."""
    if holder(candidate, lineage) is None:
        raise AwardsError("L'identité n'est recueillie que pour les titulaires de la certification.", 403)
    problems = identity_problems(identity)
    if problems:
        raise AwardsError(" ".join(problems))
    row = identity_row(candidate, lineage) or HolderIdentity(candidate_id=candidate.id, lineage=lineage)
    row.ciphertext, row.updated_at, row.updated_by_id = identities.encrypt(identity), utcnow(), actor.id
    row.purge_after = None
    db.session.add(row)
    db.session.flush()
    audit.record("accrochage.identity", "holder", candidate.id, actor=actor, after={"lineage": lineage})
    db.session.commit()
    return row


def identity_problems(identity: identities.Identity) -> list[str]:
    """What the form must have (the schema's own rules are checked on the XML)."""
    if identity.access_mode not in ACCESS_MODES:
        return ["Choisissez la modalité d'accès à la certification."]
    if identity.by_dossier:
        missing = [label for value, label in ((identity.dossier_name, "le nom"), (identity.dossier_first_name, "le prénom"))
                   if not value]
        return [f"Avec un numéro de dossier CPF, indiquez aussi {' et '.join(missing)}."] if missing else []
    problems = []
    for value, label in ((identity.birth_name, "le nom de naissance"), (identity.first_names, "le ou les prénoms"),
                         (identity.birth_year, "l'année de naissance"), (identity.sex, "le sexe")):
        if not value:
            problems.append(f"Indiquez {label}.")
    if not (identity.birth_insee or identity.birth_postal_code or identity.birth_country_code):
        problems.append("Indiquez la commune de naissance (code INSEE ou code postal) ou le pays de naissance.")
    return problems


def read_identity(row: HolderIdentity) -> identities.Identity:
    return identities.decrypt(row.ciphertext)


# --- declarations --------------------------------------------------------------------------------

class DeclarationRefused(AwardsError):
    """The XML would not pass the checks: `problems` lists each holder and field in French."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("La déclaration ne respecte pas les règles de la Caisse des Dépôts.", 422)
        self.problems = problems


def prepare_declaration(lineage: str, *, actor) -> AccrochageDeclaration:
    """One flux with every holder not yet declared (or whose passage was rejected), checked first."""
    settings = settings_of(lineage)
    if settings is None:
        raise AwardsError("Renseignez d'abord les paramètres Caisse des Dépôts de cette certification.")
    due = [h for h in holders_of(lineage) if h.live is None]
    missing = [h for h in due if h.identity is None]
    ready = [h for h in due if h.identity is not None]
    if not ready:
        detail = f" ({len(missing)} titulaire(s) sans identité renseignée)" if missing else ""
        raise AwardsError(f"Aucun titulaire à déclarer{detail}.", 409)
    now = utcnow()
    id_flux = f"PROBATIO-{to_paris(now):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8].upper()}"
    passages = [PassageData(id_technique(h), h.award_date, read_identity(h.identity)) for h in ready]
    data = build_flux(id_flux=id_flux, moment=now, settings=settings, passages=passages)
    names = {p.id_technique: h.candidate.full_name for p, h in zip(passages, ready)}
    problems = check_xml(data, names)
    if problems:
        raise DeclarationRefused(problems)
    declaration = AccrochageDeclaration(
        lineage=lineage, id_flux=id_flux, state="prepared", xml=identities.encrypt_text(data.decode("utf-8")),
        sha256=hashlib.sha256(data).hexdigest(), created_at=now, created_by_id=actor.id,
    )
    db.session.add(declaration)
    for passage, holder_ in zip(passages, ready):
        rejected = holder_.to_correct
        if rejected is not None:
            rejected.state = "corrected"
        db.session.add(AccrochagePassage(
            declaration=declaration, candidate_id=holder_.candidate.id, award_key=holder_.award_key,
            id_technique=passage.id_technique, award_date=passage.award_date, state="prepared",
            corrects_id=rejected.id if rejected is not None else None,
        ))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AwardsError("Un titulaire est déjà déclaré pour cette certification : rechargez la page.", 409) from None
    audit.record("accrochage.prepared", "accrochage", declaration.id, actor=actor,
                 after={"id_flux": id_flux, "passages": len(passages), "sha256": declaration.sha256})
    db.session.commit()
    return declaration


def declaration_xml(declaration: AccrochageDeclaration, *, actor) -> bytes:
    data = identities.decrypt_text(declaration.xml).encode("utf-8")
    audit.record("accrochage.downloaded", "accrochage", declaration.id, actor=actor, after={"id_flux": declaration.id_flux})
    db.session.commit()
    return data


def mark_sent(declaration: AccrochageDeclaration, *, actor) -> None:
    if declaration.state != "prepared":
        raise AwardsError("Cette déclaration est déjà marquée envoyée.", 409)
    declaration.state, declaration.sent_at = "sent", utcnow()
    for passage in declaration.passages:
        passage.state = "sent"
    audit.record("accrochage.sent", "accrochage", declaration.id, actor=actor, after={"id_flux": declaration.id_flux})
    db.session.commit()


def record_outcome(passage: AccrochagePassage, accepted: bool, reason: str, *, actor) -> None:
    """The CDC's answer for one passage: accepted, or rejected with its reason."""
    if passage.state != "sent":
        raise AwardsError("Seul un passage envoyé reçoit le retour de la Caisse des Dépôts.", 409)
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise AwardsError("Indiquez le motif du rejet donné par la Caisse des Dépôts.")
    now = utcnow()
    passage.state, passage.reason, passage.recorded_at = ("accepted" if accepted else "rejected"), reason or None, now
    if accepted:
        row = identity_row(passage.candidate, passage.declaration.lineage)
        if row is not None:
            months = current_app.config["HOLDER_IDENTITY_RETENTION_MONTHS"]
            row.purge_after = now + timedelta(days=round(months * 30.44))
    audit.record("accrochage.outcome", "accrochage", passage.declaration_id, actor=actor,
                 after={"passage": passage.id_technique, "state": passage.state, "reason": reason})
    db.session.commit()


def declarations_of(lineage: str) -> list[AccrochageDeclaration]:
    return list(db.session.scalars(
        select(AccrochageDeclaration).where(AccrochageDeclaration.lineage == lineage).order_by(AccrochageDeclaration.id.desc())
    ))


def purge_identities(now: datetime | None = None, *, actor=None) -> int:
    """Delete the identities whose retention after acceptance has passed; returns how many."""
    now = now or utcnow()
    rows = db.session.scalars(select(HolderIdentity).where(
        HolderIdentity.purge_after.is_not(None), HolderIdentity.purge_after <= now)).all()
    for row in rows:
        db.session.delete(row)
    if rows:
        audit.record("accrochage.purged", "holder", None, actor=actor, after={"count": len(rows)})
    db.session.commit()
    return len(rows)
