"""Issue 13's "Done when" as one journey in Chromium: a candidate uploads a log, a screenshot and a
PDF, claims three criteria, anchors lines of the log by clicking (click + shift-click), a region of
the screenshot by dragging, a page range of the PDF by the keyboard only, and submits; the admin's
step (a jury session, its juror, the assignment) goes through the grading services, the UI of that
step having its own tests (test_jury.py); the juror sees the three excerpts on the review page and
the exported dossier holds them (its text through pdftotext, the crop's pixels through pdftoppm)."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import Role
from evidence import excerpts
from evidence.models import ClaimAnchor
from extensions import db
from grading import sessions
from portfolio.models import Submission
from portfolio.submissions import snapshot_of
from tests import factories
from tests.documents.samples import pdf_page_texts, render_page_png
from tests.excerpts.samples import numbered_log, pdf_pages
from tests.excerpts.samples import green_shapes, loaded_width as _loaded_width
from tests.excerpts.world import quadrants_png

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def _open_anchor_form(page, evidence_url: str, code: str, filename: str) -> None:
    page.goto(evidence_url)
    page.get_by_role("link", name=f"Désigner un extrait pour le critère BC01 · {code}").click()
    page.get_by_role("link", name=filename).click()
    page.get_by_role("heading", name="Désigner un extrait").wait_for()


def test_candidate_anchors_three_excerpts_the_juror_and_the_dossier_show_them(
        log_in, log_out, page, make_user, screenshots, tmp_path):
    excerpts.clear_memory_cache()
    admin = make_user(Role.ADMIN)
    juror = make_user(Role.JUROR, name="Julie Jurée")
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    portfolio = factories.make_portfolio(candidate)
    files = {"exploitation.log": numbered_log(200), "capture.png": quadrants_png(), "schema.pdf": pdf_pages(6, "Schéma page")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    # The candidate: a new evidence, three files, three claims.
    log_in(page, candidate.email)
    page.get_by_role("link", name=f"Portefeuille — {portfolio.certification.title}").click()
    page.get_by_role("link", name="Ajouter une preuve").click()
    page.get_by_label("Titre").fill("Exploitation du serveur de fichiers")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Preuve n°1 : Exploitation du serveur de fichiers").wait_for()
    evidence_url = page.url.split("#")[0]
    form = page.locator("form[data-upload]").last
    form.locator("input[type=file]").set_input_files([str(tmp_path / name) for name in files])
    for name in files:
        page.get_by_text(f"« {name} » enregistré.").wait_for()
    page.goto(evidence_url)
    for code, justification in (("CE2", "La console montre la règle."), ("CE3", "Le schéma est complet.")):
        page.get_by_label("Chercher un critère par code ou par mots").fill(f"{code} bloc 1")
        page.get_by_label(f"Justification pour BC01 · {code}").fill(justification)
        page.get_by_role("button", name=f"Rattacher à BC01 · {code}").click()
        page.get_by_text(f"Preuve rattachée au critère BC01 · {code}.").wait_for()
    # The last claim goes straight from its form to the choice of its excerpt.
    page.get_by_label("Chercher un critère par code ou par mots").fill("CE1 bloc 1")
    page.get_by_label("Justification pour BC01 · CE1").fill("Les journaux sont analysés.")
    page.get_by_role("button", name="Rattacher puis désigner un extrait (BC01 · CE1)").click()
    page.get_by_text("Preuve rattachée au critère BC01 · CE1.").wait_for()
    page.get_by_role("link", name="exploitation.log").click()
    page.get_by_role("heading", name="Désigner un extrait").wait_for()

    # Lines of the log: a click on line 120, a shift-click on line 124.
    page.locator('a[data-line="120"]').click()
    page.locator('a[data-line="124"]').click(modifiers=["Shift"])
    expect(page.get_by_label("Première ligne")).to_have_value("120")
    expect(page.get_by_label("Dernière ligne")).to_have_value("124")
    page.get_by_role("button", name="Enregistrer l'extrait").click()
    page.get_by_text("Extrait enregistré pour le critère BC01 · CE1.").wait_for()

    # A region of the screenshot, dragged inside its green top-right quadrant.
    _open_anchor_form(page, evidence_url, "CE2", "capture.png")
    image = page.get_by_role("img", name="Image capture.png, où tracer la zone")
    page.wait_for_function("document.querySelector('[data-region-picker] img').complete")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.05)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.65, box["y"] + box["height"] * 0.25, steps=3)
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.45, steps=3)
    page.mouse.up()
    expect(page.locator("[data-region-box]")).to_be_visible()
    page.get_by_role("button", name="Enregistrer l'extrait").click()
    page.get_by_text("Extrait enregistré pour le critère BC01 · CE2.").wait_for()

    # Pages of the PDF, with the keyboard only: type the range, tab to the save button, Enter.
    _open_anchor_form(page, evidence_url, "CE3", "schema.pdf")
    expect(page.get_by_text("Le document compte 6 pages.")).to_be_visible()
    page.get_by_label("Première page").focus()
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("4")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Enregistrer l'extrait":
            break
    page.keyboard.press("Enter")
    page.get_by_text("Extrait enregistré pour le critère BC01 · CE3.").wait_for()
    page.screenshot(path=str(screenshots / "parcours-extraits-choisis.png"), full_page=True)

    # The submission, from the portfolio page.
    page.get_by_role("link", name=f"Portefeuille de Camille Candidate — {portfolio.certification.title}").click()
    page.get_by_role("link", name="Préparer le dépôt").click()
    page.get_by_label("J'ai lu ce récapitulatif et je dépose mon dossier tel qu'il est").check()
    page.get_by_role("button", name="Déposer le dossier").click()
    page.get_by_text("Dossier déposé (dépôt n°1)").wait_for()
    log_out(page)

    db.session.expire_all()
    anchors = {a.claim.criterion.code: a for a in db.session.scalars(select(ClaimAnchor))}
    assert (anchors["CE1"].kind, anchors["CE1"].line_start, anchors["CE1"].line_end) == ("lines", 120, 124)
    assert anchors["CE2"].kind == "region" and anchors["CE3"].kind == "pages"
    assert (anchors["CE3"].page_start, anchors["CE3"].page_end) == (3, 4)
    submission = db.session.scalar(select(Submission))
    claims_in_snapshot = [c for e in snapshot_of(submission)["evidence"] for c in e["claims"]]
    assert sorted(len(c["anchors"]) for c in claims_in_snapshot) == [1, 1, 1]

    # The admin's step, through the services: a session, its juror, the assignment.
    session = sessions.create_session(
        portfolio.certification, sessions.SessionFields(starts_at=factories.SESSION_START, place="Salle 3"), actor=admin
    )
    sessions.add_member(session, juror, actor=admin, is_president=True, is_external=True)
    assignment = sessions.assign_submission(session, submission, actor=admin)

    # The juror: the three excerpts under their criteria.
    log_in(page, juror.email)
    page.goto(f"/jury/affectations/{assignment.id}")
    lines = page.locator(f"#critere-{anchors['CE1'].claim.criterion_id}")
    expect(lines.get_by_text("Extrait : lignes 120–124")).to_be_visible()
    expect(lines.locator("tr.anchored")).to_have_count(5)
    expect(lines.locator("tr.anchored").first).to_contain_text("événement 000120 : connexion acceptée")
    crop = page.locator(f"#critere-{anchors['CE2'].claim.criterion_id}").get_by_role(
        "img", name="Zone de l'image de « capture.png » (version 1)")
    expect(crop).to_be_visible()
    assert _loaded_width(page, crop) > 0
    thumbnails = page.locator(f"#critere-{anchors['CE3'].claim.criterion_id}")
    for number in (3, 4):
        thumbnail = thumbnails.get_by_role("img", name=f"Page {number} de « schema.pdf »")
        expect(thumbnail).to_be_visible()
        assert _loaded_width(page, thumbnail) > 0
    page.screenshot(path=str(screenshots / "parcours-extraits-jure.png"), full_page=True)

    # The dossier, exported by the juror from the submission page.
    page.goto(f"/depots/{submission.id}")
    page.get_by_role("button", name="Dossier de validation (PDF)").click()
    link = page.locator("#export-progress").get_by_role("link", name="Télécharger").filter(has_text=".pdf")
    link.wait_for(timeout=60_000)
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "dossier.pdf"
    download_info.value.save_as(path)
    data = path.read_bytes()
    texts = pdf_page_texts(data, tmp_path)
    text = "\n".join(texts)
    assert "lignes 120–124 de « exploitation.log »" in text
    assert "événement 000120 : connexion acceptée" in text and "événement 000124 : connexion acceptée" in text
    assert "pages 3–4 de « schema.pdf »" in text and "Schéma page 3" in text and "Schéma page 4" in text
    [crop_page] = [n for n, t in enumerate(texts, 1) if "zone de l'image de « capture.png »" in t]
    # The dragged region is 20 % x 40 % of an 800 x 500 picture: 160 x 200 pixels of green, taller than wide.
    shapes = green_shapes(render_page_png(data, crop_page, tmp_path, resolution=40))
    assert [s for s in shapes if s[2] > 400 and 1.1 < s[1] / s[0] < 1.45], shapes
