"""CASE 1.1 export and import: shape of the CFPackage, round trip through an empty database."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from extensions import db
from referentials.importers import SEEDS_DIR
from referentials.models import Certification

from tests.referentials.seeds import SEEDS

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# CASE 1.1 association types (CFAssociation.associationType).
ASSOCIATION_TYPES = {
    "isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo", "replacedBy",
    "exemplar", "hasSkillLevel", "isTranslationOf",
}


def _link_ok(link, known):
    assert set(link) >= {"title", "identifier", "uri"}
    assert UUID.match(link["identifier"]) and link["identifier"] in known


def check_package_shape(package: dict) -> None:
    """The required fields and types of a CFPackage (CASE 1.1), written from the specification."""
    assert set(package) >= {"CFDocument", "CFItems", "CFAssociations"}
    document = package["CFDocument"]
    for name in ("identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI"):
        assert document.get(name), name
    assert UUID.match(document["identifier"]) and DATETIME.match(document["lastChangeDateTime"])
    known = {document["identifier"]} | {i["identifier"] for i in package["CFItems"]}
    assert len(known) == len(package["CFItems"]) + 1  # identifiers unique
    for item in package["CFItems"]:
        for name in ("identifier", "uri", "fullStatement", "lastChangeDateTime", "CFDocumentURI"):
            assert item.get(name), (name, item)
        assert isinstance(item.get("humanCodingScheme", ""), str)
        assert DATETIME.match(item["lastChangeDateTime"])
        _link_ok(item["CFDocumentURI"], known)
    for association in package["CFAssociations"]:
        for name in ("identifier", "uri", "associationType", "originNodeURI", "destinationNodeURI", "lastChangeDateTime"):
            assert association.get(name), (name, association)
        assert association["associationType"] in ASSOCIATION_TYPES
        assert isinstance(association.get("sequenceNumber", 0), int)
        _link_ok(association["originNodeURI"], known)
        _link_ok(association["destinationNodeURI"], known)
    for rubric in package.get("CFRubrics", []):
        for name in ("identifier", "uri", "lastChangeDateTime"):
            assert rubric.get(name), name
        for criterion in rubric.get("CFRubricCriteria", []):
            for name in ("identifier", "uri", "lastChangeDateTime", "rubricId"):
                assert criterion.get(name), name
            assert criterion["rubricId"] == rubric["identifier"]
            _link_ok(criterion["CFItemURI"], known)
            assert isinstance(criterion["position"], int)
            for level in criterion.get("CFRubricCriterionLevels", []):
                assert level["rubricCriterionId"] == criterion["identifier"] and UUID.match(level["identifier"])


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["referential", *args])


def test_case_round_trip_of_the_five_seeds_through_an_empty_database(app_ctx, tmp_path):
    for seed in sorted(SEEDS):
        assert _run(app_ctx, "import", "--new-certification", str(SEEDS_DIR / SEEDS[seed])).exit_code == 0
    first = {}
    for certification in db.session.scalars(select(Certification)).all():
        path = tmp_path / f"{certification.lineage}.json"
        result = _run(app_ctx, "export", certification.lineage, "--format", "case", "-o", str(path))
        assert result.exit_code == 0, result.output
        package = json.loads(path.read_text(encoding="utf-8"))
        check_package_shape(package)
        items = package["CFItems"]
        kinds = {i["CFItemType"] for i in items}
        assert {"Bloc de compétences", "Compétence", "Critère d'évaluation"} <= kinds
        criteria = sum(len(e.criteria) for b in certification.blocs for e in b.evaluations)
        assert sum(len(r["CFRubricCriteria"]) for r in package["CFRubrics"]) == criteria
        first[path] = path.read_text(encoding="utf-8")
    db.session.execute(Certification.__table__.delete())
    db.session.commit()
    for path in first:
        result = _run(app_ctx, "import", "--new-certification", str(path))
        assert result.exit_code == 0, result.output
    again = []
    for certification in db.session.scalars(select(Certification)).all():
        out = tmp_path / "again.json"
        assert _run(app_ctx, "export", certification.lineage, "--format", "case", "-o", str(out)).exit_code == 0
        again.append(out.read_text(encoding="utf-8"))
    assert len(again) == 5
    assert sorted(again) == sorted(first.values())
