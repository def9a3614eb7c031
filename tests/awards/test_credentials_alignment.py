"""Open Badges 3.0: a credential's achievement aligns to the referential's CASE CFItems (issue 11),
with the very URIs the CASE export of the certification gives its bloc, competences and criteria."""
from __future__ import annotations

import base64
import json

from sqlalchemy import select

from awards.models import AwardCredential
from extensions import db
from referentials import services as referentials


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_achievement_aligns_to_the_case_items_of_its_bloc(signed_jury, issuer_key, client_for):
    jury = signed_jury
    assert client_for(jury.candidate).get(f"/resultats/{jury.assignment.id}").status_code == 200
    [credential] = db.session.scalars(select(AwardCredential)).all()  # BC01 validated, BC02 not
    achievement = _payload(credential.token)["credentialSubject"]["achievement"]
    alignment = achievement["alignment"]
    assert all(a["type"] == ["Alignment"] and a["targetType"] == "CFItem" for a in alignment)
    assert {a["targetFramework"] for a in alignment} == {jury.certification.display_title}

    package = json.loads(referentials.export_case(jury.certification))
    uri_of = {(i["CFItemType"], i["humanCodingScheme"], i["fullStatement"]): i["uri"] for i in package["CFItems"]}
    bloc = jury.certification.blocs[0]
    expected = [uri_of[("Bloc de compétences", bloc.code, bloc.title)]]
    expected += [uri_of[("Compétence", c.code, c.text)] for c in bloc.competences]
    expected += [uri_of[("Critère d'évaluation", c.code, c.text)] for e in bloc.evaluations for c in e.criteria]
    assert [a["targetUrl"] for a in alignment] == expected
    assert [a.get("targetCode") for a in alignment[:2]] == [bloc.code, bloc.competences[0].code]
    other = jury.certification.blocs[1]
    assert not any(a["targetName"] == other.title for a in alignment)  # only the bloc it attests
