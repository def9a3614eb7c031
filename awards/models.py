"""What the awards package keeps: the issuer's public keys (never the private one), the
credentials it issued (one per validated bloc, one per whole certification) with their
attestation number and status-list index, and the holder declarations to the Caisse des Dépôts."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class CredentialKey(db.Model):
    """A published Ed25519 public key of the issuer (JWK); retired keys stay published so that
    what they signed still verifies."""

    __tablename__ = "credential_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class AwardCredential(db.Model):
    """An OpenBadgeCredential issued as a VC-JWT: a validated bloc (`decision_id`) or a whole
    certification (`kind` "certification"). `award_key` names what it attests, so it is issued once."""

    __tablename__ = "award_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    award_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status_index: Mapped[int] = mapped_column(unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("jury_assignments.id", ondelete="CASCADE"), index=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="RESTRICT"))
    bloc_id: Mapped[int | None] = mapped_column(ForeignKey("blocs.id", ondelete="RESTRICT"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("bloc_decisions.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    candidate = relationship("User")
    assignment = relationship("SessionAssignment")
    certification = relationship("Certification")
    bloc = relationship("Bloc")
    decision = relationship("BlocDecision")


class AccrochageSettings(db.Model):
    """The certifier's identifiers at the Caisse des Dépôts for one certification lineage."""

    __tablename__ = "accrochage_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    lineage: Mapped[str] = mapped_column(String(60), unique=True)
    client_id: Mapped[str] = mapped_column(String(8))
    contract_id: Mapped[str] = mapped_column(String(20))
    certification_type: Mapped[str] = mapped_column(String(4))
    certification_code: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class HolderIdentity(db.Model):
    """A holder's civil identity for the declaration, encrypted at rest (Fernet, key from the
    configuration); administrators read it, nobody else. Purged after `purge_after`."""

    __tablename__ = "holder_identities"
    __table_args__ = (UniqueConstraint("candidate_id", "lineage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lineage: Mapped[str] = mapped_column(String(60))
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    purge_after: Mapped[datetime | None]

    candidate = relationship("User", foreign_keys=[candidate_id])


class AccrochageDeclaration(db.Model):
    """One XML flux sent to the Caisse des Dépôts: prepared, then sent by the administrator."""

    __tablename__ = "accrochage_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    lineage: Mapped[str] = mapped_column(String(60), index=True)
    id_flux: Mapped[str] = mapped_column(String(50), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="prepared")
    xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None]

    passages: Mapped[list[AccrochagePassage]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="AccrochagePassage.id"
    )


class AccrochagePassage(db.Model):
    """One holder's award in a declaration. Live (prepared, sent, accepted) at most once per award:
    a rejected passage is corrected by a new one in a later declaration."""

    __tablename__ = "accrochage_passages"
    __table_args__ = (
        Index(
            "uq_accrochage_passages_live", "award_key", unique=True,
            sqlite_where=text("state IN ('prepared', 'sent', 'accepted')"),
            postgresql_where=text("state IN ('prepared', 'sent', 'accepted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("accrochage_declarations.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    award_key: Mapped[str] = mapped_column(String(200))
    id_technique: Mapped[str] = mapped_column(String(255))
    award_date: Mapped[date]
    state: Mapped[str] = mapped_column(String(20), default="prepared")
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None]
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("accrochage_passages.id", ondelete="SET NULL"))

    declaration: Mapped[AccrochageDeclaration] = relationship(back_populates="passages")
    candidate = relationship("User")
