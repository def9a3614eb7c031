"""The candidate's whole journey in Chromium: upload, tag, coverage, tutor comment, new version, submit."""
import io

from playwright.sync_api import expect
from reportlab.pdfgen import canvas
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from portfolio.models import Submission
from portfolio.submissions import verify_submission
from tests import factories


def _pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer)
    document.drawString(72, 720, "Schéma du réseau du site de Lyon")
    document.save()
    return buffer.getvalue()


def test_candidate_builds_and_submits_a_portfolio(log_in, log_out, page, chromium, live_server, make_user, screenshots, tmp_path):
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    tutor = make_user(Role.TUTOR, name="Thomas Tuteur")
    portfolio = factories.make_portfolio(candidate, tutors=[tutor])
    files = {"capture-pare-feu.png": factories.screenshot_png(1), "journal.log": factories.log_text(2, 40), "schema.pdf": _pdf_bytes()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    log_in(page, candidate.email)
    page.get_by_role("link", name=f"Portefeuille — {portfolio.certification.title}").click()
    assert page.get_by_text("0 critère(s) sur 6 ont au moins une preuve").is_visible()
    page.get_by_role("link", name="Ajouter une preuve").click()
    page.get_by_label("Titre").fill("Mise en place du pare-feu du site de Lyon")
    page.get_by_label("Description : ce qui a été fait, par qui, avec quels outils").fill("Règles pfSense, journalisation, schéma.")
    page.get_by_label("Organisation (entreprise, centre de formation)").fill("Mairie de Lyon")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Preuve n°1 : Mise en place du pare-feu du site de Lyon").wait_for()

    form = page.locator("form[data-upload]").last
    form.locator("input[type=file]").set_input_files([str(tmp_path / name) for name in files])
    for name in files:
        page.get_by_text(f"« {name} » enregistré.").wait_for()
    bars = form.locator(".upload-item progress")
    assert bars.count() == 3 and all(bars.nth(i).get_attribute("value") == "100" for i in range(3))
    page.screenshot(path=str(screenshots / "preuve-envoi-fichiers.png"), full_page=True)
    form.get_by_role("link", name="Afficher les fichiers déposés").click()
    page.get_by_role("heading", name="journal.log (version 1)").wait_for()

    for code, justification in (("CE1", "La règle 12 bloque le trafic sortant."), ("CE2", "Le journal montre les refus.")):
        page.get_by_label("Chercher un critère par code ou par mots").fill(f"{code} bloc 1")
        page.get_by_label(f"Justification pour BC01 · {code}").fill(justification)
        page.get_by_role("button", name=f"Rattacher à BC01 · {code}").click()
        page.get_by_text(f"Preuve rattachée au critère BC01 · {code}.").wait_for()

    page.get_by_role("link", name=f"Portefeuille de Camille Candidate — {portfolio.certification.title}").click()
    page.get_by_text("2 critère(s) sur 6 ont au moins une preuve").wait_for()
    page.get_by_label("Statut").select_option("missing")
    expect(page.locator("#matrice").get_by_text("Critère 1 du bloc 1")).to_have_count(0)
    assert page.locator("#matrice").get_by_text("Critère 3 du bloc 1").is_visible()
    page.screenshot(path=str(screenshots / "portefeuille-couverture.png"), full_page=True)
    log_out(page)

    tutor_context = chromium.new_context(base_url=live_server, locale="fr-FR")
    tutor_page = tutor_context.new_page()
    try:
        log_in(tutor_page, tutor.email)
        tutor_page.get_by_role("link", name="Camille Candidate").click()
        tutor_page.get_by_role("link", name="Mise en place du pare-feu du site de Lyon").click()
        tutor_page.get_by_label("Commentaire", exact=True).fill("Masquez les adresses IP publiques dans la capture.")
        tutor_page.get_by_role("button", name="Publier le commentaire").click()
        tutor_page.get_by_text("Commentaire publié.").wait_for()
    finally:
        tutor_context.close()

    log_in(page, candidate.email)
    page.get_by_text("1 commentaire(s) non lu(s)").wait_for()
    page.get_by_role("link", name="Thomas Tuteur sur « Mise en place du pare-feu du site de Lyon »").click()
    page.get_by_text("Masquez les adresses IP publiques dans la capture.").wait_for()
    evidence_url = page.url.split("#")[0]

    new_capture = tmp_path / "capture-pare-feu-v2.png"
    new_capture.write_bytes(factories.screenshot_png(99))
    version_form = page.locator("article.evidence-file", has_text="capture-pare-feu.png").locator("form[data-upload]")
    page.locator("article.evidence-file", has_text="capture-pare-feu.png").get_by_text("Déposer une nouvelle version de ce fichier").click()
    version_form.locator("input[type=file]").set_input_files(str(new_capture))
    page.get_by_text("« capture-pare-feu-v2.png » enregistré (version 2).").wait_for()
    page.goto(evidence_url)
    page.get_by_role("heading", name="capture-pare-feu-v2.png (version 2)").wait_for()

    page.get_by_role("link", name=f"Portefeuille de Camille Candidate — {portfolio.certification.title}").click()
    page.get_by_role("link", name="Préparer le dépôt").click()
    page.get_by_label("J'ai lu ce récapitulatif et je dépose mon dossier tel qu'il est").check()
    page.get_by_role("button", name="Déposer le dossier").click()
    page.get_by_text("Dossier déposé (dépôt n°1)").wait_for()
    assert page.get_by_text("intègre").count() >= 1
    submission = db.session.scalar(select(Submission))
    frozen = submission.snapshot

    page.goto(evidence_url)
    page.get_by_role("link", name="Modifier la description").click()
    page.get_by_label("Titre").fill("Titre modifié après le dépôt")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Preuve enregistrée.").wait_for()
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.snapshot == frozen and verify_submission(submission)
    page.goto(f"/depots/{submission.id}")
    assert page.get_by_text("Mise en place du pare-feu du site de Lyon").count() >= 1
    assert page.get_by_text("Titre modifié après le dépôt").count() == 0
    page.screenshot(path=str(screenshots / "depot-fige.png"), full_page=True)
