"""An admin browses one referential of each shape in Chromium, with and without JavaScript."""
from datetime import datetime

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading import sessions
from referentials.models import Certification
from tests.factories import make_portfolio
from referentials import services as referentials
from referentials.importers import SEEDS_DIR

SHAPES = {"rncp": "004_0fedc1ee0aa597b2.txt", "reac": "003_b745eb94bf0e9fd2.txt"}


def _load(name: str):
    draft, _ = referentials.parse_file((SEEDS_DIR / name).read_bytes(), name)
    return referentials.load_draft(draft)


@pytest.mark.parametrize("shape", SHAPES)
def test_admin_browses_the_tree_and_expands_a_bloc(log_in, page, make_user, screenshots, shape):
    certification = _load(SHAPES[shape])
    bloc = certification.blocs[1]
    criterion = bloc.evaluations[0].criteria[0]
    log_in(page, make_user(Role.ADMIN).email)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Référentiels").click()
    page.get_by_role("link", name=certification.display_title).click()
    assert page.get_by_role("heading", level=1).inner_text() == certification.display_title
    assert not page.get_by_text(criterion.text).is_visible()
    page.locator(f"#bloc-{bloc.id} > summary").click()
    page.get_by_text(criterion.text).first.wait_for()
    assert page.locator(f"#bloc-contenu-{bloc.id}").get_by_text("Critères d'évaluation").count() >= 1
    page.screenshot(path=str(screenshots / f"referentiel-{shape}.png"), full_page=False)
    page.locator(f"#bloc-{bloc.id} > summary").click()  # collapse again
    assert not page.get_by_text(criterion.text).first.is_visible()


def test_tree_works_without_javascript(log_in, chromium, live_server, app_ctx, make_user):
    certification = _load(SHAPES["reac"])
    bloc = certification.blocs[0]
    context = chromium.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, make_user(Role.ADMIN).email)
        page.goto(f"/referentiels/{certification.id}")
        page.locator(f"#bloc-{bloc.id} > summary").click()
        page.get_by_role("link", name=f"Afficher les compétences et critères de {bloc.code}").click()
        criterion = page.get_by_text(bloc.evaluations[0].criteria[0].text).first
        criterion.wait_for()
        assert criterion.is_visible()
        assert page.url.endswith(f"?bloc={bloc.id}#bloc-{bloc.id}")  # the page itself opened the bloc, no script
    finally:
        context.close()


