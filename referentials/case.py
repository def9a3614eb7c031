"""CASE 1.1 (1EdTech Competencies and Academic Standards Exchange): a certification as a CFPackage.

CFDocument: the certification. CFItems: its blocs, competences, evaluations (modalités), criteria
and deliverables, each with its `humanCodingScheme` (the code as written). CFAssociations:
`isChildOf` for the tree (with `sequenceNumber` for the order), `isRelatedTo` from an evaluation
or a criterion to the competences it evaluates. CFRubrics: one per evaluation, one
CFRubricCriterion per criterion, its indicators as CFRubricCriterionLevels.

Identifiers are UUID v5 derived from the keys, so the same referential always gives the same
package (and a round trip export → import → export gives it back unchanged).
"""
from __future__ import annotations

import re
import uuid

from referentials.importers import draft as d
from referentials.importers.errors import ReferentialImportError

NAMESPACE = uuid.UUID("6f1c1b52-4b1e-5a43-9d0e-5f0a9b3c2d11")
BASE_URI = "urn:probatio:case:"
EPOCH = "2000-01-01T00:00:00+00:00"  # lastChangeDateTime: stable, so that packages compare
NO_CERTIFIER = "Certificateur non indiqué"
NO_TITLE = "Titre à compléter"

BLOC, COMPETENCE, EVALUATION, CRITERION, DELIVERABLE = (
    "Bloc de compétences", "Compétence", "Modalité d'évaluation", "Critère d'évaluation", "Livrable",
)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def document_identifier(key: str, source_sha256: str | None, title: str) -> str:
    """The CFDocument identifier of a certification (stable across exports)."""
    return _id("document", key, source_sha256 or title)


def item_uri(document_id: str, kind: str, key: str) -> str:
    """The URI of the CFItem of `kind` (BLOC, COMPETENCE, CRITERION…) whose key is `key` (a bloc's
    code, a competence's or criterion's key): what other standards align to (Open Badges)."""
    return f"{BASE_URI}{_id(document_id, kind, key)}"


def _link(node: dict) -> dict:
    return {"title": node.get("fullStatement") or node.get("title") or "", "identifier": node["identifier"], "uri": node["uri"]}


def draft_to_case(draft: d.CertificationDraft) -> dict:
    doc_id = document_identifier(draft.key, draft.source_sha256, draft.title)
    document = {
        "identifier": doc_id,
        "uri": f"{BASE_URI}{doc_id}",
        "creator": draft.certifier or NO_CERTIFIER,
        "title": draft.title or NO_TITLE,
        "lastChangeDateTime": EPOCH,
        "CFPackageURI": {"title": draft.title or NO_TITLE, "identifier": doc_id, "uri": f"{BASE_URI}{doc_id}"},
        "humanCodingScheme": draft.code or draft.key,
        "version": draft.version or "",
        "language": "fr",
        "notes": f"key: {draft.key}\nsource: {draft.source_name}\nsha256: {draft.source_sha256}\nlevel: {draft.level or ''}",
    }
    if draft.validation_date:
        document["statusStartDate"] = draft.validation_date
    items: list[dict] = []
    associations: list[dict] = []
    rubrics: list[dict] = []
    doc_link = _link(document)

    def item(kind: str, key: str, statement: str, code: str = "", notes: str = "") -> dict:
        identifier = _id(doc_id, kind, key)
        node = {
            "identifier": identifier, "uri": f"{BASE_URI}{identifier}", "fullStatement": statement or code or kind,
            "humanCodingScheme": code, "CFItemType": kind, "lastChangeDateTime": EPOCH, "language": "fr",
            "CFDocumentURI": doc_link,
        }
        if notes:
            node["notes"] = notes
        items.append(node)
        return node

    def associate(kind: str, origin: dict, destination: dict, sequence: int) -> None:
        identifier = _id(doc_id, kind, origin["identifier"], destination["identifier"])
        associations.append({
            "identifier": identifier, "uri": f"{BASE_URI}{identifier}", "associationType": kind,
            "originNodeURI": _link(origin), "destinationNodeURI": _link(destination),
            "sequenceNumber": sequence, "lastChangeDateTime": EPOCH, "CFDocumentURI": doc_link,
        })

    for bloc in draft.blocs:
        bloc_node = item(BLOC, bloc.code, bloc.title, bloc.code, bloc.description)
        associate("isChildOf", bloc_node, document, bloc.order)
        competences = {}
        for comp in bloc.competences:
            node = item(COMPETENCE, comp.key, comp.text, comp.code, comp.description)
            competences[comp.key] = node
            associate("isChildOf", node, bloc_node, comp.order)
        for ev in bloc.evaluations:
            ev_key = f"{bloc.code}/{ev.code}"
            ev_node = item(EVALUATION, ev_key, ev.modality, ev.code)
            associate("isChildOf", ev_node, bloc_node, ev.order)
            for n, key in enumerate(ev.competence_codes, 1):
                associate("isRelatedTo", ev_node, competences[key], n)
            for x in ev.deliverables:
                associate("isChildOf", item(DELIVERABLE, f"{ev_key}/{x.order}", x.text), ev_node, x.order)
            rubric_id = _id(doc_id, "rubric", ev_key)
            criteria = []
            for crit in ev.criteria:
                node = item(CRITERION, crit.key, crit.text, crit.code, crit.heading)
                associate("isChildOf", node, ev_node, crit.order)
                for n, key in enumerate(crit.competence_codes, 1):
                    associate("isRelatedTo", node, competences[key], n)
                criterion_id = _id(doc_id, "rubric-criterion", crit.key)
                criteria.append({
                    "identifier": criterion_id, "uri": f"{BASE_URI}{criterion_id}", "category": crit.heading or "",
                    "description": crit.text, "CFItemURI": _link(node), "position": crit.order, "rubricId": rubric_id,
                    "lastChangeDateTime": EPOCH,
                    "CFRubricCriterionLevels": [
                        {
                            "identifier": (level_id := _id(doc_id, "level", crit.key, str(i))), "uri": f"{BASE_URI}{level_id}",
                            "description": text, "position": i, "rubricCriterionId": criterion_id, "lastChangeDateTime": EPOCH,
                        }
                        for i, text in enumerate(crit.indicators, 1)
                    ],
                })
            rubrics.append({
                "identifier": rubric_id, "uri": f"{BASE_URI}{rubric_id}", "title": f"{bloc.code} / {ev.code}",
                "description": f"Grille d'évaluation de {bloc.code} / {ev.code}", "lastChangeDateTime": EPOCH,
                "CFRubricCriteria": criteria,
            })
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations, "CFRubrics": rubrics}


