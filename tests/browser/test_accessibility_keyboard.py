"""Keyboard only: the candidate creates an evidence, uploads a file, tags a criterion and submits;
the juror reviews, grades every criterion and hands the grid in. No click: Tab moves the focus,
Enter and Space act, letters choose in a list, as a person who cannot use a mouse does."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import Role
from extensions import db
from grading.models import GridSubmission
from portfolio.models import Submission
from tests import factories

FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const text = (el.labels && el.labels.length ? el.labels[0].innerText : (el.getAttribute("aria-label") || el.innerText || el.value || ""));
  return text.replace(/\\s+/g, " ").trim();
}"""


def tab_to(page, name: str, limit: int = 400) -> None:
    """Press Tab until the focused element is the one named `name` (its label or its text)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if focused.startswith(name):
            return
        seen.append(focused)
    raise AssertionError(f"« {name} » n'est pas atteignable au clavier ; parcouru : {seen[:60]}")


def press_to_navigate(page, key: str = "Enter") -> None:
    """Press a key that follows a link or posts a form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def keyboard_log_in(page, user, password) -> None:
    page.goto("/connexion")
    tab_to(page, "Adresse e-mail")
    page.keyboard.type(user.email)
    tab_to(page, "Mot de passe")
    page.keyboard.type(password)
    press_to_navigate(page)
    assert "/connexion" not in page.url


def test_the_candidate_builds_and_submits_with_the_keyboard(page, make_user, password, tmp_path):
    candidate = make_user(Role.CANDIDATE, name="Karim Clavier")
    portfolio = factories.make_portfolio(candidate)
    log_file = tmp_path / "journal-pare-feu.log"
    log_file.write_bytes(factories.log_text(3, 20))

    keyboard_log_in(page, candidate, password)
    tab_to(page, f"Portefeuille — {portfolio.certification.title}")
    press_to_navigate(page)
    tab_to(page, "Ajouter une preuve")
    press_to_navigate(page)
    tab_to(page, "Titre")
    page.keyboard.type("Journal du pare-feu du site de Lille")
    tab_to(page, "Enregistrer")
    press_to_navigate(page)
    page.get_by_role("heading", name="Preuve n°1 : Journal du pare-feu du site de Lille").wait_for()

    tab_to(page, "Fichiers à déposer")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(log_file))
    page.get_by_text("« journal-pare-feu.log » enregistré.").wait_for()

    page.goto(page.url.split("#")[0])
    tab_to(page, "Chercher un critère par code ou par mots")
    page.keyboard.type("CE2 bloc 1")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Rattacher à BC01 · CE2").wait_for()
    tab_to(page, "Justification pour BC01 · CE2")
    page.keyboard.type("Le journal montre les connexions refusées.")
    tab_to(page, "Rattacher à BC01 · CE2")
    press_to_navigate(page)
    page.get_by_text("Preuve rattachée au critère").wait_for()

    tab_to(page, f"Portefeuille de Karim Clavier — {portfolio.certification.title}")
    press_to_navigate(page)
    tab_to(page, "Préparer le dépôt")
    press_to_navigate(page)
    tab_to(page, "J'ai lu ce récapitulatif")
    page.keyboard.press("Space")
    tab_to(page, "Déposer le dossier")
    press_to_navigate(page)
    page.get_by_text("Dossier déposé (dépôt n°1)").wait_for()
    submission = db.session.scalar(select(Submission))
    assert submission is not None and submission.portfolio_id == portfolio.id


def test_the_juror_grades_and_hands_in_with_the_keyboard(page, jury, password):
    keyboard_log_in(page, jury.juror, password)
    page.goto(f"/jury/affectations/{jury.assignment.id}")
    for criterion in jury.criteria:
        tab_to(page, f"Appréciation du critère {criterion.label}")
        page.keyboard.type("Acquis")  # typing an option's first letters chooses it, and htmx saves it
        page.locator(f"#verdict-{criterion.id}.saved").wait_for()
    tab_to(page, "Je remets ma grille")
    page.keyboard.press("Space")
    tab_to(page, "Remettre ma grille")
    press_to_navigate(page)
    page.get_by_text("Grille remise : elle ne peut plus être modifiée.").wait_for()
    grid = db.session.scalar(select(GridSubmission).where(GridSubmission.juror_id == jury.juror.id))
    assert grid is not None


def test_a_criterion_shows_its_text_on_keyboard_focus(page, make_user, password, client_for):
    candidate = make_user(Role.CANDIDATE)
    tutor = make_user(Role.TUTOR)
    portfolio = factories.make_portfolio(candidate, tutors=[tutor])
    evidence = factories.make_evidence(portfolio)
    claim = factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    client_for(tutor).submit(f"/preuves/{evidence.id}/commentaires", {"body": "Précisez.", "claim_id": str(claim.id)},
                             token_from=f"/preuves/{evidence.id}")
    keyboard_log_in(page, candidate, password)
    page.goto(f"/preuves/{evidence.id}")
    tip = page.locator(".comment .criterion-tip").first
    assert tip.bounding_box()["width"] <= 1  # folded away until asked for
    tab_to(page, "BC01 · CE1")
    assert tip.bounding_box()["width"] > 100
    assert "Critère 1 du bloc 1" in tip.inner_text()
