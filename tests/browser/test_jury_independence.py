"""Jury independence in Chromium, with two jurors and a president: neither juror reads another
member's grid before handing in their own (page or grid export); afterwards both read the
comparison; the president decides; every member confirms; a correction after the signature
reopens the confirmations; the minutes PDF lists each member's confirmation time."""
import io

from docx import Document as WordDocument
from pypdf import PdfReader

from accounts.models import Role
from core.timeutil import format_paris
from grading import minutes, sessions
from tests import factories

HAND_IN_FIRST = "Remettez d'abord votre propre grille pour ce dossier"


def _grade(page, jury, verdicts: dict[int, str], comment: str) -> None:
    """Choose each verdict in the grid; htmx saves it and swaps the row back marked "Enregistré"."""
    page.goto(f"/jury/affectations/{jury.assignment.id}")
    for criterion_id, verdict in verdicts.items():
        page.locator(f"#comment-{criterion_id}").fill(comment)
        page.locator(f"#verdict-{criterion_id}-choix").select_option(verdict)
        page.locator(f"#verdict-{criterion_id}.saved").wait_for()


def _hand_in(page, jury) -> None:
    page.goto(f"/jury/affectations/{jury.assignment.id}")
    page.get_by_label("Je remets ma grille").check()
    page.get_by_role("button", name="Remettre ma grille").click()
    page.get_by_text("Grille remise : elle ne peut plus être modifiée.").wait_for()


def _refused_before_hand_in(page, jury, others: list[str], tmp_path) -> None:
    """Neither the deliberation page nor the grid export shows the others' verdicts yet."""
    page.goto(f"/jury/affectations/{jury.assignment.id}")
    assert page.get_by_role("link", name="Délibération sur ce dossier").count() == 0
    page.goto(f"/jury/affectations/{jury.assignment.id}/deliberation")
    page.get_by_text(HAND_IN_FIRST).wait_for()
    page.goto(f"/depots/{jury.submission.id}")
    page.get_by_role("button", name="Grille d'évaluation (Word)").click()
    link = page.locator("#export-progress").get_by_role("link", name="Télécharger")
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "grille.docx"
    download_info.value.save_as(path)
    word = WordDocument(str(path))
    text = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert "Critère 1 du bloc 1" in text  # a blank grid: the criteria, no one's verdict
    for comment in others:
        assert comment not in text and comment not in page.content()


def _confirm_minutes(page, jury) -> None:
    page.goto(f"/jury/sessions/{jury.session.id}/proces-verbal")
    page.get_by_label("J'ai relu ce procès-verbal et j'en approuve le contenu.").check()
    page.get_by_role("button", name="Confirmer le procès-verbal").click()
    page.get_by_text("Confirmation enregistrée.").wait_for()


