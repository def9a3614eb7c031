"""The figures a jury session's charts draw: progress of the grids, decisions per bloc and
agreement between jurors. The templates draw them as SVG and list the same figures in tables.

Agreement uses handed-in grids only, and a juror sees it for a candidate only once their own
grid is in (as for the grids side by side): it must not hint at the others' verdicts before."""
from __future__ import annotations

from core.charts import Chart, ChartRow

from grading import assessments, decisions
from grading.models import JurySession, Outcome


GRID_SERIES = (("Grilles remises", "s-done"), ("Grilles attendues", "s-pending"))
DECISION_SERIES = (("Validé", "s-validated"), ("Non validé", "s-not-validated"), ("Ajourné", "s-adjourned"),
                   ("Sans décision", "s-pending"))
AGREEMENT_SERIES = (("Critères en accord", "s-done"), ("Critères en désaccord", "s-disagree"))


def grid_progress(session: JurySession, grids: dict) -> Chart:
    rows = tuple(
        ChartRow(a.candidate.full_name, (grids[a.id].handed_in, max(0, grids[a.id].members - grids[a.id].handed_in)))
        for a in session.assignments
    )
    return Chart("Avancement des grilles", "Candidat", GRID_SERIES, rows)


def decisions_per_bloc(session: JurySession) -> Chart:
    rows = []
    for bloc in session.blocs:
        counts = {outcome.value: 0 for outcome in Outcome}
        pending = 0
        for assignment in session.assignments:
            decision = decisions.effective_decision(assignment, bloc.id)
            if decision is None:
                pending += 1
            else:
                counts[decision.outcome] = counts.get(decision.outcome, 0) + 1
        rows.append(ChartRow(bloc.code, (counts["validated"], counts["not_validated"], counts["adjourned"], pending)))
    return Chart("Décisions par bloc", "Bloc", DECISION_SERIES, tuple(rows))


def agreement(session: JurySession, grids: dict, sees_all: bool) -> Chart:
    """Per candidate: criteria on which the handed-in grids agree or not (two grids at least)."""
    rows, hidden = [], 0
    for assignment in session.assignments:
        if not (sees_all or grids[assignment.id].mine):
            hidden += 1
            continue
        agreed = disagreed = 0
        for bloc in assessments.compare_grids(assignment):
            for row in bloc.rows:
                if len([v for v in row.verdicts if v]) < 2:
                    continue
                if row.disagreement:
                    disagreed += 1
                else:
                    agreed += 1
        rows.append(ChartRow(assignment.candidate.full_name, (agreed, disagreed)))
    note = (f"{hidden} candidat(s) non affiché(s) : l'accord se lit une fois votre grille remise." if hidden else "")
    return Chart("Accord entre les jurés", "Candidat", AGREEMENT_SERIES, tuple(rows), note)


def session_charts(session: JurySession, grids: dict, sees_all: bool) -> list[Chart]:
    return [grid_progress(session, grids), decisions_per_bloc(session), agreement(session, grids, sees_all)]
