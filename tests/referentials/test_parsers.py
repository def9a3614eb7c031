"""The five seed referentials, parsed: counts checked against the documents, exact texts, rules.

The expected counts were established by reading each document (criteria counted row by row, CE
numbering restarts included), not by running the parser.
"""

from __future__ import annotations

import re

import pytest

from referentials.importers import (
    REAC,
    RNCP,
    ReferentialImportError,
    RulesDraft,
    detect_shape,
    parse_referential,
    seed_files,
)
from referentials.importers.text import cell_blocks


# seed: (blocs, competences, evaluations, criteria, deliverables, transversal competences)
COUNTS = {
    "000": (4, 33, 10, 66, 42, 0),
    "001": (3, 18, 9, 62, 23, 0),
    "002": (3, 17, 17, 79, 0, 3),
    "003": (3, 9, 9, 48, 0, 2),
    "004": (4, 65, 20, 72, 82, 0),
}

# seed: [(bloc code, competences, evaluations, criteria, deliverables)]
BLOC_COUNTS = {
    "000": [("BC01", 10, 2, 21, 13), ("BC02", 8, 1, 12, 5), ("BC03", 8, 5, 19, 16), ("BC04", 7, 2, 14, 8)],
    "001": [("BC01", 3, 3, 19, 5), ("BC02", 9, 3, 23, 11), ("BC03", 6, 3, 20, 7)],
    "002": [("AT1", 5, 5, 23, 0), ("AT2", 6, 6, 29, 0), ("AT3", 6, 6, 27, 0)],
    "003": [("AT1", 3, 3, 16, 0), ("AT2", 3, 3, 16, 0), ("AT3", 3, 3, 16, 0)],
    "004": [("BC01", 10, 4, 10, 15), ("BC02", 21, 6, 22, 26), ("BC03", 14, 5, 18, 19), ("BC04", 20, 5, 22, 22)],
}

