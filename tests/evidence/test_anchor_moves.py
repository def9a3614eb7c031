"""A new version of an anchored file: the anchor stays on the version it points to, the evidence
page asks to move it, the same lines are proposed by matching their content, the candidate confirms."""
from __future__ import annotations

import re

import pytest

from evidence import anchors
from evidence.anchors import Spot
from evidence.models import ClaimAnchor, EvidenceVersion
from extensions import db
from tests import factories
from tests.evidence.anchor_samples import numbered_log


@pytest.fixture()
def anchored(workspace):
    """A 300-line log uploaded by the candidate, lines 120–140 anchored to a claim."""
    workspace.upload((numbered_log(300), "exploitation.log"))
    v1 = db.session.scalars(db.select(EvidenceVersion)).one()
    criterion = workspace.portfolio.certification.blocs[0].evaluations[0].criteria[0]
    claim = factories.claim(workspace.evidence, criterion, "Les journaux sont analysés.")
    url = f"/rattachements/{claim.id}/extraits/nouveau?version={v1.id}"
    response = workspace.client.post(url, data={
        "csrf_token": workspace.token(), "kind": "lines", "line_start": "120", "line_end": "140", "enregistrer": "1",
    })
    assert response.status_code == 303
    return workspace, v1, db.session.scalars(db.select(ClaimAnchor)).one()


def _upload_new_version(workspace, v1, content: bytes, name: str = "exploitation.log") -> EvidenceVersion:
    assert workspace.upload((content, name), file_id=v1.file_id).status_code == 200
    return db.session.scalars(db.select(EvidenceVersion).where(EvidenceVersion.number == 2)).one()


def _fields(page) -> tuple[int, int]:
    body = page.get_data(as_text=True)
    start = re.search(r'name="line_start" type="number" value="(\d+)"', body)
    end = re.search(r'name="line_end" type="number" value="(\d+)"', body)
    return int(start.group(1)), int(end.group(1))


def test_lines_moved_by_an_insertion_are_found_and_the_candidate_confirms(anchored):
    workspace, v1, anchor = anchored
    # Ten lines were added at the top: the same lines are now 130–150.
    v2 = _upload_new_version(workspace, v1, numbered_log(10, first=1001, prefix="srv-01 cron") + numbered_log(300))
    db.session.refresh(anchor)
    assert anchor.version_id == v1.id  # it stays where it was

    evidence_page = workspace.client.get(f"/preuves/{workspace.evidence.id}")
    assert "Extraits à déplacer vers la nouvelle version" in evidence_page.text
    link = f"/extraits/{anchor.id}/modifier?version={v2.id}"
    assert link in evidence_page.get_data(as_text=True)

    move = workspace.client.get(link)
    assert move.status_code == 200
    assert "Déplacer l'extrait vers la version 2" in move.text
    assert "Les mêmes lignes se trouvent aux lignes 130–150 de la nouvelle version." in move.text
    assert _fields(move) == (130, 150)
    db.session.refresh(anchor)
    assert anchor.version_id == v1.id  # proposing moves nothing

    confirmed = workspace.client.post(link, data={
        "csrf_token": move.csrf_token, "version": v2.id, "kind": "lines", "line_start": "130", "line_end": "150", "enregistrer": "1",
    })
    assert confirmed.status_code == 303
    db.session.refresh(anchor)
    assert (anchor.version_id, anchor.line_start, anchor.line_end) == (v2.id, 130, 150)
    after = workspace.client.get(f"/preuves/{workspace.evidence.id}")
    assert "Extrait déplacé vers la version 2." in after.text
    assert "Extraits à déplacer" not in after.text
    assert "lignes 130–150 de exploitation.log (version 2)" in after.text


def test_edited_lines_are_matched_by_their_content(anchored):
    workspace, v1, anchor = anchored
    lines = numbered_log(300).decode().splitlines(keepends=True)
    lines[129] = "2026-03-01 10:00:10 srv-01 sshd[130]: événement 130 (corrigé)\n"  # inside 120–140
    changed = "".join(lines[:50] + lines[55:])  # five lines removed above: now 115–135
    v2 = _upload_new_version(workspace, v1, changed.encode())
    proposal = anchors.propose_move(anchor)
    assert proposal.matched and not proposal.identical
    assert (proposal.spot.line_start, proposal.spot.line_end) == (115, 135)
    assert "20 sur 21 lignes identiques" in proposal.note
    move = workspace.client.get(f"/extraits/{anchor.id}/modifier?version={v2.id}")
    assert _fields(move) == (115, 135) and "vérifiez-les" in move.text


def test_lines_that_are_gone_are_not_guessed(anchored):
    workspace, v1, anchor = anchored
    v2 = _upload_new_version(workspace, v1, b"".join(f"autre contenu {n}\n".encode() for n in range(50)))
    proposal = anchors.propose_move(anchor)
    assert not proposal.matched
    assert "ne se retrouvent pas" in proposal.note
    # Kept inside the new file, for the candidate to choose anew.
    assert proposal.spot.line_end <= 50
    refused = workspace.client.post(f"/extraits/{anchor.id}/modifier?version={v2.id}", data={
        "csrf_token": workspace.token(), "version": v2.id, "kind": "lines", "line_start": "120", "line_end": "140", "enregistrer": "1",
    })
    assert refused.status_code == 422 and "compte 50 lignes" in refused.text
    db.session.refresh(anchor)
    assert anchor.version_id == v1.id


def test_only_anchors_on_an_older_version_are_listed(anchored):
    workspace, v1, anchor = anchored
    assert anchors.anchors_to_move(workspace.evidence) == []
    _upload_new_version(workspace, v1, numbered_log(300) + b"une ligne de plus\n")
    db.session.refresh(workspace.evidence)
    assert anchors.anchors_to_move(workspace.evidence) == [anchor]
    proposal = anchors.propose_move(anchor)
    assert proposal.identical and (proposal.spot.line_start, proposal.spot.line_end) == (120, 140)


def test_a_region_keeps_its_place_and_the_candidate_confirms(workspace):
    workspace.upload((factories.screenshot_png(1, (640, 400)), "capture.png"))
    v1 = db.session.scalars(db.select(EvidenceVersion)).one()
    claim = factories.claim(workspace.evidence, workspace.portfolio.certification.blocs[0].evaluations[0].criteria[1])
    anchor = anchors.add_anchor(claim, v1, Spot("region", x=0.1, y=0.2, width=0.3, height=0.4))
    v2 = _upload_new_version(workspace, v1, factories.screenshot_png(2, (640, 400)), "capture.png")
    move = workspace.client.get(f"/extraits/{anchor.id}/modifier?version={v2.id}")
    assert "Vérifiez que cet endroit montre toujours la preuve dans la nouvelle version." in move.text
    body = move.get_data(as_text=True)
    for name, value in (("x", "10.0"), ("y", "20.0"), ("width", "30.0"), ("height", "40.0")):
        assert re.search(rf'name="{name}"[^>]*value="{value}', body), name
    assert workspace.client.post(f"/extraits/{anchor.id}/modifier", data={
        "csrf_token": move.csrf_token, "version": v2.id, "kind": "region", "x": "10", "y": "20", "width": "30", "height": "40",
        "enregistrer": "1",
    }).status_code == 303
    db.session.refresh(anchor)
    assert (anchor.version_id, anchor.x, anchor.height) == (v2.id, 0.1, 0.4)
