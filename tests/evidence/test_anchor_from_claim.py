"""The anchor choice is reachable from where the candidate writes the claim: a "Rattacher puis
désigner un extrait" button in the claim form leads straight to it; a plain save comes back to the
claim's row, which offers "Désigner un extrait". Plain forms and links: no JavaScript needed (the
criteria search works without htmx too, as a full page)."""
from __future__ import annotations

import re

from sqlalchemy import select

from accounts.models import Role
from evidence.models import Claim
from extensions import db
from tests import factories
from tests.excerpts.samples import numbered_log


def _setup(make_user, client_for, with_file: bool = True):
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio, title="Exploitation du serveur")
    if with_file:
        factories.add_version(evidence, numbered_log(30), "exploitation.log", "text/plain")
    db.session.commit()
    criteria = portfolio.certification.blocs[0].evaluations[0].criteria
    return client_for(candidate), evidence, criteria


def test_the_claim_form_offers_to_designate_an_excerpt_without_js(app_ctx, make_user, client_for):
    client, evidence, criteria = _setup(make_user, client_for)
    # The criteria search as a plain GET (no htmx): a full page holding the claim forms.
    search = client.get(f"/preuves/{evidence.id}/criteres?q=CE1").text
    assert "<html" in search.lower()
    assert re.search(r'<button type="submit" name="ensuite" value="extrait" class="secondary">Rattacher puis désigner un extrait'
                     r'<span class="visually-hidden"> \(BC01 · CE1\)</span></button>', search)

    response = client.submit(f"/preuves/{evidence.id}/rattachements",
                             {"criterion_id": criteria[0].id, "justification": "Les journaux sont analysés.", "ensuite": "extrait"},
                             token_from=f"/preuves/{evidence.id}")
    claim = db.session.scalar(select(Claim))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rattachements/{claim.id}/extraits/nouveau")
    form = client.get(response.headers["Location"])
    assert form.status_code == 200
    assert "Désigner un extrait" in form.text and "Première ligne" in form.text  # the only file: its line fields
    assert "Preuve rattachée au critère BC01 · CE1." in form.text


def test_a_saved_claim_comes_back_to_its_row_with_the_action(app_ctx, make_user, client_for):
    client, evidence, criteria = _setup(make_user, client_for)
    response = client.submit(f"/preuves/{evidence.id}/rattachements",
                             {"criterion_id": criteria[1].id, "justification": "La règle est visible."},
                             token_from=f"/preuves/{evidence.id}")
    claim = db.session.scalar(select(Claim))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/preuves/{evidence.id}?rattache={claim.id}#rattachement-{claim.id}")
    page = client.get(response.headers["Location"]).text
    assert "Preuve rattachée au critère BC01 · CE2." in page
    row = page.split(f'<tr id="rattachement-{claim.id}">', 1)[1].split("</tr>", 1)[0]
    assert "Critère rattaché. Montrez au jury où se trouve la preuve" in row
    assert (f'<a href="/rattachements/{claim.id}/extraits/nouveau" class="button secondary">Désigner un extrait'
            f'<span class="visually-hidden"> pour le critère BC01 · CE2</span></a>') in row
    # Later visits: the row keeps the action, without the prompt.
    later = client.get(f"/preuves/{evidence.id}").text
    row = later.split(f'<tr id="rattachement-{claim.id}">', 1)[1].split("</tr>", 1)[0]
    assert "Critère rattaché." not in row and f'href="/rattachements/{claim.id}/extraits/nouveau"' in row


def test_no_excerpt_button_while_the_evidence_has_no_file(app_ctx, make_user, client_for):
    client, evidence, _ = _setup(make_user, client_for, with_file=False)
    search = client.get(f"/preuves/{evidence.id}/criteres?q=CE1").text
    assert "Rattacher à BC01 · CE1" in search and "Rattacher puis désigner un extrait" not in search


def test_the_choice_survives_the_existing_claim_question(app_ctx, make_user, client_for):
    """Claiming a criterion already claimed asks what to do with the justification first; then the
    candidate still lands on the anchor choice."""
    client, evidence, criteria = _setup(make_user, client_for)
    url, data = f"/preuves/{evidence.id}/rattachements", {"criterion_id": criteria[0].id, "justification": "Première."}
    client.submit(url, data, token_from=f"/preuves/{evidence.id}")
    conflict = client.submit(url, {**data, "justification": "Seconde.", "ensuite": "extrait"}, token_from=f"/preuves/{evidence.id}")
    assert conflict.status_code == 409
    assert '<input type="hidden" name="ensuite" value="extrait">' in conflict.text
    chosen = client.submit(url, {**data, "justification": "Seconde.", "ensuite": "extrait", "on_existing": "keep"},
                           token_from=f"/preuves/{evidence.id}")
    claim = db.session.scalar(select(Claim))
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith(f"/rattachements/{claim.id}/extraits/nouveau")
