"""The minutes of a jury session as a documents.Document (PDF and Word): the session, its members,
each candidate's interview and bloc decisions, the corrections after signature, each member's
confirmation with its time (Europe/Paris), and every signed version. Like the minutes page, it
shows decisions only: never a juror's verdict, comment or an accommodation.
"""
from __future__ import annotations

from core.timeutil import format_paris
from documents import Document, Heading, Paragraph, Run, Table, TitlePage

from grading.minutes import minutes_page
from grading.models import JurySession

SECONDS = "%d/%m/%Y à %H:%M:%S"


def _state(session: JurySession) -> str:
    if session.minutes_stand:
        return f"Procès-verbal signé le {format_paris(session.minutes_signed_at, SECONDS)} (heure de Paris)."
    if session.is_reopened:
        return (f"Procès-verbal rouvert le {format_paris(session.minutes_reopened_at, SECONDS)} après une rectification : "
                "en attente des confirmations des membres.")
    return "Projet de procès-verbal : en attente des confirmations des membres."


def build_minutes(session: JurySession) -> Document:
    page = minutes_page(session)
    content = page.content
    facts = content["session"]
    lines = [f"Session du {facts['starts_at']} (heure de Paris)" + (f" — {facts['place']}" if facts["place"] else ""),
             _state(session)]
    blocks: list = [
        TitlePage("Procès-verbal de délibération", facts["certification"], lines),
        Heading("Membres du jury", 1),
        Table(["Membre", "Qualité"], [
            [m["name"], ("Président" if m["president"] else "Membre") + (", professionnel externe" if m["external"] else "")]
            for m in content["members"]
        ], col_widths=[0.5, 0.5], caption="Composition du jury"),
        Paragraph(f"Règle de proposition : {facts['rule']}."),
    ]
    for candidate in content["candidates"]:
        blocks.append(Heading(f"{candidate['name']} — dépôt n°{candidate['submission']}", 1))
        interview = candidate.get("interview") or "non planifié"
        blocks.append(Paragraph([Run("Entretien : ", bold=True), Run(interview)]))
        if candidate.get("interview_waiver"):
            blocks.append(Paragraph([Run("Décision sans attendre l'entretien : ", bold=True), Run(candidate["interview_waiver"])]))
        rows = []
        for bloc in candidate["blocs"]:
            notes = [bloc.get("justification") or ""]
            if bloc.get("override_reason"):
                notes.append(f"Décidé avant la remise de toutes les grilles : {bloc['override_reason']}")
            if "correction_reason" in bloc:
                notes.append(f"Décision rectifiée après signature : {bloc['correction_reason']}")
            rows.append([f"{bloc['bloc']} — {bloc['title']}", bloc.get("decision") or "Non décidé", "\n".join(n for n in notes if n)])
        blocks.append(Table(["Bloc", "Décision", "Justification"], rows, col_widths=[0.35, 0.15, 0.5],
                            caption=f"Décisions du jury pour {candidate['name']}"))
    if page.corrections:
        blocks.append(Heading("Rectifications postérieures à la signature", 1))
        blocks.append(Table(["Candidat et bloc", "Décision", "Date", "Motif"], [
            [f"{d.assignment.candidate.full_name}, bloc {d.bloc.code}", f"{d.corrects.outcome_label} → {d.outcome_label}",
             format_paris(d.decided_at, SECONDS), d.correction_reason or ""]
            for d in page.corrections
        ], col_widths=[0.3, 0.25, 0.2, 0.25], caption="Décisions rectifiées"))
    blocks.append(Heading("Confirmations des membres", 1))
    blocks.append(Table(["Membre", "Confirmation (heure de Paris)"], [
        [s.member.user.full_name + (" (président)" if s.member.is_president else ""),
         f"Confirmé le {format_paris(s.confirmation.confirmed_at, SECONDS)}" if s.confirmation else "En attente"]
        for s in page.status
    ], col_widths=[0.5, 0.5], caption="Chaque membre confirme le contenu identifié par son empreinte"))
    blocks.append(Paragraph([Run("Empreinte SHA-256 du contenu : ", bold=True), Run(page.sha256)]))
    if page.history:
        blocks.append(Heading("Historique des versions signées", 1))
        blocks.append(Table(["Version", "Signée le", "Empreinte SHA-256", "État"], [
            [str(v.signature.version), format_paris(v.signature.signed_at, SECONDS), v.signature.sha256,
             f"Rouverte le {format_paris(v.signature.reopened_at, SECONDS)} — {v.signature.reopened_reason}"
             if v.signature.reopened_at else "En vigueur"]
            for v in page.history
        ], col_widths=[0.12, 0.22, 0.38, 0.28], caption="Chaque signature est conservée"))
    return Document(
        title=f"Procès-verbal — {session.label}", author="Probatio", subject=facts["certification"], blocks=blocks,
    )