def test_admin_refused_a_cut_file_imports_the_whole_one_as_a_new_certification_and_titles_it(
    log_in, page, make_user, screenshots, tmp_path
):
    """The issue's walk: a truncated file is refused, the whole file resembles a loaded one (same
    key, no code), the admin chooses "new certification", completes the missing title, sees it."""
    name = SHAPES["rncp"]
    draft, _ = referentials.parse_file((SEEDS_DIR / name).read_bytes(), name)
    draft.blocs[0].evaluations[0].criteria[0].text += " (édition précédente)"
    referentials.load_draft(draft)  # an earlier edition of the same document, without title either
    whole = (SEEDS_DIR / name).read_bytes()
    cut = tmp_path / "igs-coupe.txt"
    lines = whole.decode("utf-8").split("\n")
    cut.write_text("\n".join(lines[: len(lines) // 2]), encoding="utf-8")

    admin = make_user(Role.ADMIN)
    log_in(page, admin.email)
    page.goto("/referentiels")
    page.get_by_label("Document du référentiel").set_input_files(str(cut))
    page.get_by_role("button", name="Analyser le document").click()
    refusal = page.get_by_text("Import impossible").first
    refusal.wait_for()
    assert "tronqué" in refusal.inner_text() and "ligne" in refusal.inner_text()
    page.screenshot(path=str(screenshots / "referentiel-tronque-refuse.png"))

    page.get_by_label("Document du référentiel").set_input_files(str(SEEDS_DIR / name))
    page.get_by_role("button", name="Analyser le document").click()
    page.get_by_role("heading", name="Rapport d'import").wait_for()
    page.get_by_label("Nouvelle certification").check()
    page.get_by_role("button", name="Confirmer l'import").click()
    page.get_by_role("link", name="Titre à compléter : compléter les informations").click()
    title = "Manager en infrastructures et cybersécurité des systèmes d'information"
    page.get_by_label("Intitulé de la certification").fill(title)
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Référentiels").click()
    assert page.get_by_role("link", name=title).count() == 1
    assert page.get_by_role("link", name="titre à compléter").count() == 1  # the earlier edition, untouched
    page.screenshot(path=str(screenshots / "referentiel-titre-complete.png"))

    # ... and everywhere the certification is named: a candidate's portfolio, a jury session.
    certification = db.session.scalars(select(Certification).where(Certification.title == title)).one()
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    portfolio = make_portfolio(candidate, certification)
    session = sessions.create_session(certification, sessions.SessionFields(starts_at=datetime(2026, 6, 15, 7, 0), place="Salle 1"), actor=admin)
    page.goto(f"/portefeuilles/{portfolio.id}")
    assert title in page.get_by_role("heading", level=1).inner_text()
    page.goto(f"/jury/sessions/{session.id}")
    assert title in page.get_by_role("heading", level=1).inner_text()
    page.goto("/jury")
    assert page.get_by_text(title).count() >= 1
    page.screenshot(path=str(screenshots / "referentiel-titre-session.png"))


def test_admin_matches_a_france_competences_fiche_to_a_loaded_certification(log_in, page, make_user, screenshots, tmp_path):
    """Upload the RNCP export (zip), find the fiche, read what will be filled, confirm."""
    from tests.referentials.rncp_samples import IGS_TITLE, zip_export

    certification = _load(SHAPES["rncp"])
    archive = tmp_path / "export-rncp.zip"
    archive.write_bytes(zip_export(tmp_path))
    log_in(page, make_user(Role.ADMIN).email)
    page.goto("/referentiels")
    page.get_by_role("link", name="Importer l'export RNCP de France Compétences").click()
    page.get_by_label("Export RNCP de France Compétences").set_input_files(str(archive))
    page.get_by_role("button", name="Lire l'export").click()
    page.get_by_role("heading", name="Fiches RNCP").wait_for()
    page.get_by_label("Chercher une fiche (numéro ou intitulé)").fill("RNCP36061")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_label("Certification pour RNCP36061").select_option(str(certification.id))
    page.get_by_role("button", name="Voir la correspondance").click()
    report = page.get_by_role("table", name="Correspondance des blocs (par leur intitulé)")
    assert "RNCP36061BC03" in report.inner_text()
    page.screenshot(path=str(screenshots / "france-competences-correspondance.png"), full_page=True)
    page.get_by_role("button", name="Confirmer l'association").click()
    assert page.get_by_role("heading", level=1).inner_text() == IGS_TITLE
    assert page.get_by_text("RNCP36061", exact=True).count() == 1


def test_admin_compares_the_counts_and_confirms_a_referential_that_shows_no_end(log_in, page, make_user, screenshots):
    """Seed 000 states neither its number of blocs nor its end: it loads « complétude non
    vérifiable »; the administrator reads the counts and the last bloc, then confirms."""
    name = "000_e6b0dbb14e4d7cfa.txt"
    log_in(page, make_user(Role.ADMIN).email)
    page.goto("/referentiels")
    page.get_by_label("Document du référentiel").set_input_files(str(SEEDS_DIR / name))
    page.get_by_role("button", name="Analyser le document").click()
    page.get_by_role("heading", name="Rapport d'import").wait_for()
    assert page.get_by_text("complétude non vérifiable : le document n'annonce ni sa fin").count() == 1
    page.get_by_role("button", name="Confirmer l'import").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().endswith("(complétude non vérifiable)")
    page.get_by_role("link", name="Vérifier et confirmer la complétude").click()
    page.get_by_role("heading", name="Confirmer la complétude").wait_for()
    table = page.get_by_role("table", name="Ce qui a été chargé")
    assert table.get_by_role("row", name="Blocs").inner_text().split() == ["Blocs", "4"]
    assert "APPORTER UN SUPPORT / UNE ASSISTANCE AUX UTILISATEURS" in table.get_by_role("row", name="Dernier bloc").inner_text()
    page.screenshot(path=str(screenshots / "referentiel-completude-a-confirmer.png"), full_page=True)
    page.get_by_role("button", name="Confirmer la complétude").click()
    assert page.get_by_text("Cochez la case pour confirmer").is_visible()
    page.get_by_label("Je confirme que ce référentiel est complet").check()
    page.get_by_role("button", name="Confirmer la complétude").click()
    page.get_by_text("Complétude confirmée").wait_for()
    assert "non vérifiable" not in page.get_by_role("heading", level=1).inner_text()
    certification = db.session.scalars(select(Certification)).one()
    db.session.refresh(certification)
    assert certification.completeness_unverified is None
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Référentiels").click()
    assert page.get_by_text("(complétude non vérifiable)").count() == 0