def test_two_jurors_and_a_president_judge_independently_then_sign(log_in, log_out, page, make_user, screenshots, tmp_path):
    jury = factories.build_jury(make_user, code="RNCP-INDEP")
    jules = make_user(Role.JUROR, name="Jules Juré")
    sessions.add_member(jury.session, jules, actor=jury.admin, is_external=True)
    factories.hold_interview(jury)
    criteria = [c.id for c in jury.criteria]
    disputed = jury.bloc_criteria(0)[2].id
    # The president's grid is in from the start: no juror reads it before handing in their own.
    factories.grade_all(jury, jury.president)
    paul, julie_says, jules_says = "Avis de Paul Président", "Julie : démontré par la preuve 1", "Jules : non démontré"

    log_in(page, jury.juror)
    _grade(page, jury, {c: "acquired" for c in criteria}, julie_says)
    _refused_before_hand_in(page, jury, [paul], tmp_path)
    log_out(page)

    log_in(page, jules)
    verdicts = {c: "acquired" for c in criteria} | {disputed: "not_acquired"}
    _grade(page, jury, verdicts, jules_says)
    log_out(page)

    log_in(page, jury.juror)
    _hand_in(page, jury)
    page.get_by_role("link", name="Délibération sur ce dossier").click()
    page.get_by_role("heading", name="Délibération — Camille Candidate").wait_for()
    assert page.get_by_text(paul).count() >= 1 and page.get_by_text(jules_says).count() == 0
    log_out(page)

    # Jules has not handed in: Julie's handed-in grid stays out of his reach.
    log_in(page, jules)
    _refused_before_hand_in(page, jury, [julie_says, paul], tmp_path)
    _hand_in(page, jury)
    page.goto(f"/jury/affectations/{jury.assignment.id}/deliberation")
    first_row = page.locator("table.grids tbody tr").first
    assert first_row.get_attribute("id") == f"comparaison-{disputed}"  # disagreements first
    assert "Désaccord" in first_row.inner_text() and julie_says in first_row.inner_text()
    assert page.get_by_role("button", name="Enregistrer la décision du bloc BC01").count() == 0
    page.screenshot(path=str(screenshots / "jury-comparaison-membre.png"), full_page=True)
    log_out(page)

    log_in(page, jury.president)
    page.goto(f"/jury/sessions/{jury.session.id}")
    page.get_by_role("button", name="Ouvrir la délibération").click()
    page.get_by_text("Délibération ouverte").first.wait_for()
    page.goto(f"/jury/affectations/{jury.assignment.id}/deliberation")
    assert page.get_by_text(jules_says).count() >= 1
    for bloc, outcome in ((jury.session.blocs[0], "not_validated"), (jury.session.blocs[1], "validated")):
        page.get_by_label(f"Décision du jury pour le bloc {bloc.code}").select_option(outcome)
        page.get_by_label(f"Justification de la décision (bloc {bloc.code})").fill(f"Décision collégiale {bloc.code}")
        page.get_by_role("button", name=f"Enregistrer la décision du bloc {bloc.code}").click()
        page.get_by_text(f"Décision enregistrée pour le bloc {bloc.code}").wait_for()
    _confirm_minutes(page, jury)
    log_out(page)

    for member in (jury.juror, jules):
        log_in(page, member)
        page.goto(f"/jury/affectations/{jury.assignment.id}/deliberation")
        assert page.get_by_text("Décision collégiale BC01").count() == 1  # read before confirming
        _confirm_minutes(page, jury)
        log_out(page)

    log_in(page, jury.president)
    page.goto(f"/jury/sessions/{jury.session.id}/proces-verbal")
    assert page.get_by_text("Procès-verbal signé", exact=True).count() == 1
    page.goto(f"/jury/affectations/{jury.assignment.id}/deliberation")
    page.get_by_text("Rectifier la décision du bloc BC01").click()
    page.get_by_label("Décision rectifiée").first.select_option("validated")
    page.get_by_label("Motif de la rectification").first.fill("Critère CE3 vu en entretien, omis par erreur")
    page.get_by_role("button", name="Enregistrer la rectification").first.click()
    page.get_by_text("Décision rectifiée pour le bloc BC01 : Validé.").wait_for()
    page.goto(f"/jury/sessions/{jury.session.id}/proces-verbal")
    page.get_by_text("Procès-verbal rouvert").wait_for()
    assert page.locator("#confirmations").locator("xpath=..").get_by_text("En attente").count() == 3
    assert "Rouverte le" in page.locator("#version-1").inner_text()
    page.screenshot(path=str(screenshots / "jury-proces-verbal-rouvert.png"), full_page=True)
    _confirm_minutes(page, jury)
    log_out(page)

    for member in (jury.juror, jules):
        log_in(page, member)
        page.goto(f"/jury/sessions/{jury.session.id}/proces-verbal")
        assert page.get_by_text("Critère CE3 vu en entretien, omis par erreur").count() >= 1
        _confirm_minutes(page, jury)
        log_out(page)

    log_in(page, jury.juror)
    page.goto(f"/jury/sessions/{jury.session.id}/proces-verbal")
    assert page.get_by_text("Procès-verbal signé", exact=True).count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    for status in minutes.confirmations(jury.session):
        assert status.confirmation is not None
        assert f"Confirmé le {format_paris(status.confirmation.confirmed_at, '%d/%m/%Y à %H:%M:%S')}" in text
    assert "Historique des versions signées" in text
