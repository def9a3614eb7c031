"""Anchors are part of the frozen snapshot and of its hash: a change before submitting changes the
hash, a change after never touches a stored submission."""
from __future__ import annotations

import pytest

from evidence import anchors
from evidence.anchors import Spot
from portfolio.submissions import build_snapshot, canonical_json, snapshot_of, snapshot_sha256, submit_portfolio, verify_submission
from tests.evidence.anchor_samples import anchored_world


@pytest.fixture()
def files(app_ctx, make_user):
    return anchored_world(make_user)


def _hash(portfolio) -> str:
    return snapshot_sha256(canonical_json(build_snapshot(portfolio)))


def _claim_of(snapshot: dict) -> dict:
    (evidence,) = snapshot["evidence"]
    (claim,) = evidence["claims"]
    return claim


def test_each_kind_is_recorded_with_its_version_and_only_its_location(files):
    anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=120, line_end=140))
    anchors.add_anchor(files.claim, files.pdf, Spot("pages", page_start=3, page_end=4))
    anchors.add_anchor(files.claim, files.png, Spot("region", x=0.1, y=0.2, width=0.3, height=0.4))
    anchors.add_anchor(files.claim, files.xlsx, Spot("cells", sheet="Inventaire", cells="B2:D40"))
    snapshot = build_snapshot(files.portfolio)
    assert snapshot["format"] == 3
    lines, pages, region, cells = _claim_of(snapshot)["anchors"]
    common = {"id", "kind", "version_id", "version_number", "sha256", "filename", "media_type", "object_key", "backend"}
    assert set(lines) == common | {"line_start", "line_end"}
    assert set(pages) == common | {"page_start", "page_end"}
    assert set(region) == common | {"x", "y", "width", "height"}
    assert set(cells) == common | {"sheet", "cells"}
    assert lines == {
        "id": files.claim.anchors[0].id, "kind": "lines", "version_id": files.log.id, "version_number": 1,
        "sha256": files.log.sha256, "filename": "exploitation.log", "media_type": "text/plain",
        "object_key": files.log.object_key, "backend": files.log.backend, "line_start": 120, "line_end": 140,
    }
    assert (region["x"], region["y"], region["width"], region["height"]) == (0.1, 0.2, 0.3, 0.4)
    assert (cells["sheet"], cells["cells"]) == ("Inventaire", "B2:D40")


def test_a_claim_without_anchor_means_the_whole_file(files):
    assert _claim_of(build_snapshot(files.portfolio))["anchors"] == []


def test_the_hash_follows_every_anchor_change_before_submission(files):
    seen = [_hash(files.portfolio)]
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=120, line_end=140))
    seen.append(_hash(files.portfolio))
    anchors.replace_anchor(anchor, Spot("lines", line_start=121, line_end=140))
    seen.append(_hash(files.portfolio))
    anchors.replace_anchor(anchor, Spot("pages", page_start=2), files.pdf)
    seen.append(_hash(files.portfolio))
    anchors.remove_anchor(anchor)
    seen.append(_hash(files.portfolio))
    assert len(set(seen[:4])) == 4
    assert seen[4] == seen[0]  # back to the whole file: the same dossier as before


def test_a_stored_submission_never_changes_after(files):
    anchor = anchors.add_anchor(files.claim, files.log, Spot("lines", line_start=120, line_end=140))
    submission = submit_portfolio(files.portfolio, files.candidate)
    text, digest = submission.snapshot, submission.snapshot_sha256
    frozen = _claim_of(snapshot_of(submission))["anchors"]
    assert [(a["line_start"], a["line_end"]) for a in frozen] == [(120, 140)]
    anchors.replace_anchor(anchor, Spot("lines", line_start=1, line_end=2))
    anchors.add_anchor(files.claim, files.pdf, Spot("pages", page_start=5))
    assert (submission.snapshot, submission.snapshot_sha256) == (text, digest)
    assert verify_submission(submission)
    assert _claim_of(snapshot_of(submission))["anchors"] == frozen
    anchors.remove_anchor(anchor)
    assert verify_submission(submission) and submission.snapshot == text
    # The next submission carries the new anchors, under another hash.
    second = submit_portfolio(files.portfolio, files.candidate)
    assert second.snapshot_sha256 != digest
    assert [a["kind"] for a in _claim_of(snapshot_of(second))["anchors"]] == ["pages"]
