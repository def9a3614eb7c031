"""The XML flux of a declaration (namespace urn:cdc:cpf:pc5:schema:1.0.0): the certifier, the
certification, and one passageCertification per holder."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from core.timeutil import to_paris

from awards.accrochage.identity import Identity
from awards.accrochage.rules import NIL, NS, XSI


@dataclass
class PassageData:
    id_technique: str
    award_date: date
    identity: Identity


def _add(parent, name: str, value: str | None = None, *, nil: bool = False):
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    if nil:
        element.set(NIL, "true")
    elif value is not None:
        element.text = value
    return element


def build_flux(*, id_flux: str, moment: datetime, settings, passages: list[PassageData]) -> bytes:
    root = etree.Element(f"{{{NS}}}flux", nsmap={"cpf": NS, "xsi": XSI})
    _add(root, "idFlux", id_flux)
    _add(root, "horodatage", to_paris(moment).replace(microsecond=0).isoformat())
    emitter = _add(root, "emetteur")
    _add(emitter, "idClient", settings.client_id)
    certifier = _add(_add(emitter, "certificateurs"), "certificateur")
    _add(certifier, "idClient", settings.client_id)
    _add(certifier, "idContrat", settings.contract_id)
    certification = _add(_add(certifier, "certifications"), "certification")
    _add(certification, "type", settings.certification_type)
    _add(certification, "code", settings.certification_code)
    container = _add(certification, "passageCertifications")
    for passage in passages:
        _passage(container, passage)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _passage(container, passage: PassageData) -> None:
    identity = passage.identity
    element = _add(container, "passageCertification")
    _add(element, "idTechnique", passage.id_technique)
    _add(element, "obtentionCertification", "PAR_ADMISSION")
    _add(element, "donneeCertifiee", "true")
    _add(element, "dateDebutValidite", passage.award_date.isoformat())
    _add(element, "dateFinValidite", nil=True)
    _add(element, "presenceNiveauLangueEuro", "false")
    _add(element, "presenceNiveauNumeriqueEuro", "false")
    _add(element, "scoring", nil=True)
    _add(element, "mentionValidee", nil=True)
    modalities = _add(element, "modalitesInscription")
    if identity.access_mode:
        _add(modalities, "modaliteAcces", identity.access_mode)
    else:
        _add(modalities, "modaliteAcces", nil=True)
    identification = _add(element, "identificationTitulaire")
    if identity.by_dossier:
        dossier = _add(identification, "dossierFormation")
        _add(dossier, "idDossier", identity.cpf_dossier)
        _add(dossier, "nomTitulaire", identity.dossier_name)
        _add(dossier, "prenom1Titulaire", identity.dossier_first_name)
        return
    holder = _add(identification, "titulaire")
    _add(holder, "nomNaissance", identity.birth_name)
    if identity.usage_name:
        _add(holder, "nomUsage", identity.usage_name)
    else:
        _add(holder, "nomUsage", nil=True)
    names = identity.first_names.split()
    _add(holder, "prenom1", names[0] if names else "")
    for index, name in enumerate(names[1:3], start=2):
        _add(holder, f"prenom{index}", name)
    _add(holder, "anneeNaissance", identity.birth_year)
    for field, value in (("moisNaissance", identity.birth_month), ("jourNaissance", identity.birth_day)):
        _add(holder, field, value) if value else _add(holder, field, nil=True)
    _add(holder, "sexe", identity.sex)
    commune = _add(holder, "codeCommuneNaissance")
    if identity.birth_insee:
        _add(_add(commune, "codeInseeNaissance"), "codeInsee", identity.birth_insee)
    elif identity.birth_postal_code:
        _add(_add(commune, "codePostalNaissance"), "codePostal", identity.birth_postal_code)
    else:  # born abroad: no French commune, the country says where
        _add(_add(commune, "codePostalNaissance"), "codePostal", nil=True)
    if identity.birth_commune:
        _add(holder, "libelleCommuneNaissance", identity.birth_commune)
    if identity.birth_country_code:
        _add(holder, "codePaysNaissance", identity.birth_country_code)
    if identity.birth_country:
        _add(holder, "libellePaysNaissance", identity.birth_country)
