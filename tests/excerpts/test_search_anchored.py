"""Search results that fall inside an anchored excerpt say which claim and criterion they support:
live anchors for today's portfolio, the snapshot's anchors inside a submitted dossier."""
from __future__ import annotations

from html import unescape

from evidence import excerpts
from tests.excerpts.world import anchored_jury


def results_of(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return " ".join(unescape(page.get_data(as_text=True)).split())


def test_a_result_inside_anchored_lines_names_its_criterion(search_app, make_user, client_for):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user, extract=True)
    candidate = client_for(world.candidate)
    inside = results_of(candidate, "/recherche?q=000122")
    assert "exploitation.log" in inside
    assert (f"Dans l'extrait désigné (lignes 120–124) à l'appui du critère <strong>{world.criteria[0].label}</strong>") in inside
    assert "Les journaux sont analysés." in inside
    outside = results_of(candidate, "/recherche?q=000300")
    assert "exploitation.log" in outside
    assert "Dans l'extrait désigné" not in outside


def test_a_result_inside_anchored_pdf_pages(search_app, make_user, client_for):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user, extract=True)
    found = results_of(client_for(world.candidate), "/recherche?q=" + "Schéma")
    assert f"Dans l'extrait désigné (pages 3–4) à l'appui du critère <strong>{world.criteria[2].label}</strong>" in found


def test_inside_a_submitted_dossier_the_snapshot_anchor_is_named(search_app, make_user, client_for):
    from evidence.anchors import Spot, replace_anchor

    excerpts.clear_memory_cache()
    world = anchored_jury(make_user, extract=True)
    # Moved after submission: the dossier's search still names the frozen lines.
    replace_anchor(world.claims[0].anchors[0], Spot("lines", line_start=300, line_end=301), by=world.candidate)
    found = results_of(client_for(world.juror), f"/depots/{world.submission.id}/recherche?q=000122")
    assert f"Dans l'extrait désigné (lignes 120–124) à l'appui du critère <strong>{world.criteria[0].label}</strong>" in found
