"""A jury world whose minutes are signed: two jurors graded with their own comments, the
president decided every bloc (BC01 validated, BC02 not validated) with a note kept out of the
candidate's documents, and every member confirmed."""
from __future__ import annotations

import pytest

from extensions import db
from grading import decisions, minutes
from tests import factories

DELIBERATION_NOTE = "Débat interne : le président a tranché après discussion"


def sign(jury) -> None:
    for member in (jury.president, jury.juror):
        minutes.confirm_minutes(jury.session, member, minutes.minutes_hash(jury.session))
    db.session.refresh(jury.session)
    assert jury.session.minutes_stand


def deliberate(jury, outcomes=("validated", "not_validated")) -> None:
    factories.hold_interview(jury)
    factories.grade_all(jury, jury.juror)
    first = {c.id: "partial" for c in jury.bloc_criteria(0)[:1]}
    factories.grade_all(jury, jury.president, overrides=first)
    decisions.start_deliberation(jury.session, actor=jury.president)
    for bloc, outcome in zip(jury.session.blocs, outcomes):
        decisions.decide(jury.assignment, bloc, outcome, f"Justification du jury pour {bloc.code}",
                         actor=jury.president, override=True, override_reason=DELIBERATION_NOTE)


@pytest.fixture()
def signed_jury(jury):
    deliberate(jury)
    sign(jury)
    return jury


@pytest.fixture()
def issuer_key(app_ctx, tmp_path, monkeypatch):
    """The issuer's signing key, created by `flask credentials generate` in a folder of this test."""
    path = tmp_path / "cles" / "issuer-ed25519.pem"
    monkeypatch.setitem(app_ctx.config, "CREDENTIALS_KEY_FILE", str(path))
    result = app_ctx.test_cli_runner().invoke(args=["credentials", "generate"])
    assert result.exit_code == 0, result.output
    return path
