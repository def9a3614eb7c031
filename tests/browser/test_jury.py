"""A jury in Chromium: two jurors grade the same submission on their own (one disagreement), the
president reads the grids side by side, decides per bloc, both confirm the minutes, and the
candidate finds the result on their dashboard."""
from accounts.models import Role
from grading import accommodations
from tests import factories



def _grade(page, jury, verdicts: dict[int, str], comment: str) -> None:
    """Choose each verdict in the grid; htmx saves it and swaps the row back marked "Enregistré"."""
    page.goto(f"/jury/affectations/{jury.assignment.id}")
    for criterion_id, verdict in verdicts.items():
        page.locator(f"#comment-{criterion_id}").fill(comment)
        page.locator(f"#verdict-{criterion_id}-choix").select_option(verdict)
        row = page.locator(f"#verdict-{criterion_id}.saved")
        row.wait_for()
        assert "Enregistré" in row.inner_text()


def _hand_in(page) -> None:
    page.get_by_label("Je remets ma grille").check()
    page.get_by_role("button", name="Remettre ma grille").click()
    page.get_by_text("Grille remise : elle ne peut plus être modifiée.").wait_for()


def _confirm_minutes(page, jury) -> None:
    page.goto(f"/jury/sessions/{jury.session.id}/proces-verbal")
    page.get_by_label("J'ai relu ce procès-verbal et j'en approuve le contenu.").check()
    page.get_by_role("button", name="Confirmer le procès-verbal").click()
    page.get_by_text("Confirmation enregistrée.").wait_for()


def test_two_jurors_deliberate_and_the_candidate_sees_the_result(log_in, log_out, page, chromium, live_server, make_user, screenshots):
    jury = factories.build_jury(make_user, code="RNCP-NAV")
    factories.hold_interview(jury)  # the minutes are confirmed after the interview
    criteria = [c.id for c in jury.criteria]
    disputed = jury.bloc_criteria(0)[1].id

    # Julie grades everything "acquis"; her grid survives a reload, then she hands it in.
    log_in(page, jury.juror.email)
    page.get_by_role("link", name="Camille Candidate").click()
    page.get_by_role("heading", name="Dossier de Camille Candidate").wait_for()
    assert page.get_by_text("La capture montre la règle de filtrage appliquée.").count() == 1
    _grade(page, jury, {c: "acquired" for c in criteria}, "Démontré par la preuve 1")
    page.reload()
    assert page.locator(f"#verdict-{disputed}-choix").input_value() == "acquired"
    assert page.locator(f"#comment-{disputed}").input_value() == "Démontré par la preuve 1"
    page.screenshot(path=str(screenshots / "jury-grille-jure.png"), full_page=True)
    _hand_in(page)

    # Paul, the president, grades in his own browser and disagrees on one criterion.
    context = chromium.new_context(base_url=live_server, locale="fr-FR")
    context.set_default_timeout(15_000)
    president = context.new_page()
    try:
        log_in(president, jury.president.email)
        verdicts = {c: "acquired" for c in criteria}
        verdicts[disputed] = "not_acquired"
        _grade(president, jury, verdicts, "Vu en entretien")
        _hand_in(president)

        president.goto(f"/jury/sessions/{jury.session.id}")
        president.get_by_role("button", name="Ouvrir la délibération").click()
        president.get_by_text("Délibération ouverte : vous pouvez enregistrer les décisions de bloc.").wait_for()

        president.goto(f"/jury/affectations/{jury.assignment.id}/deliberation")
        flagged = president.locator("tr.disagreement")
        assert flagged.count() == 1
        assert flagged.get_attribute("id") == f"comparaison-{disputed}"
        assert "Désaccord" in flagged.inner_text() and "Non acquis" in flagged.inner_text()
        assert president.get_by_text("1 critère(s) en désaccord entre les membres.").count() == 1
        president.screenshot(path=str(screenshots / "jury-deliberation-desaccord.png"), full_page=True)

        for bloc, justification in (
            (jury.session.blocs[0], "Après échange, le critère CE2 est démontré par la preuve 1 et l'entretien."),
            (jury.session.blocs[1], "Tous les critères sont acquis."),
        ):
            president.get_by_label(f"Décision du jury pour le bloc {bloc.code}").select_option("validated")
            president.get_by_label(f"Justification de la décision (bloc {bloc.code})").fill(justification)
            president.get_by_role("button", name=f"Enregistrer la décision du bloc {bloc.code}").click()
            president.get_by_text(f"Décision enregistrée pour le bloc {bloc.code} : Validé.").wait_for()

        _confirm_minutes(president, jury)
        assert president.get_by_text("En attente").count() == 1
    finally:
        context.close()

    # The candidate sees nothing until the minutes are signed.
    log_out(page)
    log_in(page, jury.candidate.email)
    assert page.get_by_text("Résultats du jury").count() == 0
    log_out(page)

    log_in(page, jury.juror.email)
    _confirm_minutes(page, jury)
    assert page.get_by_text("Procès-verbal signé", exact=True).count() == 1
    page.screenshot(path=str(screenshots / "jury-proces-verbal-signe.png"), full_page=True)
    log_out(page)

    log_in(page, jury.candidate.email)
    results = page.locator("section.jury-result")
    results.wait_for()
    assert "Certification obtenue" in results.inner_text()
    assert results.get_by_role("row", name="BC01").get_by_text("Validé").count() == 1
    assert "Après échange, le critère CE2 est démontré" in results.inner_text()
    page.screenshot(path=str(screenshots / "jury-resultat-candidat.png"), full_page=True)


