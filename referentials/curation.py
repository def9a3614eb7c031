"""What an administrator changes on a loaded certification: its metadata (each change audited
in `certification_changes`) and the confirmation that a version whose document shows no end is
complete."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from extensions import db

from referentials.models import Certification, CertificationChange

METADATA_FIELDS = {
    "title": "Intitulé",
    "certifier": "Certificateur",
    "code": "Code RNCP ou RS",
    "level": "Niveau",
    "valid_from": "Début de validité",
    "valid_until": "Fin de validité",
    "dossier_min_pages": "Dossier : pages minimum",
    "interview_minutes": "Entretien (minutes)",
    "questionnaire_minutes": "Questionnaire (minutes)",
    "extra_time_ratio": "Temps majoré",
}


def update_metadata(certification: Certification, values: dict, changed_by_id: int | None, source: str = "formulaire") -> list[str]:
    """Complete or correct a certification's metadata; each change is audited. Only the fields of
    METADATA_FIELDS are touched: blocs, competences and criteria, which portfolios point to, never.
    Returns the French labels of the changed fields."""

    changed: list[str] = []
    for name, value in values.items():
        if name not in METADATA_FIELDS:
            raise ValueError(f"not a metadata field: {name}")
        if isinstance(value, str):
            value = value.strip()
        if name in ("title", "certifier", "level"):
            value = value or ""
        elif value == "":
            value = None
        old = getattr(certification, name)
        if old == value:
            continue
        setattr(certification, name, value)
        db.session.add(
            CertificationChange(
                certification_id=certification.id, changed_by_id=changed_by_id, field=name,
                old_value=None if old is None else str(old), new_value=None if value is None else str(value), source=source,
            )
        )
        changed.append(METADATA_FIELDS[name])
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return changed


def metadata_changes(certification: Certification) -> list:

    return db.session.scalars(
        select(CertificationChange).where(CertificationChange.certification_id == certification.id).order_by(CertificationChange.id.desc())
    ).all()


# --- completeness an administrator confirms ---------------------------------------------------

COMPLETENESS_FIELD = "complétude"
CONFIRMED_COMPLETE = "confirmé complet"


@dataclass
class CompletenessSummary:
    """What the loaded version holds, for the administrator to compare with the official fiche."""

    blocs: int
    competences: int
    criteria: int
    last_bloc: str


def completeness_summary(certification: Certification) -> CompletenessSummary:
    last = certification.blocs[-1] if certification.blocs else None
    return CompletenessSummary(
        blocs=len(certification.blocs),
        competences=sum(len(b.competences) for b in certification.blocs),
        criteria=sum(len(e.criteria) for b in certification.blocs for e in b.evaluations),
        last_bloc=(f"{last.code} — {last.title}" if last.code else last.title) if last else "",
    )


def confirm_complete(certification: Certification, changed_by_id: int | None, source: str = "formulaire") -> bool:
    """An administrator confirms that a version whose document showed no sign of its end is whole:
    the mark is cleared and the confirmation audited (CertificationChange « complétude », with the
    note it replaces). Returns False when there was nothing to confirm. The structure is untouched."""

    if not certification.completeness_unverified:
        return False
    summary = completeness_summary(certification)
    db.session.add(
        CertificationChange(
            certification_id=certification.id, changed_by_id=changed_by_id, field=COMPLETENESS_FIELD,
            old_value=certification.completeness_unverified,
            new_value=f"{CONFIRMED_COMPLETE} ({summary.blocs} blocs, {summary.competences} compétences, "
            f"{summary.criteria} critères ; dernier bloc : « {summary.last_bloc} »)",
            source=source,
        )
    )
    certification.completeness_unverified = None
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True
