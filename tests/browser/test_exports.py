"""Exports in Chromium: start an export, watch the progress bar finish, download both formats."""
import pytest

from accounts.models import Role
from portfolio.submissions import submit_portfolio
from tests import factories


@pytest.mark.real_worker
def test_candidate_exports_the_dossier_in_both_formats(log_in, page, make_user, job_worker, screenshots, tmp_path):
    """Real worker: the export runs in a huey consumer process while the page polls its progress."""
    candidate = make_user(Role.CANDIDATE, name="Jeanne Export")
    portfolio = factories.make_portfolio(candidate)
    criterion = portfolio.certification.blocs[0].evaluations[0].criteria[0]
    for n in range(3):
        evidence = factories.make_evidence(portfolio, title=f"Capture {n + 1}")
        factories.add_version(evidence, factories.screenshot_png(n), f"capture-{n + 1}.png", "image/png")
        factories.claim(evidence, criterion)
    submission = submit_portfolio(portfolio, candidate)
    log_in(page, candidate.email)
    page.goto(f"/depots/{submission.id}")
    for label, suffix in (("Dossier de validation (PDF)", ".pdf"), ("Dossier de validation (Word)", ".docx")):
        page.get_by_role("button", name=label).click()
        link = page.locator("#export-progress").get_by_role("link", name="Télécharger").filter(has_text=suffix)
        progress = page.locator("#export-progress progress").last
        progress.wait_for()
        link.wait_for(timeout=60_000)
        assert progress.get_attribute("value") == "100"
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename.endswith(suffix)
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        assert path.stat().st_size > 1000
    page.screenshot(path=str(screenshots / "export-dossier.png"), full_page=True)
