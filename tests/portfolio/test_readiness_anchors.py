"""The readiness summary warns about excerpts still pointing to an older version of a file that has
a newer one, leads to the evidence page where the move is proposed, and its token follows them
(like the other warnings the candidate confirms). Through the real app, as the candidate."""
from __future__ import annotations

import re

from accounts.models import Role
from evidence.anchors import Spot, add_anchor, replace_anchor
from extensions import db
from tests import factories
from tests.excerpts.samples import numbered_log


def _token(html: str) -> str:
    return re.search(r'name="recapitulatif" value="([0-9a-f]+)"', html).group(1)


def test_the_summary_warns_about_excerpts_on_an_older_version(app_ctx, make_user, client_for):
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Exploitation du serveur")
    v1 = factories.add_version(evidence, numbered_log(50), "exploitation.log", "text/plain")
    other = factories.make_evidence(portfolio, title="Schéma du réseau")
    factories.add_version(other, numbered_log(20), "notes.txt", "text/plain")
    criteria = portfolio.certification.blocs[0].evaluations[0].criteria
    claims = [factories.claim(evidence, c, "Les journaux sont analysés.") for c in criteria[:3]]
    factories.claim(other, criteria[0], "Le schéma est complet.")
    anchors = [add_anchor(claim, v1, Spot("lines", line_start=n, line_end=n + 2), by=candidate)
               for claim, n in zip(claims, (5, 10, 20))]
    client = client_for(candidate)
    prepare = f"/portefeuilles/{portfolio.id}/depot"

    before = client.get(prepare).text
    assert "désignent une version antérieure" not in before
    assert "Extraits sur une version antérieure de leur fichier</th><td>Aucun" in before

    v2 = factories.add_version(evidence, numbered_log(60), "exploitation.log", "text/plain", file=v1.file)
    db.session.commit()
    warned = client.get(prepare).text
    assert "3 extraits désignent une version antérieure : déplacez-les ou confirmez" in warned
    link = f'href="/preuves/{evidence.id}#extraits-a-deplacer">Preuve n°1 : Exploitation du serveur</a> — 3 extraits à déplacer'
    assert link in warned
    assert "Preuve n°2 : Schéma du réseau</a> —" not in warned  # its file has one version only
    assert _token(warned) != _token(before)

    # The link leads to the evidence page, where each move is proposed.
    evidence_page = client.get(f"/preuves/{evidence.id}").text
    assert 'id="extraits-a-deplacer"' in evidence_page
    assert all(f"/extraits/{a.id}/modifier?version={v2.id}" in evidence_page for a in anchors)

    # A confirmation given on the summary without the warning is refused.
    stale = client.submit(f"/portefeuilles/{portfolio.id}/depots", {"recapitulatif": _token(before), "confirm": "oui"},
                          token_from=prepare, follow_redirects=True)
    assert "Votre portefeuille a changé depuis le récapitulatif" in stale.text

    replace_anchor(anchors[0], Spot("lines", line_start=5, line_end=7), version=v2, by=candidate)
    one_left = client.get(prepare).text
    assert "2 extraits désignent une version antérieure : déplacez-les ou confirmez" in one_left
    for anchor in anchors[1:]:
        replace_anchor(anchor, Spot("lines", line_start=anchor.line_start, line_end=anchor.line_end), version=v2, by=candidate)
    moved = client.get(prepare).text
    assert "version antérieure :" not in moved
    assert _token(moved) == _token(before)  # no such warning: the same facts as before the new version
