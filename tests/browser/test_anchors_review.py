"""The juror's half of issue 13 in Chromium: a submission whose claims anchor lines of a log, a
region of a screenshot and pages of a PDF (built through the anchor services, then frozen); the
juror sees the three excerpts under their criteria, opens the whole image from the crop, and the
exported dossier contains the three excerpts (its text, and the crop's pixels).
(The candidate's half, choosing the excerpts by click, drag and keyboard: test_anchors_choose.py.)"""
from __future__ import annotations

from playwright.sync_api import expect

from evidence import excerpts
from tests.documents.samples import pdf_page_texts, render_page_png
from tests.excerpts.samples import green_shapes, loaded_width
from tests.excerpts.world import anchored_jury


def test_the_juror_sees_the_three_excerpts_and_the_dossier_holds_them(log_in, page, make_user, screenshots, tmp_path):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    log_in(page, world.juror.email)
    page.goto(f"/jury/affectations/{world.assignment.id}")

    lines = page.locator(f"#critere-{world.criteria[0].id}")
    expect(lines.get_by_text("Extrait : lignes 120–124")).to_be_visible()
    expect(lines.locator("tr.anchored")).to_have_count(5)
    expect(lines.locator("tr.anchored").first).to_contain_text("événement 000120 : connexion acceptée")
    expect(lines.locator("tbody tr")).to_have_count(11)  # three lines of context on each side

    region = page.locator(f"#critere-{world.criteria[1].id}")
    crop = region.get_by_role("img", name="Zone de l'image de « capture.png » (version 1)")
    expect(crop).to_be_visible()
    assert loaded_width(page, crop) == 200

    pages = page.locator(f"#critere-{world.criteria[2].id}")
    for number in (3, 4):
        thumbnail = pages.get_by_role("img", name=f"Page {number} de « schema.pdf »")
        expect(thumbnail).to_be_visible()
        assert loaded_width(page, thumbnail) > 0
    page.screenshot(path=str(screenshots / "anchors-review.png"), full_page=True)

    # The whole image is one click away from the crop.
    crop.click()
    page.wait_for_url(f"**/versions/{world.png.id}/miniature?taille=grande")

    # The dossier, exported from the submission page.
    page.goto(f"/depots/{world.submission.id}")
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
    assert "» événement 000120 : connexion acceptée" in text
    assert "pages 3–4 de « schema.pdf »" in text and "Schéma page 3" in text
    [crop_page] = [n for n, t in enumerate(texts, 1) if "zone de l'image de « capture.png »" in t]
    shapes = green_shapes(render_page_png(data, crop_page, tmp_path, resolution=40))
    assert [s for s in shapes if s[2] > 400 and 1.1 < s[1] / s[0] < 1.45], shapes


def test_the_tutor_and_the_candidate_see_the_excerpts(log_in, log_out, page, make_user, screenshots):
    """The evidence page (the tutor's view) and the coverage matrix (the candidate's), each audited by axe."""
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    log_in(page, world.tutor.email)
    page.goto(f"/preuves/{world.evidence.id}")
    expect(page.locator("tr.anchored")).to_have_count(5)
    assert loaded_width(page, page.get_by_role("img", name="Zone de l'image de « capture.png » (version 1)")) == 200
    log_out(page)
    log_in(page, world.candidate.email)
    page.goto(f"/portefeuilles/{world.portfolio.id}")
    folded = page.locator("#matrice details.claim-excerpts-folded")
    expect(folded).to_have_count(3)
    folded.first.locator("summary").click()
    expect(folded.first.locator("tr.anchored")).to_have_count(5)
    page.screenshot(path=str(screenshots / "anchors-coverage.png"), full_page=True)