def test_admin_composes_a_session_and_reads_the_rules_on_screen(log_in, page, make_user, screenshots):
    admin = make_user(Role.ADMIN, name="Alice Administratrice")
    chair = make_user(Role.JUROR, name="Paul Président")
    tutor = make_user(Role.TUTOR, name="Théo Tuteur")
    factories.add_role(tutor, Role.JUROR)
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    certification = factories.make_certification("RNCP-ADM")
    factories.make_submission(candidate, certification, tutors=[tutor])
    accommodations.add_accommodation(candidate, "extra_time", "Tiers temps accordé par la MDPH", actor=admin)

    log_in(page, admin.email)
    page.get_by_role("link", name="Jury").click()
    page.get_by_role("link", name="Ouvrir une session de jury").click()
    page.get_by_label("Certification (version du référentiel)").select_option(label=certification.label)
    page.get_by_label("Date et heure (heure de Paris)").fill("2026-06-15T09:00")
    page.get_by_label("Lieu").fill("Salle 3")
    page.get_by_role("button", name="Ouvrir la session").click()
    page.get_by_text("Session de jury ouverte.").wait_for()

    page.get_by_label("Dépôt à examiner").select_option(index=0)
    page.get_by_role("button", name="Affecter à la session").click()
    page.get_by_text("Dépôt de Camille Candidate affecté à la session.").wait_for()

    # The candidate's tutor is refused, with both names on screen.
    page.get_by_label("Membre du jury").select_option(label=f"Théo Tuteur ({tutor.email})")
    page.get_by_role("button", name="Ajouter au jury").click()
    page.get_by_text("Théo Tuteur est tuteur ou tutrice de Camille Candidate").wait_for()

    page.get_by_label("Membre du jury").select_option(label=f"Paul Président ({chair.email})")
    page.get_by_label("Président du jury").check()
    page.get_by_role("button", name="Ajouter au jury").click()
    page.get_by_text("Paul Président siège désormais dans la session.").wait_for()
    # One member, not external: fewer than half are external professionals (a warning only).
    assert page.locator("p.warning").filter(has_text="Moins de la moitié des membres").count() >= 1

    page.get_by_label("Début de l'entretien de Camille Candidate").fill("2026-06-15T09:30")
    page.get_by_role("button", name="Planifier").click()
    page.get_by_text("Entretien de Camille Candidate planifié (40 minutes).").wait_for()
    assert "09:30–10:10 (40 min, temps majoré)" in page.locator("tr[id^=depot-]").first.inner_text()
    page.screenshot(path=str(screenshots / "jury-session-admin.png"), full_page=True)
