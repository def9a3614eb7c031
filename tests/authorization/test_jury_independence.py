"""Jury independence in the authorization table: no one on the jury reads another member's
verdicts or comments before handing in their own grid, whichever way they ask.

A second world state beside the route table (tests/test_authorization.py): the `jury` fixture's
session (Paul presides, Julie sits), in two states. "before": the other member has handed in,
the reader (when on the jury) has graded without handing in; "after": both have handed in.
Each leak is tried as each role; `sees` says whether the other member's comment may appear.
"""
from __future__ import annotations

import io
import re

import pytest
from docx import Document as WordDocument

from tests import factories
from tests.authorization.cases import DOWNLOADED

READERS = ("anonymous", "candidate", "tutor", "juror", "president", "admin")
STATES = ("before", "after")
SEES, REFUSED, BLANK = "sees", "refused", "blank"


def _expected(member_before: tuple, member_after: tuple, admin: tuple, outsider: tuple, anonymous: tuple) -> dict:
    table = {}
    for state in STATES:
        table[("anonymous", state)] = anonymous
        table[("candidate", state)] = outsider
        table[("tutor", state)] = outsider
        table[("admin", state)] = admin
        for member in ("juror", "president"):
            table[(member, state)] = member_before if state == "before" else member_after
    return table


# The deliberation page (the grids side by side): members once their own grid is in, admins always.
DELIBERATION = _expected((403, REFUSED), (200, SEES), (200, SEES), (403, REFUSED), (302, REFUSED))
# The jury grid export (POST kind=grille, then the download): a blank grid to a member who has
# not handed in; never to the candidate (who owns the submission) nor the tutor.
GRID_EXPORT = _expected((303, BLANK), (303, SEES), (303, SEES), (403, REFUSED), (302, REFUSED))


def _other(jury, reader: str):
    """Whose comment the reader must not read too early: the other member of the jury."""
    return jury.president if reader == "juror" else jury.juror


def _prepare(jury, reader: str, state: str):
    other = _other(jury, reader)
    factories.grade_all(jury, other)
    me = {"juror": jury.juror, "president": jury.president}.get(reader)
    if me is None:
        me = jury.president if other is jury.juror else jury.juror
    factories.grade_all(jury, me, submit=state == "after")
    return other


def _client(client, client_for, jury, reader: str):
    if reader == "anonymous":
        return client
    user = {"candidate": jury.candidate, "tutor": jury.tutor, "juror": jury.juror, "president": jury.president,
            "admin": jury.admin}[reader]
    return client_for(user)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("reader", READERS)
def test_deliberation_page(client, client_for, jury, reader, state):
    other = _prepare(jury, reader, state)
    status, sees = DELIBERATION[(reader, state)]
    response = _client(client, client_for, jury, reader).get(f"/jury/affectations/{jury.assignment.id}/deliberation")
    assert response.status_code == status, f"{reader} {state}"
    assert (f"Avis de {other.full_name}" in response.text) == (sees == SEES)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("reader", READERS)
def test_grid_export(client, client_for, jury, reader, state):
    other = _prepare(jury, reader, state)
    status, sees = GRID_EXPORT[(reader, state)]
    http = _client(client, client_for, jury, reader)
    token = http.token("/connexion" if reader == "anonymous" else "/")
    response = http.post(f"/depots/{jury.submission.id}/exports",
                         data={"csrf_token": token, "kind": "grille", "format": "docx"})
    assert response.status_code == status, f"{reader} {state}"
    if status != 303:
        return
    job_id = re.search(r"/taches/([0-9a-f-]+)", response.headers["Location"]).group(1)
    download = http.get(f"/exports/{job_id}/fichier")
    assert download.status_code == DOWNLOADED
    if DOWNLOADED == 302:
        return  # presigned URL: the content is checked in the embedded pass
    word = WordDocument(io.BytesIO(download.data))
    text = "\n".join(cell.text for table in word.tables for row in table.rows for cell in row.cells)
    assert (f"Avis de {other.full_name}" in text) == (sees == SEES), f"{reader} {state}"
    assert "Critère 1 du bloc 1" in text  # the criteria are there, blank or not
