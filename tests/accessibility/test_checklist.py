"""The deliverables checklist shows what is still unmet (and what this evidence provides); what other
evidence already provides folds under "voir tout", still part of the form (no JavaScript needed)."""
from __future__ import annotations

import re

from accounts.models import Role
from tests import factories


def _checkboxes(html: str) -> list[str]:
    return re.findall(r'<input[^>]*type="checkbox"[^>]*value="(\d+)"', html)


def test_met_deliverables_fold_under_voir_tout(client_for, make_user):
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    deliverables = [d for b in portfolio.certification.blocs for e in b.evaluations for d in e.deliverables]
    first, second = factories.make_evidence(portfolio, title="Plan"), factories.make_evidence(portfolio, title="Journal")
    client = client_for(candidate)
    response = client.submit(f"/preuves/{first.id}/livrables", {"deliverables": [str(deliverables[0].id)]},
                             token_from=f"/preuves/{first.id}")
    assert response.status_code in (302, 303)

    page = client.get(f"/preuves/{second.id}").text
    top, rest = page.split('<details class="checklist-rest">')
    rest = rest.split("</details>")[0]
    assert "Voir tout : 1 livrable(s) déjà fourni(s) par d'autres preuves" in rest
    assert _checkboxes(rest) == [str(deliverables[0].id)]
    assert str(deliverables[0].id) not in _checkboxes(top.split('id="livrables"')[1])
    assert len(_checkboxes(top.split('id="livrables"')[1])) == len(deliverables) - 1

    own = client.get(f"/preuves/{first.id}").text
    assert '<details class="checklist-rest">' not in own  # its own deliverable stays in view, checked
    checked = re.findall(r'<input[^>]*checked[^>]*type="checkbox"[^>]*value="(\d+)"', own)
    assert checked == [str(deliverables[0].id)]
