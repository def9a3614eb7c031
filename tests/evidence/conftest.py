"""Evidence fixtures: a logged-in candidate with a portfolio and an evidence (`workspace`), and a way
to put a failing or slow store wrapper in place of the configured one (`replace_store`)."""
from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from accounts.models import Role
from storage.base import ObjectStore
from tests import factories


@pytest.fixture()
def replace_store(app_ctx):
    """Put a store wrapper in place of the configured one for one test."""
    original = app_ctx.extensions["object_store"]

    def install(store: ObjectStore) -> ObjectStore:
        app_ctx.extensions["object_store"] = store
        return store

    yield install
    app_ctx.extensions["object_store"] = original


@dataclass
class Workspace:
    client: object
    candidate: object
    portfolio: object
    evidence: object

    def token(self) -> str:
        return self.client.token("/")

    def upload(self, *files: tuple[bytes, str], file_id: int | None = None, htmx: bool = True, evidence=None,
               client=None, token: str | None = None):
        """POST files (content, name) the way the upload form does: token first, then the files."""
        evidence = evidence or self.evidence
        data: dict = {"csrf_token": token or self.token()}
        if file_id is not None:
            data["file_id"] = str(file_id)
        data["files"] = [(io.BytesIO(content), name) for content, name in files]
        return (client or self.client).post(
            f"/preuves/{evidence.id}/fichiers", data=data, content_type="multipart/form-data",
            headers={"HX-Request": "true"} if htmx else {},
        )


@pytest.fixture()
def workspace(client, login_as) -> Workspace:
    candidate = login_as(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio)
    return Workspace(client, candidate, portfolio, evidence)
