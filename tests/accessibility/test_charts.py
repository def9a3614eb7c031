"""Pictures where people would rather look: SVG charts drawn by the server, the same figures in a table."""
from __future__ import annotations

import re

from tests import factories


def _table(html: str, caption: str) -> list[list[str]]:
    table = re.search(r"<table class=\"chart-figures\">\s*<caption>" + re.escape(caption) + r".*?</table>", html, re.S).group(0)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_the_portfolio_draws_its_coverage_per_bloc(client_for, make_user):
    from accounts.models import Role

    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio)
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    page = client_for(candidate).get(f"/portefeuilles/{portfolio.id}/couverture").text
    rows = _table(page, "Critères par bloc : les chiffres")
    assert rows[0] == ["Bloc", "Couvert et validé", "Couvert", "Preuves à reprendre", "Aucune preuve", "Total"]
    assert rows[1:] == [["BC01", "0", "1", "0", "2", "3"], ["BC02", "0", "0", "0", "3", "3"]]
    drawing = re.search(r'<svg class="chart-drawing".*?</svg>', page, re.S).group(0)
    assert 'aria-hidden="true"' in drawing and drawing.count('class="s-covered"') >= 2  # a bar and the legend
    strip = re.findall(r'<svg class="criteria-strip".*?</svg>', page, re.S)
    assert len(strip) == 2 and strip[0].count("<rect") == 3 and "BC01 · CE1 : Couvert" in strip[0]


def test_the_session_draws_grids_decisions_and_agreement(client_for, jury):
    from grading import decisions

    factories.grade_all(jury, jury.president)
    overrides = {jury.criteria[0].id: "not_acquired"}
    factories.grade_all(jury, jury.juror, overrides=overrides)
    decisions.start_deliberation(jury.session, actor=jury.president)
    decisions.decide(jury.assignment, jury.session.blocs[1], "validated", "Tout est acquis", actor=jury.president)
    page = client_for(jury.admin).get(f"/jury/sessions/{jury.session.id}").text
    assert _table(page, "Avancement des grilles : les chiffres")[1] == ["Camille Candidate", "2", "0", "2"]
    blocs = _table(page, "Décisions par bloc : les chiffres")
    assert blocs[1] == ["BC01", "0", "0", "0", "1", "1"] and blocs[2] == ["BC02", "1", "0", "0", "0", "1"]
    total = len(jury.criteria)
    assert _table(page, "Accord entre les jurés : les chiffres")[1] == ["Camille Candidate", str(total - 1), "1", str(total)]
    assert page.count('<svg class="chart-drawing"') == 3


def test_a_juror_reads_the_agreement_only_once_their_grid_is_in(client_for, jury):
    factories.grade_all(jury, jury.president)
    waiting = client_for(jury.juror).get(f"/jury/sessions/{jury.session.id}").text
    assert "1 candidat(s) non affiché(s)" in waiting
    assert "Accord entre les jurés : les chiffres" not in waiting
    factories.grade_all(jury, jury.juror)
    done = client_for(jury.juror).get(f"/jury/sessions/{jury.session.id}").text
    assert _table(done, "Accord entre les jurés : les chiffres")[1][0] == "Camille Candidate"
