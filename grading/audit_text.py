"""The audit trail in French: each event as a sentence ("Décision du bloc BC01 : non validé →
validé, par Paul Président") and its recorded values as labelled changes, never raw JSON keys."""
from __future__ import annotations

from datetime import datetime

from core.timeutil import format_paris

from grading.models import AccommodationKind, AuditEvent, DecisionRule, Outcome, Verdict

FIELD_LABELS = {
    "assignment_id": "Affectation n°", "blocs": "Blocs évalués", "bloc": "Bloc", "candidate": "Candidat",
    "certification_id": "Certification n°", "comment": "Commentaire", "correction_reason": "Motif de la rectification",
    "corrects_id": "Rectifie la décision n°", "criterion": "Critère", "criterion_id": "Critère n°",
    "decision_rule": "Règle de proposition", "email": "Adresse e-mail", "external": "Professionnel externe",
    "justification": "Justification", "kind": "Aménagement", "members": "Membres", "minutes": "Durée (minutes)",
    "name": "Nom", "note": "Précisions", "number": "Dépôt n°", "outcome": "Décision", "override": "Écart à la proposition",
    "override_reason": "Motif de l'écart", "place": "Lieu", "president": "Président", "proposed": "Proposition",
    "reason": "Motif", "sha256": "Empreinte SHA-256", "starts_at": "Date et heure", "submission_id": "Dépôt (identifiant)",
    "user_id": "Compte n°", "verdict": "Appréciation", "verdicts": "Appréciations", "version": "Version",
    "video_link": "Lien de visioconférence",
}
NOTHING = "—"


def _enum_label(enum_type, value) -> str | None:
    try:
        return enum_type(value).label
    except ValueError:
        return None


def value_text(key: str, value) -> str:
    """One recorded value as a person reads it."""
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, bool):
        return "oui" if value else "non"
    if key in ("outcome", "proposed"):
        return (_enum_label(Outcome, value) or str(value)).lower()
    if key == "verdict":
        return (_enum_label(Verdict, value) or str(value)).lower()
    if key == "verdicts" and isinstance(value, dict):
        return ", ".join(f"{value_text('verdict', k)} : {n}" for k, n in sorted(value.items())) or NOTHING
    if key == "decision_rule":
        return _enum_label(DecisionRule, value) or str(value)
    if key == "kind":
        return _enum_label(AccommodationKind, value) or str(value)
    if key == "starts_at":
        try:
            return format_paris(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for every recorded value, labelled in French; before is "—" when
    the event created the thing, after is "—" when it removed it."""
    before, after = event.before or {}, event.after or {}
    keys = list(before) + [k for k in after if k not in before]
    rows = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if event.before is not None and event.after is not None and old == new:
            continue  # an update: only what changed
        rows.append((FIELD_LABELS.get(key, key), value_text(key, old), value_text(key, new)))
    return rows


def _from_to(event: AuditEvent, key: str, empty: str) -> str:
    old = (event.before or {}).get(key)
    new = (event.after or {}).get(key)
    return f"{value_text(key, old) if old else empty} → {value_text(key, new) if new else empty}"


def _value(event: AuditEvent, key: str) -> str:
    state = event.after or event.before or {}
    return value_text(key, state.get(key))


def _what(event: AuditEvent) -> str:
    action, after = event.action, event.after or {}
    if action == "decision.recorded":
        return f"Décision du bloc {_value(event, 'bloc')} : {_from_to(event, 'outcome', 'aucune')}"
    if action == "decision.corrected":
        return f"Décision du bloc {_value(event, 'bloc')} rectifiée : {_from_to(event, 'outcome', 'aucune')}"
    if action == "assessment.recorded":
        return f"Appréciation du critère {_value(event, 'criterion')} : {_from_to(event, 'verdict', 'non renseignée')}"
    if action == "grid.submitted":
        return f"Grille remise ({_value(event, 'verdicts')})"
    if action == "session.created":
        return f"Session de jury du {_value(event, 'starts_at')} créée"
    if action == "session.updated":
        fields = ", ".join(field.lower() for field, _, _ in changes(event))
        return f"Session modifiée ({fields})" if fields else "Session modifiée"
    if action == "member.added":
        role = " comme président" if after.get("president") else ""
        return f"{_value(event, 'name')} ajouté au jury{role}"
    if action == "member.removed":
        return f"{_value(event, 'name')} retiré du jury"
    if action == "member.president":
        return f"Présidence du jury : {_from_to(event, 'president', 'personne')}"
    if action == "assignment.created":
        return f"Dépôt n°{_value(event, 'number')} de {_value(event, 'candidate')} affecté à la session"
    if action == "assignment.removed":
        return f"Dépôt de {_value(event, 'candidate')} retiré de la session"
    if action == "slot.planned":
        return (f"Entretien de {_value(event, 'candidate')} : {_from_to(event, 'starts_at', 'non planifié')}"
                f" ({_value(event, 'minutes')} min)")
    if action == "interview.waived":
        return f"Décision sans attendre l'entretien de {_value(event, 'candidate')} : {_value(event, 'reason')}"
    if action == "accommodation.created":
        return f"Aménagement « {_value(event, 'kind')} » enregistré pour {_value(event, 'candidate')}"
    if action == "accommodation.removed":
        return f"Aménagement « {_value(event, 'kind')} » retiré pour {_value(event, 'candidate')}"
    if action == "deliberation.started":
        return f"Délibération ouverte (président : {_value(event, 'president')})"
    if action == "minutes.signed":
        return f"Procès-verbal signé (version {_value(event, 'version')}, {_value(event, 'members')} membre(s))"
    if action == "minutes.reopened":
        return f"Procès-verbal rouvert : {_value(event, 'reason')}"
    return None


def sentence(event: AuditEvent, action_labels: dict[str, str]) -> str:
    """The event as one French sentence, ending with who did it (nothing for the system)."""
    what = _what(event) or action_labels.get(event.action, event.action)
    return f"{what}, par {event.actor_name}" if event.actor_id is not None else what
