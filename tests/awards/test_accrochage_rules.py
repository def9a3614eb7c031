"""Probatio's checks of the CDC schema's rules: a valid flux passes; each rule (lengths, patterns,
enumerations, integer ranges, nil elements, the choices between titulaire and dossierFormation
and between INSEE and postal code) fails on one wrong value with its French message naming the
holder and the field."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from lxml import etree

from awards.accrochage.flux import PassageData, build_flux
from awards.accrochage.identity import Identity
from awards.accrochage.rules import NIL, NS, check_flux, check_xml

SETTINGS = SimpleNamespace(client_id="ABCD1234", contract_id="MCFCER000123", certification_type="RNCP", certification_code="34054")
ID = "PROBATIO-RNCP-TEST-7"
HOLDERS = {ID: "Camille Candidate"}


def _identity(**changes) -> Identity:
    base = dict(birth_name="MARTIN", usage_name="", first_names="Camille Marie", birth_year="1990", birth_month="4",
                birth_day="12", sex="F", birth_insee="75056", birth_commune="Paris", access_mode="VAE")
    return Identity(**{**base, **changes})


def _flux(identity: Identity | None = None):
    data = build_flux(id_flux="PROBATIO-20261201-1", moment=datetime(2026, 12, 1, 11, 0), settings=SETTINGS,
                      passages=[PassageData(ID, date(2026, 6, 15), identity or _identity())])
    return etree.fromstring(data)


def _el(root, path: str):
    element = root
    for name in path.split("/"):
        element = element.find(f".//{{{NS}}}{name}") if element is root else element.find(f"{{{NS}}}{name}")
    assert element is not None, path
    return element


def test_a_valid_flux_passes_and_has_the_expected_shape():
    root = _flux()
    assert check_flux(root, HOLDERS) == []
    assert root.tag == f"{{{NS}}}flux"
    assert _el(root, "horodatage").text == "2026-12-01T12:00:00+01:00"  # Paris time with its offset
    assert _el(root, "passageCertification/dateFinValidite").get(NIL) == "true"
    assert _el(root, "passageCertification/scoring").get(NIL) == "true"
    assert _el(root, "passageCertification/mentionValidee").get(NIL) == "true"
    assert _el(root, "titulaire/nomUsage").get(NIL) == "true"
    assert _el(root, "obtentionCertification").text == "PAR_ADMISSION"
    assert _el(root, "modaliteAcces").text == "VAE"
    assert _el(root, "prenom2").text == "Marie"


def test_a_dossier_cpf_identification_passes():
    root = _flux(Identity(cpf_dossier="1234567890123", dossier_name="MARTIN", dossier_first_name="Camille"))
    assert check_flux(root, HOLDERS) == []
    assert _el(root, "identificationTitulaire/dossierFormation/idDossier").text == "1234567890123"


def test_born_abroad_the_country_is_given_and_the_postal_code_is_nil():
    root = _flux(_identity(birth_insee="", birth_commune="", birth_country_code="MAR", birth_country="Maroc"))
    assert check_flux(root, HOLDERS) == []
    assert _el(root, "codePostalNaissance/codePostal").get(NIL) == "true"


# (element, wrong value, French message expected)
VALUE_RULES = [
    ("idFlux", "X" * 51, "Déclaration : identifiant du flux — 51 caractère(s) : entre 1 et 50 attendus."),
    ("horodatage", "2026-12-01T12:00:00", "Déclaration : horodatage — « 2026-12-01T12:00:00 » n'a pas la forme attendue"),
    ("emetteur/idClient", "ABC", "Déclaration : identifiant client de l'émetteur — 3 caractère(s) : exactement 8 attendus."),
    ("certificateur/idClient", "ABCD12345", "Déclaration : identifiant client du certificateur — 9 caractère(s) : exactement 8 attendus."),
    ("idContrat", "C" * 21, "Déclaration : identifiant du contrat — 21 caractère(s) : entre 1 et 20 attendus."),
    ("certification/type", "TITRE", "Certification : type de certification — « TITRE » n'est pas une valeur admise (RNCP, RS)."),
    ("certification/code", "", "Certification : code de la certification — 0 caractère(s) : entre 1 et 100 attendus."),
    ("idTechnique", "I" * 256, "identifiant technique du passage — 256 caractère(s) : entre 1 et 255 attendus."),
    ("obtentionCertification", "PAR_HASARD", "Titulaire Camille Candidate : mode d'obtention — « PAR_HASARD » n'est pas une valeur admise"),
    ("donneeCertifiee", "oui", "Titulaire Camille Candidate : donnée certifiée — « oui » n'est pas un booléen (true ou false)."),
    ("dateDebutValidite", "15/06/2026", "Titulaire Camille Candidate : date de début de validité — « 15/06/2026 » n'a pas la forme attendue (AAAA-MM-JJ)."),
    ("presenceNiveauLangueEuro", "peut-être", "Titulaire Camille Candidate : présence d'un niveau de langue européen — « peut-être » n'est pas un booléen"),
    ("presenceNiveauNumeriqueEuro", "2", "Titulaire Camille Candidate : présence d'un niveau numérique européen — « 2 » n'est pas un booléen"),
    ("modaliteAcces", "ALTERNANCE", "Titulaire Camille Candidate : modalité d'accès — « ALTERNANCE » n'est pas une valeur admise"),
    ("nomNaissance", "N" * 61, "Titulaire Camille Candidate : nom de naissance — 61 caractère(s) : entre 1 et 60 attendus."),
    ("prenom1", "", "Titulaire Camille Candidate : premier prénom — 0 caractère(s) : entre 1 et 60 attendus."),
    ("prenom2", "P" * 61, "Titulaire Camille Candidate : deuxième prénom — 61 caractère(s) : entre 1 et 60 attendus."),
    ("anneeNaissance", "1899", "Titulaire Camille Candidate : année de naissance — 1899 hors de l'intervalle 1900–2099."),
    ("anneeNaissance", "mil neuf cent", "Titulaire Camille Candidate : année de naissance — « mil neuf cent » n'est pas un nombre entier."),
    ("moisNaissance", "13", "Titulaire Camille Candidate : mois de naissance — 13 hors de l'intervalle 1–12."),
    ("jourNaissance", "32", "Titulaire Camille Candidate : jour de naissance — 32 hors de l'intervalle 1–31."),
    ("sexe", "X", "Titulaire Camille Candidate : sexe — « X » n'est pas une valeur admise (M, F)."),
    ("codeInsee", "7505", "Titulaire Camille Candidate : code INSEE de la commune de naissance — 4 caractère(s) : exactement 5 attendus."),
    ("libelleCommuneNaissance", "C" * 61, "Titulaire Camille Candidate : commune de naissance — 61 caractère(s) : entre 1 et 60 attendus."),
]


@pytest.mark.parametrize("path, value, message", VALUE_RULES, ids=[f"{p}={v[:12]}" for p, v, _ in VALUE_RULES])
def test_each_value_rule_fails_with_its_french_message(path, value, message):
    root = _flux()
    _el(root, path).text = value
    problems = check_flux(root, HOLDERS)
    assert any(message in p for p in problems), problems


def test_the_postal_code_and_country_lengths():
    root = _flux(_identity(birth_insee="", birth_postal_code="1234567890", birth_country_code="FRAN"))
    problems = check_flux(root, HOLDERS)
    assert "Titulaire Camille Candidate : code postal de la commune de naissance — 10 caractère(s) : entre 1 et 9 attendus." in problems
    assert "Titulaire Camille Candidate : code du pays de naissance — 4 caractère(s) : exactement 3 attendus." in problems


def test_dossier_formation_lengths():
    root = _flux(Identity(cpf_dossier="1" * 14, dossier_name="N" * 31, dossier_first_name="P" * 21))
    problems = check_flux(root, HOLDERS)
    assert "Titulaire Camille Candidate : numéro de dossier CPF — 14 caractère(s) : entre 1 et 13 attendus." in problems
    assert "Titulaire Camille Candidate : nom du titulaire — 31 caractère(s) : entre 1 et 30 attendus." in problems
    assert "Titulaire Camille Candidate : prénom du titulaire — 21 caractère(s) : entre 1 et 20 attendus." in problems


@pytest.mark.parametrize("path, label", [("idFlux", "Déclaration : identifiant du flux"),
                                         ("dateDebutValidite", "Titulaire Camille Candidate : date de début de validité"),
                                         ("sexe", "Titulaire Camille Candidate : sexe"),
                                         ("scoring", "Titulaire Camille Candidate : score")])
def test_a_required_element_missing_fails(path, label):
    root = _flux()
    element = _el(root, path)
    element.getparent().remove(element)
    assert f"{label} — élément obligatoire absent." in check_flux(root, HOLDERS)


@pytest.mark.parametrize("path, label", [("nomNaissance", "nom de naissance"), ("dateDebutValidite", "date de début de validité"),
                                         ("anneeNaissance", "année de naissance")])
def test_nil_is_refused_where_the_schema_does_not_allow_it(path, label):
    root = _flux()
    element = _el(root, path)
    element.text = None
    element.set(NIL, "true")
    assert f"Titulaire Camille Candidate : {label} — ne peut pas être vide (nil)." in check_flux(root, HOLDERS)


def test_a_nil_element_must_be_empty():
    root = _flux()
    _el(root, "scoring").text = "12"
    assert "Titulaire Camille Candidate : score — un élément nil ne doit rien contenir." in check_flux(root, HOLDERS)


def test_titulaire_and_dossier_formation_are_a_choice():
    root = _flux()
    identification = _el(root, "identificationTitulaire")
    dossier = etree.SubElement(identification, f"{{{NS}}}dossierFormation")
    for name, value in (("idDossier", "1"), ("nomTitulaire", "M"), ("prenom1Titulaire", "C")):
        etree.SubElement(dossier, f"{{{NS}}}{name}").text = value
    assert ("Titulaire Camille Candidate : identification du titulaire — un seul élément parmi titulaire ou dossierFormation "
            "attendu (titulaire et dossierFormation trouvé).") in check_flux(root, HOLDERS)
    for child in list(identification):
        identification.remove(child)
    assert ("Titulaire Camille Candidate : identification du titulaire — un seul élément parmi titulaire ou dossierFormation "
            "attendu (aucun trouvé).") in check_flux(root, HOLDERS)


def test_insee_and_postal_code_are_a_choice():
    root = _flux()
    commune = _el(root, "codeCommuneNaissance")
    etree.SubElement(etree.SubElement(commune, f"{{{NS}}}codePostalNaissance"), f"{{{NS}}}codePostal").text = "75001"
    assert any("commune de naissance — un seul élément parmi codeInseeNaissance ou codePostalNaissance" in p
               for p in check_flux(root, HOLDERS))


def test_a_wrong_namespace_or_broken_xml_is_refused():
    assert check_xml(b"<flux/>") == ["Déclaration : l'élément racine doit être « flux » dans l'espace de noms urn:cdc:cpf:pc5:schema:1.0.0."]
    assert check_xml(b"<flux")[0].startswith("Déclaration : XML mal formé")
