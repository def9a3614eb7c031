"""The review workspace and the grid: verdicts saved one by one (htmx) or all at once (no
JavaScript), private until handed in, one row per juror and criterion even under concurrency."""
import re
import threading

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from accounts.models import Role, User
from core.timeutil import utcnow
from extensions import db
from grading import GradingError, assessments, sessions
from grading.models import Assessment, AuditEvent, SessionAssignment
from tests import factories



def _verdict_url(jury, criterion_id: int) -> str:
    return f"/jury/affectations/{jury.assignment.id}/criteres/{criterion_id}"


def test_the_workspace_shows_the_snapshot_by_bloc_and_criterion(client_for, jury, app_ctx):
    page = (client_for(jury.juror).get(f"/jury/affectations/{jury.assignment.id}")).text
    assert "BC01 — Bloc 1" in page and "BC02 — Bloc 2" in page
    assert "Les journaux sont activés" in page  # indicators
    assert "La capture montre la règle de filtrage appliquée." in page  # the candidate's justification
    assert "Un plan d'adressage du réseau" in page and "Non fourni" in page  # deliverables expected / provided
    assert "pare-feu.log" in page
    assert "Preuve n°1 : Configuration du pare-feu" in page


def test_a_verdict_saves_as_an_htmx_fragment_and_survives_a_reload(client_for, jury, app_ctx):
    client = client_for(jury.juror)
    criterion = jury.criteria[0]
    response = client.submit(_verdict_url(jury, criterion.id),
                    {f"verdict-{criterion.id}": "partial", f"comment-{criterion.id}": "Journalisation incomplète"},
                    headers={"HX-Request": "true"})
    fragment = response.text
    assert response.status_code == 200
    assert fragment.lstrip().startswith(f'<div class="verdict saved" id="verdict-{criterion.id}"')
    assert "Enregistré" in fragment and "<html" not in fragment
    page = (client.get(f"/jury/affectations/{jury.assignment.id}")).text
    assert '<option value="partial" selected>' in page and "Journalisation incomplète" in page
    rows = db.session.scalars(select(Assessment)).all()
    assert [(r.juror_id, r.criterion_id, r.verdict) for r in rows] == [(jury.juror.id, criterion.id, "partial")]


def test_changing_a_verdict_updates_the_same_row_and_records_before_and_after(jury):
    criterion = jury.criteria[0]
    first = assessments.record_verdict(jury.assignment, jury.juror, criterion.id, "acquired", "")
    second = assessments.record_verdict(jury.assignment, jury.juror, criterion.id, "not_acquired", "Pas démontré")
    assert first.id == second.id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment.recorded").order_by(AuditEvent.id)).all()
    assert [e.before and e.before["verdict"] for e in events] == [None, "acquired"]
    assert events[-1].after["verdict"] == "not_acquired" and events[-1].actor_id == jury.juror.id
    # Saving the same thing again writes nothing.
    assessments.record_verdict(jury.assignment, jury.juror, criterion.id, "not_acquired", "Pas démontré")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "assessment.recorded")) == 2


