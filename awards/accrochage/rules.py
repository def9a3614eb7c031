"""Probatio's checks of the rules of the Caisse des Dépôts' XML schema (urn:cdc:cpf:pc5:schema:1.0.0,
version 1.1.x), run on the XML tree before a file is offered for download.

The schema itself is not in the repository: each rule below restates one of its constraints
(length, pattern, enumeration, integer range, nil element, choice) with the French label of the
field, so that every failure reads as « <holder> : <field> — <what is wrong> ».
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

NS = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NIL = f"{{{XSI}}}nil"

DATE = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])")
TIMESTAMP = re.compile(
    r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T(2[0-3]|[01][0-9]):[0-5][0-9]:[0-5][0-9]"
    r"(\+|-)(:2[0-3]|[01][0-9]):[0-5][0-9]"
)
OBTENTION = ("PAR_ADMISSION", "PAR_SCORING")
MENTIONS = ("SANS_MENTION", "MENTION_ASSEZ_BIEN", "MENTION_BIEN", "MENTION_TRES_BIEN",
            "MENTION_TRES_BIEN_AVEC_FELICITATIONS_DU_JURY")
ACCESS_MODES = {
    "FORMATION_INITIALE_HORS_APPRENTISSAGE": "Formation initiale hors apprentissage",
    "FORMATION_INITIALE_APPRENTISSAGE": "Formation initiale en apprentissage",
    "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION": "Formation continue hors contrat de professionnalisation",
    "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION": "Formation continue en contrat de professionnalisation",
    "VAE": "Validation des acquis de l'expérience (VAE)",
    "EQUIVALENCE_DIPLOME_ETRANGER": "Équivalence d'un diplôme étranger",
    "CANDIDAT_LIBRE": "Candidat libre",
}
SEXES = ("M", "F")
CERTIFICATION_TYPES = ("RNCP", "RS")


@dataclass(frozen=True)
class Rule:
    """One element: its French label and constraints. `length` is (min, max); `exact` a fixed
    length; `values` an enumeration; `integer` an inclusive range."""

    label: str
    required: bool = True
    nillable: bool = False
    length: tuple[int, int] | None = None
    exact: int | None = None
    pattern: re.Pattern | None = None
    values: tuple[str, ...] | None = None
    integer: tuple[int, int] | None = None
    boolean: bool = False

    def problem(self, element) -> str | None:
        """What is wrong with `element` (None: absent), or None when it holds."""
        if element is None:
            return "élément obligatoire absent" if self.required else None
        if element.get(NIL) == "true":
            if not self.nillable:
                return "ne peut pas être vide (nil)"
            return "un élément nil ne doit rien contenir" if (element.text or "").strip() or len(element) else None
        value = element.text or ""
        if self.length and not self.length[0] <= len(value) <= self.length[1]:
            return f"{len(value)} caractère(s) : entre {self.length[0]} et {self.length[1]} attendus"
        if self.exact is not None and len(value) != self.exact:
            return f"{len(value)} caractère(s) : exactement {self.exact} attendus"
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return f"« {value} » n'a pas la forme attendue" + (" (AAAA-MM-JJ)" if self.pattern is DATE else
                                                              " (AAAA-MM-JJTHH:MM:SS+HH:MM)")
        if self.values is not None and value not in self.values:
            return f"« {value} » n'est pas une valeur admise ({', '.join(self.values)})"
        if self.boolean and value not in ("true", "false", "1", "0"):
            return f"« {value} » n'est pas un booléen (true ou false)"
        if self.integer is not None:
            if not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
                return f"« {value} » n'est pas un nombre entier"
            if not self.integer[0] <= int(value) <= self.integer[1]:
                return f"{value} hors de l'intervalle {self.integer[0]}–{self.integer[1]}"
        return None


def text_rule(label: str, maximum: int, **kwargs) -> Rule:
    return Rule(label, length=(1, maximum), **kwargs)


FLUX_RULES = {
    "idFlux": text_rule("identifiant du flux", 50),
    "horodatage": Rule("horodatage", pattern=TIMESTAMP),
    "emetteur/idClient": Rule("identifiant client de l'émetteur", exact=8),
    "emetteur/certificateurs/certificateur/idClient": Rule("identifiant client du certificateur", exact=8),
    "emetteur/certificateurs/certificateur/idContrat": text_rule("identifiant du contrat", 20),
}
CERTIFICATION_RULES = {
    "type": Rule("type de certification", values=CERTIFICATION_TYPES),  # the schema: 1 to 255 characters
    "code": text_rule("code de la certification", 100),
}
PASSAGE_RULES = {
    "idTechnique": text_rule("identifiant technique du passage", 255),
    "obtentionCertification": Rule("mode d'obtention", values=OBTENTION),
    "donneeCertifiee": Rule("donnée certifiée", boolean=True),
    "dateDebutValidite": Rule("date de début de validité", pattern=DATE),
    "dateFinValidite": Rule("date de fin de validité", pattern=DATE, nillable=True),
    "presenceNiveauLangueEuro": Rule("présence d'un niveau de langue européen", boolean=True),
    "presenceNiveauNumeriqueEuro": Rule("présence d'un niveau numérique européen", boolean=True),
    "scoring": text_rule("score", 255, nillable=True),
    "mentionValidee": Rule("mention", values=MENTIONS, nillable=True),
    "modalitesInscription/modaliteAcces": Rule("modalité d'accès", values=tuple(ACCESS_MODES), nillable=True),
}
TITULAIRE_RULES = {
    "nomNaissance": text_rule("nom de naissance", 60),
    "nomUsage": text_rule("nom d'usage", 60, nillable=True),
    "prenom1": text_rule("premier prénom", 60),
    "prenom2": text_rule("deuxième prénom", 60, required=False),
    "prenom3": text_rule("troisième prénom", 60, required=False),
    "anneeNaissance": Rule("année de naissance", integer=(1900, 2099)),
    "moisNaissance": Rule("mois de naissance", integer=(1, 12), nillable=True),
    "jourNaissance": Rule("jour de naissance", integer=(1, 31), nillable=True),
    "sexe": Rule("sexe", values=SEXES),
    "libelleCommuneNaissance": text_rule("commune de naissance", 60, required=False),
    "codePaysNaissance": Rule("code du pays de naissance", exact=3, required=False),
    "libellePaysNaissance": text_rule("pays de naissance", 60, required=False),
}
COMMUNE_RULES = {
    "codeInseeNaissance": {"codeInsee": Rule("code INSEE de la commune de naissance", exact=5)},
    "codePostalNaissance": {"codePostal": text_rule("code postal de la commune de naissance", 9, nillable=True)},
}
DOSSIER_RULES = {
    "idDossier": text_rule("numéro de dossier CPF", 13),
    "nomTitulaire": text_rule("nom du titulaire", 30),
    "prenom1Titulaire": text_rule("prénom du titulaire", 20),
}


def _find(parent, path: str):
    element = parent
    for name in path.split("/"):
        element = element.find(f"{{{NS}}}{name}") if element is not None else None
    return element


def _apply(rules: dict[str, Rule], parent, who: str) -> list[str]:
    problems = []
    for path, rule in rules.items():
        problem = rule.problem(_find(parent, path))
        if problem:
            problems.append(f"{who} : {rule.label} — {problem}.")
    return problems


def _choice(parent, options: tuple[str, ...], label: str, who: str) -> tuple[list[str], object, str | None]:
    present = [name for name in options if _find(parent, name) is not None]
    if len(present) != 1:
        found = "aucun" if not present else " et ".join(present)
        return [f"{who} : {label} — un seul élément parmi {' ou '.join(options)} attendu ({found} trouvé)."], None, None
    return [], _find(parent, present[0]), present[0]


def check_flux(root, holders: dict[str, str] | None = None) -> list[str]:
    """Every rule failure of a flux, in French; `holders` names each passage's holder by its idTechnique."""
    holders = holders or {}
    if root.tag != f"{{{NS}}}flux":
        return [f"Déclaration : l'élément racine doit être « flux » dans l'espace de noms {NS}."]
    problems = _apply(FLUX_RULES, root, "Déclaration")
    certifications = _find(root, "emetteur/certificateurs/certificateur/certifications")
    if certifications is None or not len(certifications):
        return problems + ["Déclaration : aucune certification déclarée."]
    for certification in certifications:
        problems += _apply(CERTIFICATION_RULES, certification, "Certification")
        passages = _find(certification, "passageCertifications")
        if passages is None or not len(passages):
            problems.append("Certification : aucun passage de certification déclaré.")
            continue
        for passage in passages:
            id_technique = (_find(passage, "idTechnique").text or "") if _find(passage, "idTechnique") is not None else ""
            who = f"Titulaire {holders.get(id_technique, id_technique or '(sans identifiant)')}"
            problems += _apply(PASSAGE_RULES, passage, who)
            identification = _find(passage, "identificationTitulaire")
            if identification is None:
                problems.append(f"{who} : identification du titulaire — élément obligatoire absent.")
                continue
            found, chosen, name = _choice(identification, ("titulaire", "dossierFormation"), "identification du titulaire", who)
            problems += found
            if name == "dossierFormation":
                problems += _apply(DOSSIER_RULES, chosen, who)
            elif name == "titulaire":
                problems += _apply(TITULAIRE_RULES, chosen, who)
                commune = _find(chosen, "codeCommuneNaissance")
                if commune is None:
                    problems.append(f"{who} : commune de naissance (code) — élément obligatoire absent.")
                    continue
                found, element, kind = _choice(commune, tuple(COMMUNE_RULES), "commune de naissance", who)
                problems += found
                if kind:
                    problems += _apply(COMMUNE_RULES[kind], element, who)
    return problems


def check_xml(data: bytes, holders: dict[str, str] | None = None) -> list[str]:
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as error:
        return [f"Déclaration : XML mal formé ({error})."]
    return check_flux(root, holders)
