"""Export jobs as the rest of the app sees them: the typed result, the job page, the one download
view, the grid rule of the policy, and the objects storage garbage collection must keep. Immediate mode."""
import io

from extensions import db
from exports.results import ExportResult
from exports.services import stored_object_keys
from jobs.models import Job, JobState
from storage.access import object_store



def test_result_reads_back_what_it_wrote_and_ignores_what_it_does_not_know():
    result = ExportResult(document="dossier", submission_id=4, object_key="k", filename="d.pdf", media_type="application/pdf",
                          size=2048, pages=12, minimum_pages=30, warnings=["preuve n°2, x.log : absent"])
    assert ExportResult.from_json(result.to_json()) == result
    assert result.too_short and not result.is_session_bundle and result.object_keys == {"k"}
    stored = ExportResult.from_json({"session_id": 3, "parts": {"a/dossier.pdf": "p1"}, "unknown": True})
    assert stored.is_session_bundle and stored.object_key is None and stored.object_keys == {"p1"}
    assert ExportResult.from_json(None) == ExportResult()


def test_stored_object_keys_are_those_of_export_results_only(app_ctx):
    db.session.add_all([
        Job(id="44444444-4444-4444-4444-444444444441", kind="export", title="Dossier", state="done",
            result=ExportResult(document="dossier", submission_id=1, object_key="fichier").to_json()),
        Job(id="44444444-4444-4444-4444-444444444442", kind="session-export", title="Session", state="running",
            result=ExportResult(session_id=1, parts={"a.pdf": "partie"}).to_json()),
        Job(id="44444444-4444-4444-4444-444444444443", kind="maintenance", title="Nettoyage", state="done",
            result={"object_key": "pas-un-export"}),
    ])
    db.session.commit()
    assert stored_object_keys() == {"fichier", "partie"}


def test_export_page_offers_the_file_and_a_way_back_without_javascript(client_for, jury, app_ctx):
    candidate = client_for(jury.candidate)
    response = candidate.submit(f"/depots/{jury.submission.id}/exports", {"kind": "dossier", "format": "pdf"})
    assert response.status_code == 303
    page = (candidate.get(response.headers["Location"])).text
    job = db.session.query(Job).filter_by(kind="export").one()
    assert '<html lang="fr">' in page and "Suivi de la tâche" in page
    assert f'href="/exports/{job.id}/fichier"' in page and "Télécharger dossier-de-validation-" in page
    assert f'href="/depots/{jury.submission.id}">Retour au dépôt' in page
    assert ExportResult.from_json(job.result).submission_id == jury.submission.id