def case_to_draft(package: dict) -> d.CertificationDraft:
    """A CFPackage (as written by draft_to_case) back to a draft; ReferentialImportError if not."""
    try:
        return _read(package)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReferentialImportError(f"Paquet CASE illisible ou incomplet ({error.__class__.__name__} : {error}).") from None


def _read(package: dict) -> d.CertificationDraft:
    document = package["CFDocument"]
    notes = dict(re.findall(r"^(\w+): ?(.*)$", document.get("notes", ""), re.M))
    items = {i["identifier"]: i for i in package["CFItems"]}
    children: dict[str, list[tuple[int, dict]]] = {}
    related: dict[str, list[tuple[int, str]]] = {}
    for a in package["CFAssociations"]:
        origin, destination = a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"]
        if a["associationType"] == "isChildOf":
            children.setdefault(destination, []).append((a.get("sequenceNumber", 0), items[origin]))
        elif a["associationType"] == "isRelatedTo":
            related.setdefault(origin, []).append((a.get("sequenceNumber", 0), destination))
    levels = {
        c["CFItemURI"]["identifier"]: [lv["description"] for lv in sorted(c.get("CFRubricCriterionLevels", []), key=lambda lv: lv["position"])]
        for r in package.get("CFRubrics", []) for c in r.get("CFRubricCriteria", [])
    }

    def kids(identifier: str, kind: str) -> list[dict]:
        return [node for _, node in sorted(children.get(identifier, []), key=lambda p: p[0]) if node["CFItemType"] == kind]

    keys: dict[str, str] = {}
    draft = d.CertificationDraft(
        title="" if document["title"] == NO_TITLE else document["title"],
        certifier=None if document["creator"] == NO_CERTIFIER else document["creator"],
        code=None if document.get("humanCodingScheme") == notes.get("key") else document.get("humanCodingScheme"),
        level=notes.get("level") or None, version=document.get("version") or None,
        validation_date=document.get("statusStartDate"), source_name=notes.get("source", ""),
        source_sha256=notes.get("sha256", ""), key=notes["key"],
    )
    for b_order, bloc_node in enumerate(kids(document["identifier"], BLOC), 1):
        bloc = d.BlocDraft(code=bloc_node["humanCodingScheme"], title=bloc_node["fullStatement"], order=b_order, description=bloc_node.get("notes", ""))
        for c_order, node in enumerate(kids(bloc_node["identifier"], COMPETENCE), 1):
            competence = d.CompetenceDraft(code=node["humanCodingScheme"], text=node["fullStatement"], order=c_order, description=node.get("notes", ""))
            bloc.competences.append(competence)
            keys[node["identifier"]] = competence
        for e_order, ev_node in enumerate(kids(bloc_node["identifier"], EVALUATION), 1):
            code = ev_node["humanCodingScheme"]
            evaluation = d.EvaluationDraft(code=code, modality="" if ev_node["fullStatement"] == code else ev_node["fullStatement"], order=e_order)
            evaluation.competence_codes = [i for _, i in sorted(related.get(ev_node["identifier"], []))]
            evaluation.deliverables = [d.DeliverableDraft(n["fullStatement"], k) for k, n in enumerate(kids(ev_node["identifier"], DELIVERABLE), 1)]
            for k, node in enumerate(kids(ev_node["identifier"], CRITERION), 1):
                criterion = d.CriterionDraft(
                    code=node["humanCodingScheme"], heading=node.get("notes", ""), text=node["fullStatement"],
                    indicators=levels.get(node["identifier"], []), order=k,
                )
                criterion.competence_codes = [i for _, i in sorted(related.get(node["identifier"], []))]
                evaluation.criteria.append(criterion)
            bloc.evaluations.append(evaluation)
        draft.blocs.append(bloc)
    d.renumber(draft)
    d.assign_keys(draft)
    for target in [*draft.evaluations(), *draft.criteria()]:
        target.competence_codes = [keys[i].key for i in target.competence_codes]
    return draft
