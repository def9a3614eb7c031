"""The candidate's portfolio page."""
from __future__ import annotations

import re

from evidence.models import EvidenceStatus
from extensions import db
from tests import factories


def test_the_evidence_table_says_each_evidence_s_status(as_candidate):
    portfolio = factories.make_portfolio(as_candidate.user)
    draft = factories.make_evidence(portfolio, title="Journal du pare-feu")
    ready = factories.make_evidence(portfolio, title="Schéma du réseau")
    ready.status = EvidenceStatus.READY.value
    db.session.commit()

    page = as_candidate.get(f"/portefeuilles/{portfolio.id}").text
    rows = {title: status for title, status in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th><td>([^<]*)</td>', page)}
    assert rows == {draft.title: "Brouillon", ready.title: "Prête pour relecture"}