def test_the_grid_is_offered_and_exported_by_the_policy(client_for, jury, app_ctx):
    """Jurors of the submission's session and admins export the grid; the candidate does not."""
    url = f"/depots/{jury.submission.id}"
    juror, candidate = client_for(jury.juror), client_for(jury.candidate)
    assert "Grille d'évaluation (PDF)" in (juror.get(url)).text
    assert "Grille d'évaluation (PDF)" not in (candidate.get(url)).text
    assert candidate.submit(url + "/exports", {"kind": "grille", "format": "pdf"}).status_code == 403
    response = juror.submit(url + "/exports", {"kind": "grille", "format": "pdf"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Télécharger grille-d-evaluation-" in response.text
    job = db.session.query(Job).filter_by(kind="export").one()
    assert juror.get(f"/exports/{job.id}/fichier").status_code in (200, 302)
    assert candidate.get(f"/exports/{job.id}/fichier").status_code == 403  # not their job


def test_one_download_view_serves_a_session_zip_at_both_addresses(client_for, jury, app_ctx):
    stored = object_store().put(io.BytesIO(b"PK archive"), 10)
    job = Job(id="55555555-5555-5555-5555-555555555555", kind="session-export", title="Session",
              created_by_id=jury.admin.id, state=JobState.DONE.value,
              result=ExportResult(session_id=jury.session.id, object_key=stored.key, filename="session.zip",
                                  media_type="application/zip", size=10, files=2).to_json())
    db.session.add(job)
    db.session.commit()
    admin, juror = client_for(jury.admin), client_for(jury.president)
    for url in (f"/exports/{job.id}/fichier", f"/jury/exports/{job.id}/archive"):
        assert admin.get(url).status_code in (200, 302)
        assert juror.get(url).status_code == 403
    page = (admin.get(f"/taches/{job.id}")).text
    assert "(2 fichiers)" in page and f'href="/jury/sessions/{jury.session.id}">Retour à la session' in page


def test_one_page_estimate_waits_per_portfolio_and_lays_out_the_content_it_finds(app_ctx, make_user):
    """With a worker (not immediate mode), changes made while an estimate waits add no job: the
    waiting one lays out the portfolio as it is when it runs, and its figure then applies."""
    from accounts.models import Role
    from jobs.services import hand_over
    from portfolio.coverage import PAGE_ESTIMATE_JOB, layout_digest, layout_pages, refresh_layout_estimate
    from tests import factories

    portfolio = factories.make_portfolio(make_user(Role.CANDIDATE))
    evidence = factories.make_evidence(portfolio, title="Journal du pare-feu")
    first_digest = layout_digest(portfolio)
    waiting = Job(id="55555555-5555-5555-5555-555555555551", kind=PAGE_ESTIMATE_JOB, title="Estimation",
                  task="exports.tasks.estimate_dossier_pages", state=JobState.QUEUED.value,
                  params={"portfolio_id": portfolio.id, "digest": first_digest})
    db.session.add(waiting)
    db.session.commit()

    factories.add_version(evidence, factories.log_text(1, 400), "pare-feu.log", "text/plain")
    assert layout_digest(portfolio) != first_digest
    refresh_layout_estimate(portfolio)
    assert db.session.query(Job).filter_by(kind=PAGE_ESTIMATE_JOB).count() == 1  # still the waiting one
    assert layout_pages(portfolio) is None

    job = hand_over(waiting.id)  # the worker takes it: it lays out the content as it is now
    assert job.state == JobState.DONE, job.error
    assert job.result["digest"] == layout_digest(portfolio)
    assert layout_pages(portfolio) == job.result["pages"] >= 4
    refresh_layout_estimate(portfolio)  # up to date: nothing to queue
    assert db.session.query(Job).filter_by(kind=PAGE_ESTIMATE_JOB).count() == 1


def test_a_portfolio_keeps_its_estimate_however_many_other_portfolios_were_estimated_since(app_ctx, make_user):
    """Each portfolio's estimate is found among its own jobs, not among the newest of everyone's:
    otherwise, with many active portfolios, every page view would queue the estimate again."""
    from datetime import timedelta

    from accounts.models import Role
    from core.timeutil import utcnow
    from portfolio.coverage import PAGE_ESTIMATE_JOB, layout_digest, layout_pages, refresh_layout_estimate
    from tests import factories

    portfolio = factories.make_portfolio(make_user(Role.CANDIDATE))
    factories.make_evidence(portfolio, title="Journal du pare-feu")
    earlier = utcnow() - timedelta(hours=1)
    db.session.add(Job(id="66666666-6666-6666-6666-666666666666", kind=PAGE_ESTIMATE_JOB, title="Estimation",
                       state=JobState.DONE.value, created_at=earlier, params={"portfolio_id": portfolio.id},
                       result={"pages": 7, "digest": layout_digest(portfolio)}))
    for n in range(80):
        db.session.add(Job(id=f"77777777-7777-7777-7777-{n:012d}", kind=PAGE_ESTIMATE_JOB, title="Estimation",
                           state=JobState.DONE.value, params={"portfolio_id": portfolio.id + 1000 + n},
                           result={"pages": 3, "digest": "autre"}))
    db.session.commit()

    assert layout_pages(portfolio) == 7
    refresh_layout_estimate(portfolio)
    assert db.session.query(Job).filter_by(kind=PAGE_ESTIMATE_JOB).count() == 81  # nothing queued again