# First and last criterion of every bloc: (key, text).
FIRST_AND_LAST = {
    "000": [
        ("TIIMS/BC01/E1/CE1", "Choix des matériels informatiques internes et externes"),
        ("TIIMS/BC01/E2/CE11", "Opérationnalité des services"),
        ("TIIMS/BC02/E1/CE1", "Complétude du schéma réseau"),
        ("TIIMS/BC02/E1/CE12", "Opérationnalité de la connexion / communication"),
        ("TIIMS/BC03/E1/CE1", "Choix des tâches à automatiser"),
        ("TIIMS/BC03/E5/CE7", "Pertinence des recommandations"),
        ("TIIMS/BC04/E1/CE1", "Conformité de la méthodologie d'analyse"),
        ("TIIMS/BC04/E2/CE5", "Pertinence de l'artefact"),
    ],
    "001": [
        ("TIIMS/BC01/E1/CE.1", "Le matériel assemblé est fonctionnel."),
        (
            "TIIMS/BC01/E3/CE.5",
            "Des points forts et des axes d'amélioration des scripts sont identifiés par le candidat.",
        ),
        (
            "TIIMS/BC02/E1/CE.1",
            "La supervision du parc permet de remonter les informations liées à l'état de santé du parc "
            "(disques, CPU, RAM, déroulement des sauvegardes...)",
        ),
        (
            "TIIMS/BC02/E3/CE.7",
            "Les préconisations et leur présentation sont formulées sous une forme accessible à des non spécialistes.",
        ),
        (
            "TIIMS/BC03/E1/CE.1",
            "L'expression des demandes est décomposée et reformulée en conservant le point de vue de l'utilisateur.",
        ),
        (
            "TIIMS/BC03/E3/CE.5",
            "Le contenu de sensibilisation de la cybersécurité est en conformité avec les connaissances actuelles.",
        ),
    ],
    "002": [
        (
            "T2SI-2013/AT1/CP1/CR1",
            "Le niveau technique et le rôle de l'interlocuteur sont pris en compte dans la communication",
        ),
        ("T2SI-2013/AT1/CP5/CR3", "Les courriels sont rédigés correctement en anglais"),
        ("T2SI-2013/AT2/CP6/CR1", "La méthode de diagnostic employée est adéquate et efficiente"),
        ("T2SI-2013/AT2/CP11/CR5", "Les délais de réalisation prévus sont respectés"),
        ("T2SI-2013/AT3/CP12/CR1", "L'environnement de virtualisation est conforme et opérationnel"),
        ("T2SI-2013/AT3/CP17/CR5", "Les moyens de recherche d'information sont utilisés de manière appropriée"),
    ],
    "003": [
        ("TAI-2023/AT1/CP1/CR1", "La demande d'intervention est prise en compte."),
        ("TAI-2023/AT1/CP3/CR4", "Le fonctionnement matériel et logiciel est vérifié."),
        ("TAI-2023/AT2/CP4/CR1", "L'installation est conforme aux procédures."),
        (
            "TAI-2023/AT2/CP6/CR5",
            "Les sauvegardes de données sont vérifiées et utilisables dans le cadre d'une restauration.",
        ),
        ("TAI-2023/AT3/CP7/CR1", "L'équipement réseau est installé et paramétré."),
        ("TAI-2023/AT3/CP9/CR5", "Le compte rendu de chaque intervention est explicite."),
    ],
    "004": [
        (
            "IGS/BC01/E1/CE1",
            "Les interconnexions entre les sites sont opérationnelles et l'accord de niveau de service est respecté.",
        ),
        (
            "IGS/BC01/E4/CE1",
            "Les scripts sont efficaces, documentés, sans erreurs, reproductibles, augmentant ainsi la productivité.",
        ),
        (
            "IGS/BC02/E1/CE1",
            "L'analyse est complète, les propositions sont pertinentes, argumentées et conforme avec les objectifs métiers.",
        ),
        (
            "IGS/BC02/E6/CE2",
            "Des indicateurs environnementaux sont définis et pris en compte dans les choix techniques.",
        ),
        (
            "IGS/BC03/E1/CE1",
            "Le contenu de la PSSI est structuré, conforme aux bonnes pratiques et adapté au contexte.",
        ),
        ("IGS/BC03/E5/CE6", "Les données répliquées sont disponibles et opérationnelles"),
        (
            "IGS/BC04/E1/CE1",
            "Les solutions retenues prennent en compte les besoins spécifiques des utilisateurs y compris ceux en situation de handicap.",
        ),
        (
            "IGS/BC04/E5/CE3",
            "Les techniques de négociation sont mises en œuvre de manière appropriée et l'avantage recherché est obtenu.",
        ),
    ],
}

RULES = {
    "000": RulesDraft(extra_time_ratio="1/3"),
    "001": RulesDraft(extra_time_ratio="1/3"),
    "002": RulesDraft(),
    "003": RulesDraft(interview_minutes=15),
    "004": RulesDraft(dossier_min_pages=60, interview_minutes=20, questionnaire_minutes=10, extra_time_ratio="1/3"),
}

def _criterion(parsed, seed: str, key: str):
    return next(c for c in parsed(seed).criteria() if c.key == key)


def _competence(parsed, seed: str, key: str):
    return next(c for c in parsed(seed).competences() if c.key == key)


