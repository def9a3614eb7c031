"""In Chromium, with upload.js: a log as the new version of a screenshot is confirmed first."""
from sqlalchemy import select

from accounts.models import Role
from evidence.models import EvidenceVersion
from extensions import db
from tests import factories


def test_a_new_version_of_another_kind_is_confirmed_in_the_browser(log_in, page, make_user, tmp_path, screenshots):
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Pare-feu du site de Lyon")
    first = factories.add_version(evidence, factories.screenshot_png(1, (60, 40)), "capture.png", "image/png")
    log_file = tmp_path / "pare-feu.log"
    log_file.write_bytes(factories.log_text(4, 10))

    log_in(page, candidate.email)
    page.goto(f"/preuves/{evidence.id}")
    article = page.locator("article.evidence-file", has_text="capture.png")
    article.get_by_text("Déposer une nouvelle version de ce fichier").click()
    article.locator("form[data-upload] input[type=file]").set_input_files(str(log_file))
    page.get_by_text("n'est pas du même type que la version actuelle", exact=False).wait_for()
    db.session.expire_all()
    assert db.session.scalars(select(EvidenceVersion).where(EvidenceVersion.file_id == first.file_id)).all() == [first]
    page.screenshot(path=str(screenshots / "confirmation-type-version.png"), full_page=True)
    article.get_by_role("button", name="Confirmer la nouvelle version pare-feu.log").click()
    page.get_by_text("« pare-feu.log » enregistré (version 2).").wait_for()
    db.session.expire_all()
    names = [v.filename for v in db.session.scalars(
        select(EvidenceVersion).where(EvidenceVersion.file_id == first.file_id).order_by(EvidenceVersion.number))]
    assert names == ["capture.png", "pare-feu.log"]
