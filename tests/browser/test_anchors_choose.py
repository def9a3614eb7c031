"""The candidate points at the proof inside three files, in Chromium: lines of a log by clicking a
line number then shift-clicking another, a region of a screenshot by dragging a rectangle, and a
page range of a PDF with the keyboard only. (The juror's and the dossier's side: helper B.)"""
from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import Role
from evidence.models import ClaimAnchor
from extensions import db
from tests import factories
from tests.evidence.anchor_samples import numbered_log, pdf_of_pages


@dataclass
class Anchored:
    candidate: object
    portfolio: object
    evidence: object
    claims: dict  # criterion code -> claim
    versions: dict  # file name -> version


def portfolio_to_anchor(make_user) -> Anchored:
    """One evidence holding a 500-line log, a screenshot and a 30-page PDF, tagged to CE1–CE3."""
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Exploitation du serveur de fichiers")
    versions = {
        "exploitation.log": factories.add_version(evidence, numbered_log(500), "exploitation.log", "text/plain"),
        "capture.png": factories.add_version(evidence, factories.screenshot_png(3, (800, 500)), "capture.png", "image/png"),
        "schema.pdf": factories.add_version(evidence, pdf_of_pages(30), "schema.pdf", "application/pdf"),
    }
    criteria = portfolio.certification.blocs[0].evaluations[0].criteria
    claims = {
        c.code: factories.claim(evidence, c, text)
        for c, text in zip(criteria, ("Les journaux sont analysés.", "La règle est visible.", "Le schéma est complet."))
    }
    return Anchored(candidate, portfolio, evidence, claims, versions)


def _open_form(page, world: Anchored, code: str, filename: str) -> None:
    page.goto(f"/preuves/{world.evidence.id}")
    page.get_by_role("link", name=f"Désigner un extrait pour le critère BC01 · {code}").click()
    page.get_by_role("link", name=filename).click()
    page.get_by_role("heading", name="Désigner un extrait").wait_for()


def choose_three_excerpts(page, world: Anchored, screenshots=None) -> None:
    # Lines: a click on 120, a shift-click on 134.
    _open_form(page, world, "CE1", "exploitation.log")
    page.locator('a[data-line="120"]').click()
    page.locator('a[data-line="134"]').click(modifiers=["Shift"])
    expect(page.get_by_label("Première ligne")).to_have_value("120")
    expect(page.get_by_label("Dernière ligne")).to_have_value("134")
    expect(page.locator("tr.is-chosen")).to_have_count(15)
    page.get_by_role("button", name="Voir l'extrait").click()
    page.get_by_role("heading", name="Extrait choisi, pas encore enregistré : lignes 120–134").wait_for()
    expect(page.get_by_text("srv-01 sshd[127]: événement 127").first).to_be_visible()
    if screenshots:
        page.screenshot(path=str(screenshots / "extrait-lignes-apercu.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer l'extrait").click()
    page.get_by_text("Extrait enregistré pour le critère BC01 · CE1.").wait_for()
    expect(page.get_by_text("lignes 120–134 de exploitation.log (version 1)")).to_be_visible()

    # Region: drag from a quarter of the image to three quarters of its width and 60 % of its height.
    _open_form(page, world, "CE2", "capture.png")
    image = page.get_by_role("img", name="Image capture.png, où tracer la zone")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('[data-region-picker] img').complete")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4, steps=4)
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.6, steps=4)
    page.mouse.up()
    expect(page.locator("[data-region-box]")).to_be_visible()
    assert abs(float(page.get_by_label("Largeur de la zone (% de la largeur)").input_value()) - 50) < 1.5
    if screenshots:
        page.screenshot(path=str(screenshots / "extrait-zone-tracee.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer l'extrait").click()
    page.get_by_text("Extrait enregistré pour le critère BC01 · CE2.").wait_for()

    # Pages: the keyboard only, from the first field to the save button.
    _open_form(page, world, "CE3", "schema.pdf")
    expect(page.get_by_text("Le document compte 30 pages.")).to_be_visible()
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


def test_candidate_anchors_lines_a_region_and_pages(log_in, page, make_user, screenshots):
    world = portfolio_to_anchor(make_user)
    log_in(page, world.candidate)
    choose_three_excerpts(page, world, screenshots)
    page.screenshot(path=str(screenshots / "preuve-extraits-choisis.png"), full_page=True)

    db.session.expire_all()
    by_claim = {a.claim.criterion.code: a for a in db.session.scalars(select(ClaimAnchor))}
    lines, region, pages = by_claim["CE1"], by_claim["CE2"], by_claim["CE3"]
    assert (lines.kind, lines.line_start, lines.line_end, lines.version_id) == ("lines", 120, 134, world.versions["exploitation.log"].id)
    assert region.kind == "region" and region.version_id == world.versions["capture.png"].id
    for value, wanted in ((region.x, 0.25), (region.y, 0.25), (region.width, 0.5), (region.height, 0.35)):
        assert abs(value - wanted) < 0.015, (value, wanted)
    assert (pages.kind, pages.page_start, pages.page_end) == ("pages", 3, 4)
