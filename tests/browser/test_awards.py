"""After the jury in Chromium: the administrator completes the certifier settings, a holder fills in
their identity, the administrator exports the declaration to the Caisse des Dépôts, marks one
passage rejected, corrects it and exports again; the candidate reads their results."""
from __future__ import annotations

from lxml import etree

from accounts.models import Role
from awards.accrochage import services
from awards.accrochage.identity import Identity
from awards.accrochage.rules import NS, check_xml
from tests import factories
from tests.awards.jury_steps import certify_all


def _download(page, link_name: str, tmp_path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def test_admin_declares_holders_rejects_one_corrects_it_and_exports_again(
        page, log_in, log_out, make_user, screenshots, output_dir, tmp_path):
    jury = factories.build_jury(make_user)
    second = make_user(Role.CANDIDATE, name="Bruno Second")
    certify_all(jury, second)
    lineage = jury.certification.lineage
    services.save_identity(second, lineage, Identity(birth_name="DELACROIX", first_names="Bruno", birth_year="1985",
                                                     sex="M", birth_postal_code="99999"), actor=jury.admin)

    # The administrator completes the certifier settings.
    log_in(page, jury.admin)
    page.goto("/admin/accrochage")
    page.get_by_role("link", name=f"{jury.certification.title} ({lineage})").click()
    page.get_by_label("Identifiant client Caisse des Dépôts (8 caractères)").fill("ABCD1234")
    page.get_by_label("Identifiant du contrat").fill("MCFCER000123")
    page.get_by_label("Type de certification").select_option("RNCP")
    page.get_by_label("Code de la certification (numéro de fiche)").fill("34054")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    page.get_by_text("Paramètres enregistrés.").wait_for()
    log_out(page)

    # A holder reads their results and fills in their identity.
    log_in(page, jury.candidate)
    page.locator("#notifications-resultats").get_by_role("link").click()
    page.get_by_text("Bloc BC01 démontré").wait_for()
    page.get_by_role("link", name="Résultats du jury").first.click()
    page.get_by_role("link", name=f"transmettre mon identité pour la déclaration {lineage}").click()
    page.get_by_label("Nom de naissance").fill("MARTINEZ")
    page.get_by_label("Prénoms (trois au plus, séparés par des espaces)").fill("Camille Louise")
    page.get_by_label("Année de naissance").fill("1991")
    page.get_by_label("Mois de naissance").fill("3")
    page.get_by_label("Jour de naissance").fill("14")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_label("Code INSEE de la commune de naissance").fill("69123")
    page.screenshot(path=str(screenshots / "awards-identite-titulaire.png"), full_page=True)
    page.get_by_role("button", name="Enregistrer l'identité").click()
    page.get_by_text("Identité enregistrée (chiffrée).").wait_for()
    log_out(page)

    # The administrator exports the declaration and marks it sent.
    log_in(page, jury.admin)
    page.goto(f"/admin/accrochage/{lineage}")
    page.get_by_role("button", name="Préparer la déclaration").click()
    page.get_by_text("préparée : 2 titulaire(s)", exact=False).wait_for()
    first = _download(page, "Télécharger le fichier XML du flux", tmp_path)
    assert check_xml(first) == [] and first.count(b"<cpf:passageCertification>") == 2
    page.get_by_role("button", name="Marquer le flux").click()
    page.get_by_text("Déclaration marquée envoyée.").wait_for()
    # The CDC rejects Bruno's passage and accepts Camille's.
    page.get_by_label("Motif du rejet (Bruno Second)").fill("Code postal de naissance inconnu")
    page.get_by_role("button", name="Rejeté : Bruno Second").click()
    page.get_by_text("Retour de la Caisse des Dépôts enregistré.").wait_for()
    page.get_by_role("button", name="Accepté : Camille Candidate").click()
    page.get_by_text("Rejeté — motif : Code postal de naissance inconnu").wait_for()
    # Corrected, then exported again: only the rejected holder.
    page.get_by_role("link", name="Identité de Bruno Second").click()
    page.get_by_label("ou code postal de la commune de naissance").fill("13001")
    page.get_by_role("button", name="Enregistrer l'identité").click()
    page.get_by_text("Identité enregistrée (chiffrée).").wait_for()
    page.get_by_role("button", name="Préparer la déclaration").click()
    page.get_by_text("préparée : 1 titulaire(s)", exact=False).wait_for()
    again = _download(page, "Télécharger le fichier XML du flux", tmp_path)
    assert check_xml(again) == []
    root = etree.fromstring(again)
    [passage] = root.findall(f".//{{{NS}}}passageCertification")
    assert passage.findtext(f".//{{{NS}}}nomNaissance") == "DELACROIX"
    assert passage.findtext(f".//{{{NS}}}codePostal") == "13001"
    assert page.get_by_text("Rejeté puis corrigé").count() == 1
    page.screenshot(path=str(screenshots / "awards-declaration-cdc.png"), full_page=True)
    (output_dir / "accrochage").mkdir(exist_ok=True)
    (output_dir / "accrochage" / "browser-correction.xml").write_bytes(again)
