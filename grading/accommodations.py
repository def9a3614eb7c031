"""The candidates' accommodations (aménagements): recorded by admins, sensitive.

Who may read one is the policy's rule (`Permission.VIEW_ACCOMMODATION`); an extra-time
accommodation lengthens the interview slot (`grading.slots`).
"""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import Role, User
from extensions import db

from grading import GradingError, audit
from grading.models import Accommodation, AccommodationKind


def add_accommodation(candidate: User, kind: str, note: str, *, actor: User) -> Accommodation:
    if not candidate.has_role(Role.CANDIDATE):
        raise GradingError(f"{candidate.full_name} n'a pas le rôle candidat.")
    if kind not in {k.value for k in AccommodationKind}:
        raise GradingError("Type d'aménagement inconnu.")
    accommodation = Accommodation(candidate_id=candidate.id, kind=kind, note=note.strip(), created_by_id=actor.id)
    db.session.add(accommodation)
    db.session.flush()
    audit.record(
        "accommodation.created", "accommodation", accommodation.id, actor=actor,
        after={"candidate": candidate.full_name, "kind": kind, "note": accommodation.note},
    )
    db.session.commit()
    return accommodation


def remove_accommodation(accommodation: Accommodation, *, actor: User) -> None:
    audit.record(
        "accommodation.removed", "accommodation", accommodation.id, actor=actor,
        before={"candidate": accommodation.candidate.full_name, "kind": accommodation.kind, "note": accommodation.note},
    )
    db.session.delete(accommodation)
    db.session.commit()


def accommodations_of(candidate_id: int) -> list[Accommodation]:
    return list(db.session.scalars(
        select(Accommodation).where(Accommodation.candidate_id == candidate_id).order_by(Accommodation.created_at)
    ))


def all_accommodations() -> list[Accommodation]:
    return list(db.session.scalars(select(Accommodation).order_by(Accommodation.created_at.desc())))


def has_extra_time(candidate: User) -> bool:
    return db.session.scalar(
        select(Accommodation.id).where(
            Accommodation.candidate_id == candidate.id, Accommodation.kind == AccommodationKind.EXTRA_TIME.value
        ).limit(1)
    ) is not None
