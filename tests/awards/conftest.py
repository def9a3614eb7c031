"""A jury world whose minutes are signed: two jurors graded with their own comments, the
president decided every bloc (BC01 validated, BC02 not validated) with a note kept out of the
candidate's documents, and every member confirmed."""
from __future__ import annotations

import pytest

from tests.awards.jury_steps import deliberate, sign


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


