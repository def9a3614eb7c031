"""The audit trail of the jury's work: recording events, browsing them, exporting them as CSV.

`record` adds the event to the caller's transaction, so a change and its event are committed
together or not at all.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select

from accounts.models import User
from core.timeutil import format_paris, paris_midnight_utc, utcnow
from extensions import db

from grading import audit_text
from grading.models import AuditEvent

ACTION_LABELS = {
    "session.created": "Session créée",
    "session.updated": "Session modifiée",
    "session.exported": "Export de la session lancé",
    "session.export_resumed": "Export de la session repris",
    "member.added": "Membre ajouté",
    "member.removed": "Membre retiré",
    "member.president": "Président désigné",
    "assignment.created": "Dépôt affecté à la session",
    "assignment.removed": "Dépôt retiré de la session",
    "slot.planned": "Créneau d'entretien planifié",
    "interview.waived": "Décision sans attendre l'entretien",
    "accommodation.created": "Aménagement enregistré",
    "accommodation.removed": "Aménagement retiré",
    "assessment.recorded": "Appréciation enregistrée",
    "grid.submitted": "Grille remise",
    "deliberation.started": "Délibération ouverte",
    "decision.recorded": "Décision de bloc enregistrée",
    "decision.corrected": "Décision de bloc rectifiée",
    "minutes.confirmed": "Procès-verbal confirmé",
    "minutes.signed": "Procès-verbal signé",
    "minutes.reopened": "Procès-verbal rouvert (rectification)",
}

OBJECT_LABELS = {
    "session": "Session de jury",
    "member": "Membre du jury",
    "assignment": "Affectation",
    "slot": "Créneau d'entretien",
    "accommodation": "Aménagement",
    "assessment": "Appréciation",
    "grid": "Grille",
    "decision": "Décision de bloc",
    "minutes": "Procès-verbal",
}

CSV_HEADERS = (
    "N°", "Date (heure de Paris)", "Auteur", "Action", "Objet", "Identifiant de l'objet", "Session", "Avant", "Après",
    "Description",
)
PER_PAGE = 50


def record(
    action: str, object_type: str, object_id: int | None, *, actor, session_id: int | None = None,
    before: dict | None = None, after: dict | None = None,
) -> AuditEvent:
    """Add one event to the current transaction; the caller commits it with the change it describes."""
    assert action in ACTION_LABELS, action
    assert object_type in OBJECT_LABELS, object_type
    event = AuditEvent(
        at=utcnow(), actor_id=actor.id if actor is not None else None,
        actor_name=actor.full_name if actor is not None else "Système",
        action=action, object_type=object_type, object_id=object_id, session_id=session_id,
        before=before, after=after,
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    session_id: int | None = None
    actor_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def query(self) -> Select:
        query = select(AuditEvent)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.session_id is not None:
            query = query.where(AuditEvent.session_id == self.session_id)
        if self.actor_id is not None:
            query = query.where(AuditEvent.actor_id == self.actor_id)
        # Days are Paris days; the column holds naive UTC.
        if self.date_from is not None:
            query = query.where(AuditEvent.at >= paris_midnight_utc(self.date_from))
        if self.date_to is not None:
            query = query.where(AuditEvent.at < paris_midnight_utc(self.date_to + timedelta(days=1)))
        return query


@dataclass
class Page:
    events: list[AuditEvent]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(audit_filter: AuditFilter, number: int = 1) -> Page:
    query = audit_filter.query()
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    number = min(max(1, number), max(1, -(-total // PER_PAGE)))
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).offset((number - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return Page(list(events), number, total)


def actors() -> list[User]:
    """The accounts that appear as authors in the trail, by name (for the author filter)."""
    actor_ids = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(actor_ids)).order_by(User.full_name)))


def sentence(event: AuditEvent) -> str:
    """The event as a French sentence ("Décision du bloc BC01 : non validé → validé, par …")."""
    return audit_text.sentence(event, ACTION_LABELS)


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """The event's recorded values as (field, before, after), labelled in French."""
    return audit_text.changes(event)


def json_text(value: dict | None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value is not None else ""


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with one of these is a formula for a spreadsheet: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(audit_filter: AuditFilter, batch: int = 500) -> Iterator[str]:
    """The filtered events as CSV for Excel: UTF-8 with BOM, `;` separated, French headers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(CSV_HEADERS)
    yield "\ufeff" + flush()
    last_id = None
    while True:
        query = audit_filter.query().order_by(AuditEvent.id.desc()).limit(batch)
        if last_id is not None:
            query = query.where(AuditEvent.id < last_id)
        events = db.session.scalars(query).all()
        if not events:
            return
        for e in events:
            writer.writerow([
                e.id, format_paris(e.at, "%d/%m/%Y %H:%M:%S"), _cell(e.actor_name), ACTION_LABELS.get(e.action, e.action),
                OBJECT_LABELS.get(e.object_type, e.object_type), e.object_id or "", e.session_id or "",
                _cell(json_text(e.before)), _cell(json_text(e.after)), _cell(sentence(e)),
            ])
        last_id = events[-1].id
        yield flush()