def test_the_grid_works_without_javascript(client_for, jury, app_ctx):
    client = client_for(jury.juror)
    data = {f"verdict-{c.id}": "acquired" for c in jury.criteria}
    data[f"comment-{jury.criteria[1].id}"] = "Très clair"
    response = client.submit(f"/jury/affectations/{jury.assignment.id}/grille", data, follow_redirects=True)
    html = response.text
    assert f"Grille enregistrée ({len(jury.criteria)} appréciation(s) modifiée(s))" in html
    # A single criterion posted by a plain form redirects back to the grid.
    criterion = jury.criteria[0]
    response = client.submit(_verdict_url(jury, criterion.id), {f"verdict-{criterion.id}": "partial"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#critere-{criterion.id}")
    assert assessments.assessments_of(jury.assignment, jury.juror.id)[criterion.id].verdict == "partial"


def test_a_criterion_outside_the_session_blocs_is_refused(client_for, jury, app_ctx):
    sessions.update_session(
        jury.session, sessions.SessionFields(starts_at=jury.session.starts_at, place="Salle 3"), [jury.session.blocs[0]],
        actor=jury.admin,
    )
    outside = jury.certification.blocs[1].evaluations[0].criteria[0]
    with pytest.raises(GradingError) as refused:
        assessments.record_verdict(jury.assignment, jury.juror, outside.id, "acquired")
    assert refused.value.status == 400
    client = client_for(jury.juror)
    response = client.submit(_verdict_url(jury, outside.id), {f"verdict-{outside.id}": "acquired"})
    assert response.status_code == 400
    assert "n'appartient pas aux blocs évalués dans cette session" in response.text
    foreign = factories.make_certification("RNCP-ETRANGER").blocs[0].evaluations[0].criteria[0]
    response = client.submit(_verdict_url(jury, foreign.id), {f"verdict-{foreign.id}": "acquired"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "n'appartient pas" in response.text
    assert client.submit(_verdict_url(jury, 999_999), {"verdict": "acquired"}).status_code == 404
    response = client.submit(f"/jury/affectations/{jury.assignment.id}/grille", {f"verdict-{outside.id}": "acquired"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_an_unknown_verdict_is_refused(jury):
    with pytest.raises(GradingError, match="Appréciation inconnue"):
        assessments.record_verdict(jury.assignment, jury.juror, jury.criteria[0].id, "excellent")


def test_a_juror_not_on_the_session_gets_403(client_for, jury, app_ctx, make_user):
    outsider = make_user(Role.JUROR, name="Olivier Extérieur")
    client = client_for(outsider)
    assert client.get(f"/jury/affectations/{jury.assignment.id}").status_code == 403
    assert client.get(f"/depots/{jury.submission.id}").status_code == 403
    assert client.get(f"/jury/sessions/{jury.session.id}").status_code == 403
    criterion = jury.criteria[0]
    assert client.submit(_verdict_url(jury, criterion.id), {f"verdict-{criterion.id}": "acquired"}).status_code == 403
    with pytest.raises(GradingError) as refused:
        assessments.record_verdict(jury.assignment, outsider, criterion.id, "acquired")
    assert refused.value.status == 403
    # A member of the session reads the frozen submission through the jury.
    assert client_for(jury.juror).get(f"/depots/{jury.submission.id}").status_code == 200


def test_a_grid_stays_private_until_handed_in(client_for, jury, app_ctx):
    factories.grade_all(jury, jury.juror, submit=False)
    factories.grade_all(jury, jury.president)
    president = client_for(jury.president)
    page = (president.get(f"/jury/affectations/{jury.assignment.id}/deliberation")).text
    assert "Avis de Julie Jurée" not in page and "Grille non remise" in page
    assessments.submit_grid(jury.assignment, jury.juror)
    page = (president.get(f"/jury/affectations/{jury.assignment.id}/deliberation")).text
    assert "Avis de Julie Jurée" in page


def test_no_member_reads_the_others_before_handing_in_their_own(client_for, jury, app_ctx):
    """The president included: with her own grid still open, she is told to hand it in first."""
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president, submit=False)
    president = client_for(jury.president)
    url = f"/jury/affectations/{jury.assignment.id}/deliberation"
    refused = president.get(url)
    assert refused.status_code == 403 and "Remettez d'abord votre propre grille" in refused.text
    assert "Avis de Julie Jurée" not in refused.text
    assert "Délibération sur ce dossier" not in president.get(f"/jury/affectations/{jury.assignment.id}").text
    assessments.submit_grid(jury.assignment, jury.president)
    assert "Délibération sur ce dossier" in president.get(f"/jury/affectations/{jury.assignment.id}").text
    # The other member reads the comparison too, once her grid is in, but records no decision.
    page = client_for(jury.juror).get(url)
    assert page.status_code == 200 and "Avis de Paul Président" in page.text
    assert "Enregistrer la décision" not in page.text


def test_disagreements_come_first(client_for, jury, app_ctx):
    last = jury.bloc_criteria(0)[-1]
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president, overrides={last.id: "not_acquired"})
    page = client_for(jury.juror).get(f"/jury/affectations/{jury.assignment.id}/deliberation").text
    rows = re.findall(r'id="comparaison-(\d+)"', page)
    assert rows[0] == str(last.id) and rows.index(str(jury.bloc_criteria(0)[0].id)) == 1


def test_handing_in_needs_every_verdict_then_locks_the_grid(client_for, jury, app_ctx):
    assessments.record_verdict(jury.assignment, jury.juror, jury.criteria[0].id, "acquired")
    with pytest.raises(GradingError, match="Il reste 5 critère"):
        assessments.submit_grid(jury.assignment, jury.juror)
    factories.grade_all(jury, jury.juror, verdict="not_evaluated")
    with pytest.raises(GradingError, match="ne peut plus être modifiée"):
        assessments.record_verdict(jury.assignment, jury.juror, jury.criteria[0].id, "acquired")
    client = client_for(jury.juror)
    page = (client.get(f"/jury/affectations/{jury.assignment.id}")).text
    assert "Vous avez remis votre grille" in page and "<select" not in page
    response = client.submit(f"/jury/affectations/{jury.assignment.id}/remise", {"confirm": "oui"}, follow_redirects=True)
    assert "Vous avez remis votre grille : elle ne peut plus être modifiée." in response.text


def test_one_grid_lock_for_the_service_and_the_page(client_for, jury, app_ctx):
    assert assessments.grid_lock(jury.assignment, jury.juror.id) is None
    factories.grade_all(jury, jury.juror)
    assert "remis votre grille" in assessments.grid_lock(jury.assignment, jury.juror.id)
    assert assessments.grid_lock(jury.assignment, jury.president.id) is None  # each juror's own grid
    jury.session.minutes_signed_at = utcnow()  # signed minutes lock every grid of the session
    db.session.commit()
    assert "signé" in assessments.grid_lock(jury.assignment, jury.president.id)
    with pytest.raises(GradingError, match="signé") as refused:
        assessments.record_verdict(jury.assignment, jury.president, jury.criteria[0].id, "acquired")
    assert refused.value.status == 409
    page = (client_for(jury.president).get(f"/jury/affectations/{jury.assignment.id}")).text
    assert "Le procès-verbal de la session est signé." in page
    assert "<select" not in page and "Enregistrer la grille" not in page and "Remettre ma grille" not in page


def test_the_president_sees_disagreements(client_for, jury, app_ctx):
    first = jury.criteria[0]
    factories.grade_all(jury, jury.juror)
    factories.grade_all(jury, jury.president, overrides={first.id: "not_acquired"})
    comparison = assessments.compare_grids(jury.assignment)
    flagged = [row.criterion.id for bloc in comparison for row in bloc.rows if row.disagreement]
    assert flagged == [first.id]
    page = (client_for(jury.president).get(f"/jury/affectations/{jury.assignment.id}/deliberation")).text
    assert f'id="comparaison-{first.id}" class="warning disagreement"' in page
    assert page.count("Désaccord</strong>") == 1


def _two_clients_grade_at_once(app, client_for, jury, verdicts: dict[int, dict[int, str]]) -> list[Exception]:
    """Each juror posts every criterion from their own client and thread, starting together."""
    barrier = threading.Barrier(len(verdicts))
    errors: list[Exception] = []
    jurors = {jury.juror.id: jury.juror, jury.president.id: jury.president}
    clients = {juror_id: client_for(jurors[juror_id]) for juror_id in verdicts}
    url = f"/jury/affectations/{jury.assignment.id}/criteres/"

    def run(juror_id: int) -> None:
        try:
            with app.app_context():
                client = clients[juror_id]
                token = client.token("/")
                barrier.wait()
                for criterion_id, verdict in verdicts[juror_id].items():
                    response = client.post(
                        url + str(criterion_id), data={"csrf_token": token, f"verdict-{criterion_id}": verdict},
                        headers={"HX-Request": "true"},
                    )
                    assert response.status_code == 200, response.text
        except Exception as error:  # reported to the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(juror_id,)) for juror_id in verdicts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_jurors_grading_at_once_lose_nothing(client_for, jury, app_ctx):
    criteria = [c.id for c in jury.criteria]
    verdicts = {
        jury.juror.id: {c: "acquired" for c in criteria},
        jury.president.id: {c: ("not_acquired" if i % 2 else "partial") for i, c in enumerate(criteria)},
    }
    assert _two_clients_grade_at_once(app_ctx, client_for, jury, verdicts) == []
    db.session.expire_all()
    for juror_id, expected in verdicts.items():
        saved = {a.criterion_id: a.verdict for a in assessments.assessments_of(jury.assignment, juror_id).values()}
        assert saved == expected
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 2 * len(criteria)


def test_the_same_row_created_twice_at_once_stays_one_row(jury, app_ctx):
    """Two requests of one juror race to create the same row: the loser retries as an update."""
    criterion_id = jury.criteria[0].id
    assignment_id, juror_id = jury.assignment.id, jury.juror.id
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def run(verdict: str) -> None:
        try:
            with app_ctx.app_context():
                assignment = db.session.get(SessionAssignment, assignment_id)
                juror = db.session.get(User, juror_id)
                barrier.wait()
                assessments.record_verdict(assignment, juror, criterion_id, verdict)
                db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(v,)) for v in ("acquired", "partial", "not_acquired", "acquired")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    rows = db.session.scalars(select(Assessment).where(Assessment.criterion_id == criterion_id)).all()
    assert len(rows) == 1 and rows[0].juror_id == juror_id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment.recorded")).all()
    assert all(e.object_id == rows[0].id for e in events)


def test_a_row_created_between_read_and_write_is_updated_not_duplicated(jury):
    """Deterministic version of the race: another request inserts the row just before our flush."""
    criterion_id = jury.criteria[0].id
    calls = []

    def competitor(session, flush_context, instances):
        if calls:
            return
        calls.append(True)
        with db.engine.begin() as connection:
            connection.execute(insert(Assessment).values(
                assignment_id=jury.assignment.id, juror_id=jury.juror.id, criterion_id=criterion_id,
                verdict="acquired", comment="", created_at=utcnow(), updated_at=utcnow(),
            ))

    event.listen(Session, "before_flush", competitor)
    try:
        row = assessments.record_verdict(jury.assignment, jury.juror, criterion_id, "partial", "Après la course")
    finally:
        event.remove(Session, "before_flush", competitor)
    assert calls == [True]
    rows = db.session.scalars(select(Assessment).where(Assessment.criterion_id == criterion_id)).all()
    assert [(r.id, r.verdict, r.comment) for r in rows] == [(row.id, "partial", "Après la course")]


def test_juror_dashboard_lists_sessions_and_assigned_submissions(client_for, jury, app_ctx):
    page = (client_for(jury.juror).get("/")).text
    assert "Camille Candidate" in page and "Salle 3" in page
    assert "0 critère(s) apprécié(s) sur 6" in page
    assert f"/jury/affectations/{jury.assignment.id}" in page
    assert "Vous ne siégez dans aucune session" not in page