def _strings(value):
    """Every text of a draft, to look for leftovers of the layout."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _strings(getattr(value, name))


def test_the_seeds_shipped_with_the_code_are_the_five_referentials(seeds):
    assert [p.name for p in seed_files()] == [seeds[s] for s in sorted(seeds)]


def test_counts(parsed, seed):
    draft = parsed(seed)
    counts = (
        len(draft.blocs),
        len(draft.competences()),
        len(draft.evaluations()),
        len(draft.criteria()),
        len(draft.deliverables()),
        len(draft.transversal_competences),
    )
    assert counts == COUNTS[seed]
    per_bloc = [
        (
            b.code,
            len(b.competences),
            len(b.evaluations),
            sum(len(e.criteria) for e in b.evaluations),
            sum(len(e.deliverables) for e in b.evaluations),
        )
        for b in draft.blocs
    ]
    assert per_bloc == BLOC_COUNTS[seed]


def test_every_line_is_placed(parsed, seed):
    assert parsed(seed).unplaced == []


def test_first_and_last_criterion_of_every_bloc(parsed, seed):
    draft = parsed(seed)
    expected = FIRST_AND_LAST[seed]
    actual = []
    for bloc in draft.blocs:
        criteria = [c for e in bloc.evaluations for c in e.criteria]
        actual += [(criteria[0].key, criteria[0].text), (criteria[-1].key, criteria[-1].text)]
    assert actual == expected


def test_rules(parsed, seed):
    assert parsed(seed).rules == RULES[seed]


def test_keys_unique_orders_explicit_and_references_resolve(parsed, seed):
    draft = parsed(seed)
    keys = [c.key for c in draft.competences()] + [c.key for c in draft.criteria()]
    assert len(keys) == len(set(keys))
    assert all(k.startswith(f"{draft.key}/") for k in keys)
    assert [b.order for b in draft.blocs] == list(range(1, len(draft.blocs) + 1))
    for bloc in draft.blocs:
        local = {c.key for c in bloc.competences}
        assert [c.order for c in bloc.competences] == list(range(1, len(bloc.competences) + 1))
        assert [e.order for e in bloc.evaluations] == list(range(1, len(bloc.evaluations) + 1))
        evaluated = set()
        for evaluation in bloc.evaluations:
            assert evaluation.competence_codes and set(evaluation.competence_codes) <= local
            evaluated |= set(evaluation.competence_codes)
            assert [c.order for c in evaluation.criteria] == list(range(1, len(evaluation.criteria) + 1))
            for criterion in evaluation.criteria:
                assert criterion.competence_codes and set(criterion.competence_codes) <= set(
                    evaluation.competence_codes
                )
                assert criterion.text.strip()
        assert evaluated == local, "every competence is evaluated"


def test_no_layout_leftovers(parsed, seed):
    for text in _strings(parsed(seed)):
        assert not re.search(r"</?(p|i|b|u|ul|li)\b|<input|\*\*|\t", text), text[:120]
        assert "Libellé réduit" not in text and "SIGLE" not in text, text[:120]
        assert not re.search(r"\| (REAC|RE) \|", text), text[:120]


@pytest.mark.parametrize("seed, shape", [("000", RNCP), ("001", RNCP), ("002", REAC), ("003", REAC), ("004", RNCP)])
def test_detect_shape(seed_bytes, seed, shape):
    assert detect_shape(seed_bytes(seed)) == shape
    assert detect_shape(seed_bytes(seed).decode("utf-8")) == shape


def test_source_name_and_sha256(parsed, seeds):
    draft = parsed("003")
    assert draft.source_name == seeds["003"]
    assert draft.source_sha256 == "a3b6a4370af8" + draft.source_sha256[12:]
    assert re.fullmatch(r"[0-9a-f]{64}", draft.source_sha256)


# --- 000: RNCP table, CE numbering restarting per evaluation, indicators as lists --------------


def test_000_certification(parsed):
    draft = parsed("000")
    assert (draft.title, draft.level, draft.certifier, draft.code, draft.key) == (
        "Technicien informatique en installation, maintenance et support",
        "5",
        None,
        None,
        "TIIMS",
    )
    assert [b.title for b in draft.blocs] == [
        "INSTALLER ET CONFIGURER DES MACHINES CLIENTES / SERVEURS",
        "METTRE EN PLACE / FAIRE ÉVOLUER ET SÉCURISER UN RÉSEAU INFORMATIQUE",
        "GÉRER (ADMINISTRER, EXPLOITER ET MAINTENIR) UN PARC INFORMATIQUE",
        "APPORTER UN SUPPORT / UNE ASSISTANCE AUX UTILISATEURS",
    ]


def test_000_indicator_across_a_page_break(parsed):
    criterion = _criterion(parsed, "000", "TIIMS/BC01/E1/CE1")
    assert criterion.indicators == [
        "Les matériels informatiques sont choisis de manière à répondre aux besoins clients, dans leur intégralité.",
        "Les matériels informatiques sont choisis de manière à prendre en compte les caractéristiques nécessaires pour l'utilisation.",
        "Les matériels informatiques sont compatibles entre eux.",
        "Le choix des matériels informatiques est justifié par des éléments objectifs, en lien avec les besoins et / ou les contraintes.",
        "Au besoin, des outils sont utilisés pour contrôler la configuration matérielle.",
    ]
    assert (
        "L'intégration entre les différents composants (applications et système d'exploitation) est fluide."
        in _criterion(parsed, "000", "TIIMS/BC01/E1/CE4").indicators
    )


def test_000_competence_across_a_page_break_and_accents(parsed):
    assert _competence(parsed, "000", "TIIMS/BC01/C1.7").text == (
        "Installer un système d'exploitation (version adaptée) sur un serveur dans le respect des procédures établies, "
        "en appliquant les paramètres selon les spécifications techniques, conformément à l'utilisation et aux "
        "contraintes de l'entité afin de mettre à disposition des services à l'utilisateur."
    )
    assert (
        _competence(parsed, "000", "TIIMS/BC02/C2.2").text
        == "Établir le plan d'adressage afin de permettre l'identification des équipements sur les réseaux."
    )
    assert _competence(parsed, "000", "TIIMS/BC04/C4.7").code == "C.4.7"  # key normalised, code as written


def test_000_evaluations_and_criterion_competences(parsed):
    bloc = parsed("000").blocs[2]
    assert [[c.code for c in e.criteria] for e in bloc.evaluations] == [
        ["CE1", "CE2", "CE3", "CE4", "CE5"],
        ["CE5", "CE6", "CE7"],
        ["CE1", "CE2", "CE3", "CE4"],
        ["CE1", "CE2", "CE3", "CE4"],
        ["CE5", "CE6", "CE7"],
    ]
    # one competence per table row: a criterion belongs to the competence of its row
    assert _criterion(parsed, "000", "TIIMS/BC01/E1/CE3").competence_codes == ["TIIMS/BC01/C1.2"]
    assert _criterion(parsed, "000", "TIIMS/BC02/E1/CE6").competence_codes == ["TIIMS/BC02/C2.4"]
    modality = parsed("000").blocs[0].evaluations[0].modality
    assert (
        "- Rechercher et sélectionner les matériels informatiques répondant aux besoins clients. Justifier ses choix."
        in modality
    )
    assert modality.endswith("lors d'une soutenance distancielle dont la durée et le déroulement sont calibrés.")


# --- 001: RNCP table with HTML cells and "Pertinence de …" headings ------------------------------


def test_001_certification_and_blocs(parsed):
    draft = parsed("001")
    assert (draft.title, draft.certifier, draft.level) == (
        "Technicien informatique en installation, maintenance et support",
        "OpenClassrooms",
        None,
    )
    assert [b.title for b in draft.blocs] == [
        "Installer et paramétrer les composants d'un parc informatique",
        "Maintenir le parc informatique en conditions opérationnelles et de sécurité",
        "Traiter les demandes utilisateurs",
    ]
    assert "- A2.1.3 Gestion de l'inventaire" in draft.blocs[1].description.split("\n")


def test_001_criteria_across_page_breaks(parsed):
    assert _criterion(parsed, "001", "TIIMS/BC01/E1/CE.8").text == (
        "La présentation des notions d'assemblage, d'installation et d'intégration de matériel sur un parc informatique "
        "atteste de la capacité à utiliser des connaissances techniques correctes et actualisées et de la capacité du "
        "candidat à transmettre ses connaissances."
    )
    assert _criterion(parsed, "001", "TIIMS/BC02/E2/CE.6").text == (
        "Les interventions sont effectuées dans le respect des délais et des normes en vigueur, telles que des normes "
        "de sécurité, et sans erreurs techniques."
    )
    assert _competence(parsed, "001", "TIIMS/BC03/C3.3").text.endswith(
        "adapté à la diversité du public en particulier les personnes en situation de handicap, afin de garantir "
        "l'utilisation opérationnelle et sécurisée des outils."
    )


def test_001_headings_accents_and_competences(parsed):
    assert _criterion(parsed, "001", "TIIMS/BC01/E1/CE.1").heading == (
        "Pertinence de l'assemblage, de l'installation et de l'intégration du matériel sur le parc informatique"
    )
    assert _criterion(parsed, "001", "TIIMS/BC02/E3/CE.3").heading == "Capacité à utiliser la veille de manière opérationnelle"
    assert _criterion(parsed, "001", "TIIMS/BC02/E3/CE.6").text.startswith("La présentation respecte")  # "CE.6 : …"
    assert _competence(parsed, "001", "TIIMS/BC03/C3.2.1").text == (
        "Écouter les utilisateurs en faisant preuve de pédagogie et de reformulation afin de garantir la bonne "
        "compréhension des problématiques."
    )
    # several competences per row: the criteria go to the competence their group heading names
    assert _criterion(parsed, "001", "TIIMS/BC02/E1/CE.4").competence_codes == ["TIIMS/BC02/C2.1.2"]


# --- 002: REAC 2013, markdown page headers -------------------------------------------------------


def test_002_certification(parsed):
    draft = parsed("002")
    assert (draft.title, draft.code, draft.version, draft.validation_date, draft.level, draft.key) == (
        "Technicien(ne) Supérieur(e) de Support en Informatique",
        "TP-00485",
        "08",
        "2013-03-19",
        "III",
        "T2SI-2013",
    )
    assert draft.certifier == "Ministère chargé de l'emploi"
    assert draft.transversal_competences == [
        "Mobiliser un comportement orienté client et une posture de service dans son activité d'assistance et de support en informatique",
        "Adapter sa communication orale dans son activité d'assistance et de support en informatique",
        "Etablir et mettre à jour la documentation technique",
    ]
    assert (
        draft.blocs[0].title
        == "Intervenir et assister en centre de services sur l'environnement de travail utilisateur"
    )


def test_002_sheets(parsed):
    competence = _competence(parsed, "002", "T2SI-2013/AT2/CP7")
    assert competence.text == "Intervenir sur une infrastructure de réseau sécurisé"
    assert len(competence.savoir_faire) == 14
    cp1 = _competence(parsed, "002", "T2SI-2013/AT1/CP1")
    assert (
        cp1.savoir_faire[0]
        == "Connaissance des processus de gestion des incidents et de gestion des problèmes au sens ITIL"
    )
    assert cp1.description.startswith("A partir d'une demande, créer un dossier d'incident et qualifier cet incident.")
    assert "\nContexte(s) professionnel(s) de mise en œuvre\n" in cp1.description
    evaluation = parsed("002").blocs[0].evaluations[0]
    assert (evaluation.code, evaluation.modality, evaluation.competence_codes) == ("CP1", "", ["T2SI-2013/AT1/CP1"])


def test_002_list_across_a_page_header(parsed):
    assert (
        "- Technicien de help desk en informatique\n- Technicien de maintenance de systèmes en informatique"
        in parsed("002").description
    )


def test_002_criterion_cut_by_a_page_header_comes_out_whole(seed_bytes, seeds):
    header = (
        "\n| Libellé réduit | Code titre | Type de document | Version | Date de Validation | Date de mise à jour | Page |\n"
        "|----------------|------------|------------------|---------|--------------------|---------------------|-------|\n"
        "| T2SI | TP-00485 | REAC | 08 | 19/03/2013 | 19/03/2013 | 17/38 |\n\n"
    )
    text = (
        seed_bytes("002")
        .decode("utf-8")
        .replace(
            "Les procédures de gestion d'incidents sont respectées",
            "Les procédures de gestion" + header + "d'incidents sont respectées",
        )
    )
    draft = parse_referential(text.encode("utf-8"), seeds["002"])
    assert draft.unplaced == []
    assert [c.text for c in draft.blocs[0].evaluations[0].criteria][
        2
    ] == "Les procédures de gestion d'incidents sont respectées"
    assert len(draft.criteria()) == COUNTS["002"][3]


# --- 003: REAC 2023 followed by its référentiel d'évaluation ---------------------------------------


def test_003_certification(parsed):
    draft = parsed("003")
    assert (draft.title, draft.code, draft.version, draft.validation_date, draft.level, draft.key) == (
        "Technicien d'assistance en informatique",
        "TP-00476",
        "08",
        "2023-05-24",
        "4",
        "TAI-2023",
    )
    assert draft.transversal_competences == ["Communiquer", "Apprendre en continu"]


def test_003_modalities_from_the_evaluation_referential(parsed):
    modalities = {e.code: e.modality for e in parsed("003").evaluations()}
    assert modalities == {
        "CP1": "Mise en situation professionnelle ; Entretien technique",
        "CP2": "Mise en situation professionnelle",
        "CP3": "Mise en situation professionnelle",
        "CP4": "Mise en situation professionnelle",
        "CP5": "Entretien technique",
        "CP6": "Mise en situation professionnelle ; Entretien technique",
        "CP7": "Mise en situation professionnelle",
        "CP8": "Mise en situation professionnelle ; Entretien technique",
        "CP9": "Mise en situation professionnelle",
    }
    assert "CCP Mettre en service des équipements numériques" in parsed("003").blocs[1].description.split("\n")


def test_003_texts_across_page_headers(parsed):
    savoir_faire = _competence(parsed, "003", "TAI-2023/AT1/CP2").savoir_faire
    i = savoir_faire.index("Maîtriser sa communication en situation de crise.")
    assert savoir_faire[i + 1] == "Connaissance de base et avancée des suites bureautiques."
    assert len(savoir_faire) == 23
    assert (
        "Il peut effectuer des astreintes. Il travaille en équipe, sous la responsabilité du responsable technique "
        "ou du superviseur du centre de services." in parsed("003").description.split("\n")
    )


# --- 004: IGS blocs, no codes, deliverables --------------------------------------------------------


def test_004_certification(parsed):
    draft = parsed("004")
    assert (draft.title, draft.certifier, draft.key) == ("", "IGS", "IGS")
    assert all(c.code == "" for c in draft.competences())
    assert [c.key for c in draft.blocs[0].competences][:3] == ["IGS/BC01/C1", "IGS/BC01/C2", "IGS/BC01/C3"]


def test_004_competences_are_sentences_of_unformatted_cells(parsed):
    assert [c.text[:40] for c in parsed("004").blocs[2].competences[1:4]] == [
        "Identifier les menaces et vulnérabilités",
        "Déployer des solutions automatisées de m",
        "Évaluer les perturbations de services en",
    ]


def test_004_deliverables(parsed):
    evaluations = parsed("004").blocs[0].evaluations
    assert [d.text for d in evaluations[0].deliverables] == [
        "Un plan d'adressage du réseau.",
        "Un schéma topologique du Système d'Information.",
        "Un tableau statistique des taux de disponibilité.",
    ]
    # the list goes on after a page break
    assert evaluations[1].deliverables[-1].text == "Un inventaire du parc mobile (MDM)"
    assert (
        parsed("004").blocs[1].evaluations[5].deliverables[-1].text
        == "La mesure estimée de l'empreinte carbone en kg CO₂eq."
    )
    assert evaluations[0].modality == (
        "Mise en situation professionnelle : À partir d'un cas réel d'entreprise ou reconstitué le candidat doit mettre "
        "en œuvre une architecture réseaux :\nLivrable : dossier de validation composé d'un portefeuille de preuves comprenant :"
    )


# --- the cell splitter ---------------------------------------------------------------------------


def test_cell_blocks_handles_entities_lists_and_codes():
    blocks = cell_blocks(
        '<p>CE1 - Choix&nbsp;du mat&eacute;riel</p> <ul style="list-style-type: none"> - <i>Un.</i> - <i>Deux.</i> '
        "<li>- Trois</li></ul><p>Fin<br>suite</p>"
    )
    assert [(b.kind, b.text) for b in blocks] == [
        ("p", "CE1 - Choix du matériel"),
        ("li", "Un."),
        ("li", "Deux."),
        ("li", "Trois"),
        ("p", "Fin"),
        ("p", "suite"),
    ]


# --- refused files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "vide"),
        (b"  \n\t\n ", "vide"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binaire"),
        ("Référentiel en Latin-1".encode("latin-1"), "UTF-8"),
        ("Bonjour,\nceci est une liste de courses :\n- pain\n- lait\n".encode(), "non reconnu"),
        (b"code;titre;niveau\nRNCP1;Technicien;5\n", "non reconnu"),
    ],
)
def test_bad_files_are_refused_in_french(data, message):
    with pytest.raises(ReferentialImportError) as raised:
        parse_referential(data, "fichier.txt")
    assert message in str(raised.value)
    with pytest.raises(ReferentialImportError):
        detect_shape(data)


def test_truncated_seed_is_refused(seed_bytes, seeds, seed):
    text = seed_bytes(seed).decode("utf-8")
    with pytest.raises(ReferentialImportError) as raised:
        parse_referential(text[: len(text) * 30 // 100].encode("utf-8"), seeds[seed])
    assert "tronqué" in str(raised.value)


def test_file_cut_inside_a_character_is_reported_as_truncated(seed_bytes, seeds):
    data = seed_bytes("004")
    cut = next(n for n in range(len(data) // 3, len(data)) if data[n] >= 0xC0)  # first byte of an accented letter
    with pytest.raises(ReferentialImportError, match="tronqué"):
        parse_referential(data[: cut + 1], seeds["004"])


def test_reac_without_its_competence_sheets_is_refused(seed_bytes, seeds):
    text = seed_bytes("002").decode("utf-8")
    cut = text.index("FICHE COMPÉTENCE PROFESSIONNELLE N° 8")
    with pytest.raises(ReferentialImportError, match=r"AT2/CP8 n'a aucun critère"):
        parse_referential(text[:cut].encode("utf-8"), seeds["002"])


# --- what cannot be placed is reported, not dropped ----------------------------------------------


def test_reac_list_disagreeing_with_the_synoptic_view_is_unplaced(seed_bytes, seeds):
    text = (
        seed_bytes("002")
        .decode("utf-8")
        .replace(
            "Configurer et mettre à jour un poste de travail informatique\nConfigurer la connexion",
            "Configurer et mettre à jour un poste de travail\nConfigurer la connexion",
        )
    )
    draft = parse_referential(text.encode("utf-8"), seeds["002"])
    assert [(u.line_no, u.text) for u in draft.unplaced] == [(291, "Configurer et mettre à jour un poste de travail")]
    assert "vue synoptique" in draft.unplaced[0].reason


def test_rncp_text_without_criterion_code_is_unplaced(seed_bytes, seeds):
    text = (
        seed_bytes("001")
        .decode("utf-8")
        .replace(
            "<p><b>CE.7</b> Les réponses apportées ne contiennent pas d'erreur technique.</p>",
            "<p>Une remarque sans code.</p>",
            1,
        )
    )
    draft = parse_referential(text.encode("utf-8"), seeds["001"])
    assert [(u.line_no, u.text) for u in draft.unplaced] == [(45, "Une remarque sans code.")]
    assert "critère" in draft.unplaced[0].reason


@pytest.mark.parametrize("seed", ["000", "001"])
def test_rncp_tasks_of_each_evaluation_are_its_deliverables(parsed, seed):
    """The "-" tasks after "le candidat doit :" / "Il est chargé de :"; else its one clause."""
    draft = parsed(seed)
    for evaluation in draft.evaluations():
        assert evaluation.deliverables, evaluation.code
        for deliverable in evaluation.deliverables:
            assert not deliverable.text.startswith("L'ensemble du travail")
    texts = [x.text for x in draft.deliverables()]
    if seed == "000":
        # nested sub-tasks are items of their own
        assert "Effectuer une intervention support de niveau 2 :" in texts and "Effectuer un diagnostic." in texts
        assert any(t.startswith("Construire une documentation support") for t in texts)


def test_001_criteria_follow_their_group_heading_competence(parsed):
    draft = parsed("001")
    assert all(len(c.competence_codes) == 1 for c in draft.criteria())
    by_key = {c.key: c for c in draft.criteria()}
    assert by_key["TIIMS/BC02/E1/CE.1"].competence_codes == ["TIIMS/BC02/C2.1.1"]  # supervision du parc
    assert by_key["TIIMS/BC02/E1/CE.6"].competence_codes == ["TIIMS/BC02/C2.1.3"]  # gestion de l'inventaire
    assert by_key["TIIMS/BC03/E2/CE.4"].competence_codes == ["TIIMS/BC03/C3.2.2"]  # diagnostic


def test_inconsistent_codes_are_normalised_in_keys_and_kept_as_written(parsed):
    competence = next(c for c in parsed("000").competences() if c.code.startswith("C.4.7"))
    assert competence.code == "C.4.7" and competence.key == "TIIMS/BC04/C4.7"
