"""Assessments: the review workspace of a juror, their verdicts per criterion, grids handed in,
and the side-by-side comparison the members read.

A juror's grid is private until they hand it in; after that it is locked and shared with the
members who have handed in theirs (the policy's READ_OTHER_GRIDS decides who reads the
comparison). Every verdict change is one audit event.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from referentials.models import Bloc, Criterion, Deliverable, Evaluation
from portfolio.submissions import snapshot_of

from grading import GradingError, audit
from grading.models import Assessment, GridSubmission, JuryMember, JurySession, SessionAssignment, Verdict

MAX_ATTEMPTS = 5
MAX_COMMENT_LENGTH = 5000
log = logging.getLogger(__name__)


# --- what the juror reads ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FrozenVersion:
    """A file version as frozen in the snapshot (what the review page links to)."""
    id: int
    filename: str


@dataclass(frozen=True, slots=True)
class FrozenEvidence:
    """An evidence item as frozen in the snapshot, read once per page (plain attributes: the
    template reads them hundreds of times, and a dict lookup through Jinja costs an exception)."""
    id: int
    number: int
    title: str
    versions: tuple[FrozenVersion, ...]

    @classmethod
    def of(cls, snapshot_evidence: dict) -> FrozenEvidence:
        return cls(
            snapshot_evidence["id"], snapshot_evidence["number"], snapshot_evidence["title"],
            tuple(FrozenVersion(v["id"], v["filename"]) for v in snapshot_evidence.get("versions", ())),
        )


@dataclass(slots=True)
class ClaimedEvidence:
    evidence: FrozenEvidence
    justification: str


@dataclass(slots=True)
class CriterionReview:
    criterion: Criterion
    claimed: list[ClaimedEvidence]
    assessment: Assessment | None
    # criterion.label, worked out once for the whole bloc (the property walks the bloc each time).
    label: str = ""


@dataclass(slots=True)
class DeliverableReview:
    deliverable: Deliverable
    provided_by: list[FrozenEvidence]


@dataclass(slots=True)
class EvaluationReview:
    evaluation: Evaluation
    criteria: list[CriterionReview]
    deliverables: list[DeliverableReview]


@dataclass
class BlocReview:
    bloc: Bloc
    evaluations: list[EvaluationReview]

    @property
    def criteria(self) -> list[CriterionReview]:
        return [c for e in self.evaluations for c in e.criteria]


def bloc_labels(bloc: Bloc) -> dict[int, str]:
    """Criterion id → its label (Criterion.label's rule) for every criterion of a bloc, in one pass."""
    codes: dict[str, int] = {}
    for evaluation in bloc.evaluations:
        for criterion in evaluation.criteria:
            codes[criterion.code] = codes.get(criterion.code, 0) + 1
    labels = {}
    for evaluation in bloc.evaluations:
        for criterion in evaluation.criteria:
            parts = (bloc.code, evaluation.code, criterion.code) if codes[criterion.code] > 1 else (bloc.code, criterion.code)
            labels[criterion.id] = " · ".join(part for part in parts if part)
    return labels


def graded_count(blocs: list[BlocReview]) -> tuple[int, int]:
    """(criteria with a verdict, criteria) in a review workspace."""
    criteria = [c for b in blocs for c in b.criteria]
    return sum(1 for c in criteria if c.assessment and c.assessment.verdict), len(criteria)


def session_criteria(session: JurySession) -> list[Criterion]:
    return [c for bloc in session.blocs for evaluation in bloc.evaluations for c in evaluation.criteria]


def assessments_of(assignment: SessionAssignment, juror_id: int) -> dict[int, Assessment]:
    rows = db.session.scalars(
        select(Assessment).where(Assessment.assignment_id == assignment.id, Assessment.juror_id == juror_id)
    )
    return {a.criterion_id: a for a in rows}


def review_workspace(assignment: SessionAssignment, juror: User, snapshot: dict | None = None) -> list[BlocReview]:
    """The frozen snapshot organised bloc → evaluation → criterion, with this juror's verdicts.

    Every per-criterion list is made here in one pass over the snapshot (the template only
    walks them): each evidence item is read once into a FrozenEvidence shared by the criteria it
    is claimed for and the deliverables it provides. `snapshot`: the submission's parsed snapshot
    when the caller has it already (a 300-item dossier's JSON is worth parsing once per page)."""
    if snapshot is None:
        snapshot = snapshot_of(assignment.submission)
    claimed: dict[int, list[ClaimedEvidence]] = {}
    providing: dict[int, list[FrozenEvidence]] = {}
    for item in snapshot["evidence"]:
        evidence = FrozenEvidence.of(item)
        for claim in item["claims"]:
            claimed.setdefault(claim["criterion_id"], []).append(ClaimedEvidence(evidence, claim["justification"]))
        for deliverable_id in item.get("deliverable_ids", []):
            providing.setdefault(deliverable_id, []).append(evidence)
    mine = assessments_of(assignment, juror.id)
    blocs = assignment.session.blocs
    # Evaluations, criteria and deliverables of every bloc in three queries, not two per evaluation.
    db.session.scalars(
        select(Bloc).where(Bloc.id.in_([b.id for b in blocs])).options(
            selectinload(Bloc.evaluations).selectinload(Evaluation.criteria),
            selectinload(Bloc.evaluations).selectinload(Evaluation.deliverables),
        )
    ).all()
    workspace = []
    for bloc in blocs:
        labels = bloc_labels(bloc)
        workspace.append(BlocReview(bloc, [
            EvaluationReview(
                evaluation,
                [CriterionReview(c, claimed.get(c.id, []), mine.get(c.id), labels[c.id]) for c in evaluation.criteria],
                [DeliverableReview(d, providing.get(d.id, [])) for d in evaluation.deliverables],
            )
            for evaluation in bloc.evaluations
        ]))
    return workspace


def gradable_criterion(assignment: SessionAssignment, criterion_id: int) -> Criterion:
    """The criterion, if it belongs to the blocs this session evaluates for this submission."""
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None:
        raise GradingError("Ce critère n'existe pas.", 404)
    snapshot_certification = snapshot_of(assignment.submission)["certification"]["id"]
    bloc_ids = {b.id for b in assignment.session.blocs}
    if criterion.certification_id != snapshot_certification or criterion.evaluation.bloc_id not in bloc_ids:
        raise GradingError(
            f"Le critère {criterion.label} ({criterion.key}) n'appartient pas aux blocs évalués dans cette session "
            "pour ce dépôt : il ne peut pas être apprécié ici.", 400
        )
    return criterion


def grid_submission(assignment: SessionAssignment, juror_id: int) -> GridSubmission | None:
    return db.session.scalar(
        select(GridSubmission).where(GridSubmission.assignment_id == assignment.id, GridSubmission.juror_id == juror_id)
    )


def grid_lock(assignment: SessionAssignment, juror_id: int) -> str | None:
    """Why this juror's grid can no longer change (French, safe to show), or None while it can:
    the minutes of the session are signed, or the juror handed the grid in."""
    if assignment.session.is_signed:
        return "Le procès-verbal de cette session est signé : les grilles ne changent plus."
    if grid_submission(assignment, juror_id) is not None:
        return "Vous avez remis votre grille : elle ne peut plus être modifiée."
    return None


def _check_can_grade(assignment: SessionAssignment, juror: User) -> None:
    if assignment.session.member_for(juror) is None:
        raise GradingError("Vous ne siégez pas dans cette session.", 403)
    lock = grid_lock(assignment, juror.id)
    if lock is not None:
        raise GradingError(lock, 409)


def _parse_verdict(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw not in {v.value for v in Verdict}:
        raise GradingError("Appréciation inconnue : choisissez acquis, partiellement acquis, non acquis ou non évalué.")
    return raw


def _state(row: Assessment | None) -> dict | None:
    return None if row is None else {"criterion_id": row.criterion_id, "verdict": row.verdict, "comment": row.comment}


def record_verdict(
    assignment: SessionAssignment, juror: User, criterion_id: int, verdict: str | None, comment: str = ""
) -> Assessment | None:
    """Save this juror's verdict and comment on one criterion (insert or update its single row);
    None when there is nothing to record (no verdict, no comment, no row yet).

    Two requests may race to create the row: the loser's insert hits the unique constraint, and
    it retries as an update, so no verdict is lost or written to another juror's row.
    """
    criterion = gradable_criterion(assignment, criterion_id)
    _check_can_grade(assignment, juror)
    value = _parse_verdict(verdict)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise GradingError(f"Le commentaire dépasse {MAX_COMMENT_LENGTH} caractères.")
    assignment_id, juror_id, session_id = assignment.id, juror.id, assignment.session_id
    for attempt in range(MAX_ATTEMPTS):
        try:
            row = db.session.scalar(
                select(Assessment).where(
                    Assessment.assignment_id == assignment_id, Assessment.juror_id == juror_id,
                    Assessment.criterion_id == criterion.id,
                ).with_for_update()
            )
            before = _state(row)
            if (row is None and value is None and not comment) or (
                row is not None and row.verdict == value and row.comment == comment
            ):
                db.session.commit()  # nothing changes: no write, no event
                return row
            if row is None:
                row = Assessment(assignment_id=assignment_id, juror_id=juror_id, criterion_id=criterion.id)
                db.session.add(row)
            row.verdict, row.comment, row.updated_at = value, comment, utcnow()
            db.session.flush()
            audit.record(
                "assessment.recorded", "assessment", row.id, actor=juror, session_id=session_id,
                before=before, after=_state(row) | {"criterion": criterion.key, "assignment_id": assignment_id},
            )
            db.session.commit()
            return row
        except IntegrityError:
            db.session.rollback()  # another request created the row first: update it instead
            log.info("Assessment created concurrently (attempt %d): retrying as an update", attempt + 1)
        except OperationalError as error:
            db.session.rollback()  # locked or serialization failure: wait a little and retry
            log.info("Assessment write failed (attempt %d): %s", attempt + 1, error.orig)
            time.sleep(0.05 * (attempt + 1))
    raise GradingError("L'appréciation n'a pas pu être enregistrée (trop d'enregistrements simultanés). Réessayez.", 409)


def save_grid(assignment: SessionAssignment, juror: User, entries: dict[int, tuple[str | None, str]]) -> int:
    """Save several verdicts at once (the form without JavaScript); returns how many changed."""
    _check_can_grade(assignment, juror)
    known = {c.id for c in session_criteria(assignment.session)}
    unknown = sorted(set(entries) - known)
    if unknown:
        gradable_criterion(assignment, unknown[0])  # raises with the message naming the criterion
    before = {cid: _state(a) for cid, a in assessments_of(assignment, juror.id).items()}
    changed = 0
    for criterion_id, (verdict, comment) in entries.items():
        row = record_verdict(assignment, juror, criterion_id, verdict, comment)
        if _state(row) != before.get(criterion_id):
            changed += 1
    return changed


def submit_grid(assignment: SessionAssignment, juror: User) -> GridSubmission:
    """Hand in the grid: every criterion needs a verdict ("non évalué" counts)."""
    _check_can_grade(assignment, juror)
    mine = assessments_of(assignment, juror.id)
    missing = [c for c in session_criteria(assignment.session) if not (mine.get(c.id) and mine[c.id].verdict)]
    if missing:
        codes = ", ".join(c.label for c in missing[:5])
        more = "…" if len(missing) > 5 else ""
        raise GradingError(
            f"Il reste {len(missing)} critère(s) sans appréciation ({codes}{more}). Choisissez « Non évalué » "
            "pour un critère que vous ne pouvez pas apprécier."
        )
    submission = GridSubmission(assignment_id=assignment.id, juror_id=juror.id, submitted_at=utcnow())
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise GradingError("Vous avez déjà remis votre grille.", 409) from None
    counts: dict[str, int] = {}
    for a in mine.values():
        if a.verdict:
            counts[a.verdict] = counts.get(a.verdict, 0) + 1
    audit.record("grid.submitted", "grid", submission.id, actor=juror, session_id=assignment.session_id,
                 after={"assignment_id": assignment.id, "verdicts": counts})
    db.session.commit()
    return submission


# --- what the members read once their grid is in ------------------------------------------------------------------

@dataclass
class Cell:
    member: JuryMember
    submitted: bool
    assessment: Assessment | None

    @property
    def verdict(self) -> str | None:
        return self.assessment.verdict if self.submitted and self.assessment else None


@dataclass
class ComparisonRow:
    criterion: Criterion
    cells: list[Cell]

    @property
    def verdicts(self) -> list[str | None]:
        return [c.verdict for c in self.cells if c.submitted]

    @property
    def disagreement(self) -> bool:
        """Two handed-in grids give this criterion different verdicts."""
        return len({v for v in self.verdicts if v}) > 1


@dataclass
class BlocComparison:
    bloc: Bloc
    rows: list[ComparisonRow] = field(default_factory=list)

    @property
    def disagreements(self) -> int:
        return sum(1 for r in self.rows if r.disagreement)

    @property
    def disagreements_first(self) -> list[ComparisonRow]:
        """The rows to discuss first (disagreements), then the others, each in criterion order."""
        return sorted(self.rows, key=lambda r: not r.disagreement)


def compare_grids(assignment: SessionAssignment) -> list[BlocComparison]:
    """Every member's handed-in grid side by side; unsubmitted grids stay private (empty cells)."""
    session = assignment.session
    submitted = set(db.session.scalars(
        select(GridSubmission.juror_id).where(GridSubmission.assignment_id == assignment.id)
    ))
    rows = db.session.scalars(
        select(Assessment).where(Assessment.assignment_id == assignment.id, Assessment.juror_id.in_(submitted))
    ) if submitted else []
    by_key = {(a.juror_id, a.criterion_id): a for a in rows}
    comparison = []
    for bloc in session.blocs:
        bloc_rows = BlocComparison(bloc)
        for evaluation in bloc.evaluations:
            for criterion in evaluation.criteria:
                cells = [
                    Cell(m, m.user_id in submitted, by_key.get((m.user_id, criterion.id)) if m.user_id in submitted else None)
                    for m in session.members
                ]
                bloc_rows.rows.append(ComparisonRow(criterion, cells))
        comparison.append(bloc_rows)
    return comparison


def submitted_grids(assignment: SessionAssignment) -> tuple[int, int]:
    """(grids handed in by current members, number of members)."""
    member_ids = {m.user_id for m in assignment.session.members}
    submitted = set(db.session.scalars(
        select(GridSubmission.juror_id).where(GridSubmission.assignment_id == assignment.id)
    ))
    return len(member_ids & submitted), len(member_ids)


@dataclass
class AssignmentGrids:
    handed_in: int  # grids handed in by current members
    members: int
    mine: bool  # the reader handed theirs in


def grids_of_session(session: JurySession, reader_id: int) -> dict[int, AssignmentGrids]:
    """Per assignment id: how many grids are handed in, and whether the reader's is."""
    grids = {}
    for assignment in session.assignments:
        handed_in, members = submitted_grids(assignment)
        grids[assignment.id] = AssignmentGrids(handed_in, members, grid_submission(assignment, reader_id) is not None)
    return grids


# --- the juror's dashboard ---------------------------------------------------------------------

@dataclass
class AssignmentProgress:
    assignment: SessionAssignment
    graded: int
    total: int
    submitted: bool


@dataclass
class MembershipView:
    session: JurySession
    member: JuryMember
    assignments: list[AssignmentProgress]


def memberships_of(user: User) -> list[MembershipView]:
    members = db.session.scalars(
        select(JuryMember).join(JurySession).where(JuryMember.user_id == user.id).order_by(JurySession.starts_at.desc())
    ).all()
    views = []
    for member in members:
        session = member.session
        total = len(session_criteria(session))
        progress = []
        for assignment in session.assignments:
            mine = assessments_of(assignment, user.id)
            progress.append(AssignmentProgress(
                assignment, sum(1 for a in mine.values() if a.verdict), total, grid_submission(assignment, user.id) is not None,
            ))
        views.append(MembershipView(session, member, progress))
    return views
