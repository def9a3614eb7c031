"""The relevé de décisions of one assigned submission (PDF and Word, built on the document model).

What the candidate may obtain of the administrative documents that concern them: per bloc, the
jury's decision and its justification; per criterion, each juror's verdict and comment as handed
in. The deliberation itself (notes on how the jury decided, the minutes, other candidates,
accommodations) stays out of it.
"""
from __future__ import annotations

from core.timeutil import format_paris
from documents import Document, Heading, Paragraph, Run, Table, TitlePage
from exports.results import slug

from awards.results import AssignmentResults, juror_assessments


def build_releve(results: AssignmentResults) -> Document:
    assignment = results.assignment
    session = results.session
    certification = session.certification
    candidate = assignment.candidate
    blocks: list = [
        TitlePage("Relevé de décisions", certification.label, [
            f"Candidat : {candidate.full_name}",
            f"Session du jury du {format_paris(session.starts_at, '%d/%m/%Y')} (procès-verbal signé le "
            f"{format_paris(session.minutes_signed_at, '%d/%m/%Y')})",
            f"Dépôt n°{assignment.submission.number}",
        ]),
        Heading("Décisions du jury par bloc de compétences", 1),
        Table(["Bloc", "Décision", "Justification"], [
            [f"{b.bloc.code} — {b.bloc.title}", b.decision.outcome_label if b.decision else "Non décidé",
             _justification(b.decision)]
            for b in results.blocs
        ], col_widths=[0.35, 0.15, 0.5], caption="Décisions du jury"),
    ]
    for comparison in juror_assessments(assignment):
        blocks.append(Heading(f"Appréciations du jury — {comparison.bloc.code} {comparison.bloc.title}", 2))
        rows = []
        for row in comparison.rows:
            for cell in row.cells:
                if not cell.submitted:
                    continue
                verdict = cell.assessment.verdict_label if cell.assessment else "Non renseigné"
                comment = cell.assessment.comment if cell.assessment else ""
                rows.append([f"{row.criterion.code} — {row.criterion.text}", cell.member.user.full_name, verdict, comment])
        if rows:
            blocks.append(Table(["Critère", "Membre du jury", "Appréciation", "Commentaire"], rows,
                                col_widths=[0.35, 0.18, 0.15, 0.32], caption=f"Appréciations par critère, bloc {comparison.bloc.code}"))
        else:
            blocks.append(Paragraph("Aucune grille remise pour ce bloc."))
    blocks.append(Paragraph([
        Run("Voies de recours : ", bold=True),
        Run("ce relevé vous est communiqué au titre de l'accès aux documents administratifs qui vous concernent. "
            "Pour contester une décision, adressez-vous au certificateur."),
    ]))
    return Document(title=f"Relevé de décisions — {candidate.full_name}", author=certification.certifier or "Probatio",
                    subject=certification.label, blocks=blocks)


def _justification(decision) -> str:
    if decision is None:
        return ""
    if decision.corrects_id is not None:
        return f"{decision.justification}\nDécision rectifiée : {decision.correction_reason or ''}"
    return decision.justification


def releve_filename(results: AssignmentResults, fmt: str) -> str:
    return f"releve-de-decisions-{slug(results.assignment.candidate.full_name)}-session-{results.session.id}.{fmt}"
