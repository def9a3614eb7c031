"""The candidate's page estimate follows the dossier's real layout: adding a 20-page PDF shows (issue 12)."""
import re

from accounts.models import Role
from dashboard.demo import sample_pdf
from tests import factories

ESTIMATE = re.compile(r"Estimation du dossier : (\d+) page\(s\)")


def _estimate(page) -> int:
    text = page.get_by_text(ESTIMATE).inner_text()
    return int(ESTIMATE.search(text).group(1))


def test_candidate_sees_the_estimate_grow_after_adding_a_20_page_pdf(log_in, page, make_user, screenshots, tmp_path):
    candidate = make_user(Role.CANDIDATE, name="Camille Estimation")
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Procédure de sauvegarde du siège")
    factories.add_version(evidence, factories.log_text(1, 20), "sauvegarde.log", "text/plain")
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    (tmp_path / "procedure-complete.pdf").write_bytes(sample_pdf("Procédure complète", 20))

    log_in(page, candidate.email)
    page.get_by_role("link", name=f"Portefeuille — {portfolio.certification.title}").click()
    before = _estimate(page)

    page.goto(f"/preuves/{evidence.id}")
    form = page.locator("form[data-upload]").last
    form.locator("input[type=file]").set_input_files(str(tmp_path / "procedure-complete.pdf"))
    page.get_by_text("« procedure-complete.pdf » enregistré.").wait_for()

    page.goto(f"/portefeuilles/{portfolio.id}")
    after = _estimate(page)
    page.screenshot(path=str(screenshots / "estimation-pages.png"), full_page=True)
    # The PDF is reproduced page by page (in an annex, past 4 pages): about 20 more pages.
    assert after >= before + 18, (before, after)
