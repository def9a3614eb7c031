"""A juror searches « événement » in Chromium: OCR'd screenshot and log of their session's
candidate, with snippets; nothing of a candidate outside the session."""
from accounts.models import Role
from search.extraction import extract_version
from search import rebuild_index
from extensions import db
from grading import sessions
from portfolio.submissions import submit_portfolio
from tests import factories



def _evidence_with(portfolio, title, filename, data, media_type):
    evidence = factories.make_evidence(portfolio, title=title)
    version = factories.add_version(evidence, data, filename, media_type)
    extract_version(version)
    db.session.commit()
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    return evidence, version


def test_juror_finds_ocr_and_log_matches_only_in_their_session(log_in, page, search_app, make_user, screenshots):
    """Extraction runs for real (Tesseract); jobs in immediate mode; the index is rebuilt from the database."""
    jury = factories.build_jury(make_user, code="RNCP-RECHERCHE")
    candidate = make_user(Role.CANDIDATE, name="Sacha Session")
    portfolio = factories.make_portfolio(candidate, jury.certification)
    _, screenshot = _evidence_with(portfolio, "Observateur d'événements", "observateur.png",
                                   factories.text_png(["Journal des evenements", "Securite Windows"]), "image/png")
    assert "evenements" in (screenshot.extracted_text or "").lower()
    _evidence_with(portfolio, "Journal de sécurité", "securite.log",
                   "2026-03-02 10:00 Événement 4625 : échec d'ouverture de session\n".encode(), "text/plain")
    submission = submit_portfolio(portfolio, candidate)
    sessions.assign_submission(jury.session, submission, actor=jury.admin)

    outsider = make_user(Role.CANDIDATE, name="Olivia Extérieure")
    other_portfolio = factories.make_portfolio(outsider, jury.certification)
    _evidence_with(other_portfolio, "Événements du pare-feu extérieur", "exterieur.log",
                   "Événement 1102 : journal effacé\n".encode(), "text/plain")
    submit_portfolio(other_portfolio, outsider)
    rebuild_index()

    log_in(page, jury.juror.email)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Recherche").click()
    page.get_by_role("searchbox").fill("événement")
    page.get_by_role("searchbox").press("Enter")
    results = page.locator("#resultats")
    results.get_by_text("observateur.png").first.wait_for()
    results.get_by_text("securite.log").first.wait_for()
    assert results.locator("mark").count() >= 2
    assert results.get_by_text("exterieur.log").count() == 0
    assert "Olivia" not in results.inner_text()
    page.screenshot(path=str(screenshots / "recherche-jury.png"), full_page=True)

