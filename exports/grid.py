"""The jury grid as a documents.Document: per bloc the criteria with their indicators, the evidence
referenced, each juror's verdict and comment (or blank boxes for a paper session), the bloc decision
and signature lines. Accommodations never appear here: the grid may be read by anyone on the jury
file, not only by those who need that information.

The grid is built for a reader and shows only what the policy lets them read: the members'
verdicts and comments to whom may read other grids (READ_OTHER_GRIDS: admins, and members who
have handed in their own), a blank grid (the criteria, blank boxes) to anyone else on the jury.
"""
from __future__ import annotations

from sqlalchemy import select

from accounts.policy import Permission, may
from core.timeutil import format_paris
from documents import Document, Heading, Paragraph, Run, Table, TitlePage
from extensions import db
from referentials.models import Bloc, Certification
from portfolio.models import Submission
from portfolio.submissions import snapshot_of

from grading.assessments import compare_grids
from grading.decisions import effective_decision
from grading.models import SessionAssignment, Verdict

BLANK_BOXES = "☐ A   ☐ PA   ☐ NA   ☐ NE"
LEGEND = "A : acquis — PA : partiellement acquis — NA : non acquis — NE : non évalué."
# Blocs follow each other without a page break, and the signatures follow the last bloc: a grid
# has no half-empty page (a heading still moves to the next page with the start of its table).


def _latest_assignment(submission: Submission) -> SessionAssignment | None:
    return db.session.scalar(
        select(SessionAssignment).where(SessionAssignment.submission_id == submission.id).order_by(SessionAssignment.id.desc()).limit(1)
    )


def build_submission_grid(submission: Submission, reader) -> Document:
    portfolio = submission.portfolio
    certification = portfolio.certification
    assignment = _latest_assignment(submission)
    snapshot = snapshot_of(submission)
    evidence_by_criterion: dict[int, list[str]] = {}
    for item in snapshot["evidence"]:
        for claim in item["claims"]:
            evidence_by_criterion.setdefault(claim["criterion_id"], []).append(f"n°{item['number']}")

    session = assignment.session if assignment else None
    members = list(session.members) if session else []
    readable = assignment is not None and may(reader, Permission.READ_OTHER_GRIDS, assignment)
    comparisons = {c.bloc.id: c for c in compare_grids(assignment)} if readable else {}
    blocs = list(session.blocs) if session else list(certification.blocs)

    lines = [portfolio.candidate.full_name, f"Dépôt n°{submission.number} du {format_paris(submission.submitted_at, '%d/%m/%Y')}"]
    if session:
        lines.append(f"Session du {format_paris(session.starts_at)}{' — ' + session.place if session.place else ''}")
        lines.append("Jury : " + ", ".join(f"{m.user.full_name}{' (président)' if m.is_president else ''}" for m in members))
    else:
        lines.append("Dépôt non encore affecté à une session de jury.")
    blocks: list = [TitlePage("Grille d'évaluation", certification.display_title, [*lines, LEGEND])]
    for bloc in blocs:
        comparison = comparisons.get(bloc.id)
        blocks.append(Heading(f"{bloc.code} — {bloc.title}", 1))
        header = ["Critère", "Indicateurs", "Preuves"] + ([m.user.full_name for m in members] or ["Appréciation"])
        rows = []
        cells_by_criterion = {row.criterion.id: row for row in comparison.rows} if comparison else {}
        for evaluation in bloc.evaluations:
            for criterion in evaluation.criteria:
                row = [
                    [Run(criterion.code + " ", bold=True), Run(criterion.text)],
                    "\n".join(f"• {i}" for i in criterion.indicators) or "—",
                    ", ".join(evidence_by_criterion.get(criterion.id, [])) or "aucune",
                ]
                compared = cells_by_criterion.get(criterion.id)
                for index in range(max(1, len(members))):
                    cell = compared.cells[index] if compared and members else None
                    if cell is not None and cell.submitted and cell.assessment and cell.assessment.verdict:
                        text = Verdict(cell.assessment.verdict).label
                        row.append(text + (f"\n{cell.assessment.comment}" if cell.assessment.comment else ""))
                    else:
                        row.append(BLANK_BOXES + "\nCommentaire :")
                rows.append(row)
        widths = [0.28, 0.22, 0.12] + [0.38 / max(1, len(members))] * max(1, len(members))
        blocks.append(Table(header, rows, col_widths=widths, caption=f"Critères du bloc {bloc.code} ({LEGEND[:-1]})"))
        decision = effective_decision(assignment, bloc.id) if assignment else None
        if decision:
            blocks.append(Paragraph([Run("Décision du jury : ", bold=True), Run(decision.outcome_label)]))
            if decision.justification:
                blocks.append(Paragraph([Run("Justification : ", bold=True), Run(decision.justification)]))
        else:
            blocks.append(Paragraph("Décision du jury :   ☐ Validé   ☐ Non validé   ☐ Ajourné"))
            blocks.append(Paragraph("Justification : ____________________________________________"))
    blocks += _signatures(members)
    return Document(
        title=f"Grille d'évaluation — {portfolio.candidate.full_name}",
        author=portfolio.candidate.full_name,
        subject=f"{certification.display_title} ({certification.code or certification.key})",
        blocks=blocks,
    )


def build_blank_grid(certification: Certification) -> Document:
    """A grid with blank boxes for every criterion, for juries who print it before the session."""
    blocs = db.session.scalars(select(Bloc).where(Bloc.certification_id == certification.id).order_by(Bloc.position)).all()
    blocks: list = [
        TitlePage("Grille d'évaluation (vierge)", certification.display_title,
                  ["Candidat : ______________________", "Session : ______________________", LEGEND]),
    ]
    for bloc in blocs:
        blocks.append(Heading(f"{bloc.code} — {bloc.title}", 1))
        rows = [
            [[Run(c.code + " ", bold=True), Run(c.text)], "\n".join(f"• {i}" for i in c.indicators) or "—", BLANK_BOXES + "\nCommentaire :"]
            for e in bloc.evaluations for c in e.criteria
        ]
        if rows:
            blocks.append(Table(["Critère", "Indicateurs", "Appréciation"], rows, col_widths=[0.4, 0.3, 0.3],
                                caption=f"Critères du bloc {bloc.code} ({LEGEND[:-1]})"))
        blocks.append(Paragraph("Décision du jury :   ☐ Validé   ☐ Non validé   ☐ Ajourné"))
    blocks += _signatures([])
    return Document(title=f"Grille d'évaluation — {certification.display_title}", author="Probatio", subject=certification.display_title, blocks=blocks)


def _signatures(members) -> list:
    blocks: list = [Heading("Signatures des membres du jury", 1)]
    rows = [[m.user.full_name + (" (président)" if m.is_president else ""), "", ""] for m in members] or [["", "", ""] for _ in range(3)]
    blocks.append(Table(["Membre du jury", "Date", "Signature"], rows, col_widths=[0.4, 0.2, 0.4]))
    return blocks
