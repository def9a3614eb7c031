"""After the jury: the candidate's results and relevé de décisions, attestations and Open Badges
3.0 credentials per validated bloc, and the holder declaration to the Caisse des Dépôts.

Sits above `exports` and `search`: it reads grading's signed decisions and renders through
`documents`. Lower floors hear from it only through what `init_awards` registers in
`app.extensions` (the dashboard's notices).
"""
from __future__ import annotations


class AwardsError(Exception):
    """Something this package cannot do; the message is French and safe to show."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


AUDIT_ACTIONS = {
    "releve.downloaded": "Relevé de décisions téléchargé",
    "attestation.downloaded": "Attestation de bloc téléchargée",
    "credential.issued": "Badge numérique émis",
    "credential.revoked": "Badge numérique révoqué",
    "accrochage.settings": "Paramètres Caisse des Dépôts enregistrés",
    "accrochage.identity": "Identité d'un titulaire enregistrée",
    "accrochage.prepared": "Déclaration Caisse des Dépôts préparée",
    "accrochage.downloaded": "Déclaration Caisse des Dépôts téléchargée",
    "accrochage.sent": "Déclaration Caisse des Dépôts envoyée",
    "accrochage.outcome": "Retour de la Caisse des Dépôts enregistré",
    "accrochage.purged": "Identités de titulaires supprimées",
}
AUDIT_OBJECTS = {
    "results": "Résultats d'un candidat", "credential": "Badge numérique",
    "accrochage": "Déclaration Caisse des Dépôts", "holder": "Titulaire",
}


def init_awards(app) -> None:
    """Wire the package into the app: its audit vocabulary and the dashboard's result notices."""
    from grading import audit

    from awards.mail import subscribe
    from awards.notices import result_notices

    audit.ACTION_LABELS.update(AUDIT_ACTIONS)
    audit.OBJECT_LABELS.update(AUDIT_OBJECTS)
    app.extensions.setdefault("dashboard_notices", []).append(result_notices)
    subscribe()  # results announced by mail once the minutes are signed
