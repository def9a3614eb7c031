"""The tutor's view (the evidence page) and the candidate's coverage matrix show the same excerpts
as the juror, cut from the live anchors."""
from __future__ import annotations

import re
from html import unescape

from evidence import excerpts
from tests.excerpts.world import anchored_jury


def test_the_tutor_sees_the_excerpts_on_the_evidence_page(make_user, client_for):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    page = client_for(world.tutor).get(f"/preuves/{world.evidence.id}")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert "Extrait : lignes 120–124" in html
    assert re.findall(r'<tr class="anchored"><th scope="row">(\d+)', html) == ["120", "121", "122", "123", "124"]
    assert f'src="/versions/{world.png.id}/zones/5000-0-2500-5000.png"' in html
    assert f'src="/versions/{world.pdf.id}/pages/3?taille=petite"' in html
    assert client_for(world.tutor).get(f"/versions/{world.png.id}/zones/5000-0-2500-5000.png").status_code == 200


def test_the_candidate_sees_the_excerpts_in_the_coverage_matrix(make_user, client_for):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    page = client_for(world.candidate).get(f"/portefeuilles/{world.portfolio.id}")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    matrix = html[html.index('id="matrice"'):]
    assert matrix.count('<details class="claim-excerpts-folded">') == 3
    assert "Extrait : lignes 120–124" in matrix
    assert "événement 000120 : connexion acceptée" in matrix
    assert f'src="/versions/{world.pdf.id}/pages/4?taille=petite"' in matrix


def test_live_excerpts_follow_a_moved_anchor(make_user, client_for):
    from evidence.anchors import Spot, replace_anchor

    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    replace_anchor(world.claims[0].anchors[0], Spot("lines", line_start=300, line_end=301), by=world.candidate)
    html = unescape(client_for(world.candidate).get(f"/preuves/{world.evidence.id}").get_data(as_text=True))
    assert "Extrait : lignes 300–301" in html
