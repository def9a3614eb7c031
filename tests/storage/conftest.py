"""Storage fixtures: files uploaded through the real upload form, and the `flask storage …` CLI."""
from __future__ import annotations

import io
import os

import pytest

from accounts.models import Role
from tests import factories


@pytest.fixture()
def uploaded(client, login_as, fresh_store):
    """`uploaded(n)`: n distinct log files uploaded by a candidate through the form, into a fresh
    store; every version recorded so far."""
    from evidence.models import EvidenceVersion
    from extensions import db

    candidate = login_as(Role.CANDIDATE)
    evidence = factories.make_evidence(factories.make_portfolio(candidate))

    def upload(count: int = 3) -> list:
        files = [(io.BytesIO(f"journal {n} {os.urandom(8).hex()}\n".encode() * 50), f"journal-{n}.log") for n in range(count)]
        response = client.post(
            f"/preuves/{evidence.id}/fichiers", data={"csrf_token": client.token("/"), "files": files},
            content_type="multipart/form-data", headers={"HX-Request": "true"},
        )
        assert response.status_code == 200, response.text
        return list(db.session.scalars(db.select(EvidenceVersion).order_by(EvidenceVersion.id)))

    return upload


@pytest.fixture()
def storage_cli(app_ctx):
    """`storage_cli(*args)`: runs `flask storage <args>` in the app; the click Result."""
    runner = app_ctx.test_cli_runner()
    return lambda *args: runner.invoke(args=["storage", *args], catch_exceptions=False)

