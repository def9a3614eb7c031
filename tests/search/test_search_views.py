"""The search pages: full page and htmx fragment, filters limited to what the user may see,
friendly messages for every odd query, and the faults users can meet (no OCR, no index).

The `world` of tests/search/conftest.py is indexed as the factories commit.
"""
from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from extensions import db
from portfolio.submissions import submit_portfolio
from tests import factories




def page(client, url, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    return [unescape(label).strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", match.group(1))] if match else []


def test_search_page_has_a_labelled_live_search_box_that_works_without_javascript(world, client_for):
    html = page(client_for(world["candidate_a"]), "/recherche")
    assert '<label for="q">' in html
    box = re.search(r'<input type="search" id="q"[^>]*>', html, re.S).group(0)
    assert 'hx-trigger="input changed delay:300ms, search"' in box
    assert "hx-get=" in box and 'hx-push-url="true"' in box
    assert re.search(r'<form method="get" action="/recherche"', html)
    assert '<button type="submit">Rechercher</button>' in html
    assert "Tapez des mots dans la zone de recherche" in html


def test_results_link_to_the_matched_version(world, client_for):
    html = page(client_for(world["candidate_a"]), "/recherche?q=journal+des+%C3%A9v%C3%A9nements")
    evidence, version = world["evidence_a"], world["version_a"]
    assert f'href="/preuves/{evidence.id}#version-{version.id}"' in html
    assert "pare-feu.log" in html
    assert "<mark>" in html
    assert "1 résultat pour" in html


def test_htmx_request_gets_only_the_results_fragment(world, client_for):
    client = client_for(world["candidate_a"])
    fragment = page(client, "/recherche?q=DENY", **{"HX-Request": "true"})
    assert "<html" not in fragment and 'id="q"' not in fragment
    assert "<mark>DENY</mark>" in fragment
    assert "&lt;script&gt;" in fragment and "<script>alert" not in fragment
    restored = page(client, "/recherche?q=DENY", **{"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "Tapez un ou plusieurs mots à chercher"),
        ("le+la+les", "ne contient que des mots trop courants"),
        ("%2A", "« * » seul ne désigne aucun mot"),
        ("%22journal+des+%C3%A9v%C3%A9nements", "Un guillemet n'était pas fermé"),
        ("pare-feu", "1 résultat pour"),
        ("%C2%AB+%C2%BB+(+)+-+%3A", "Rien à chercher"),
        ("zzzzinconnu", "Aucun résultat"),
    ],
)
def test_odd_queries_get_a_helpful_page(world, client_for, query, expected):
    html = unescape(page(client_for(world["candidate_a"]), f"/recherche?q={query}"))
    assert expected in html


def test_ten_thousand_character_query_is_truncated_with_a_notice(world, client_for):
    html = page(client_for(world["candidate_a"]), "/recherche?q=" + "journal+" * 1250)
    assert "Votre recherche était trop longue" in html
    assert "1 résultat pour" in html


def test_filters_only_offer_what_the_user_may_see(world, client_for):
    candidate_html = page(client_for(world["candidate_a"]), "/recherche?q=commun")
    assert options(candidate_html, "candidat") == []  # only themself: no choice to make
    assert not any("RNCP-B" in o for o in options(candidate_html, "bloc") + options(candidate_html, "critere"))
    assert any("RNCP-A/BC01/E1/CE1" in o for o in options(candidate_html, "critere"))
    admin_html = page(client_for(world["admin"]), "/recherche?q=commun")
    assert options(admin_html, "candidat") == ["Tous les candidats", "Alice Martin", "Bruno Petit"]
    assert len(options(admin_html, "certification")) == 3


def test_forged_filter_values_reveal_nothing(world, client_for):
    client = client_for(world["candidate_a"])
    html = page(client, f"/recherche?q=zanzibarique&candidat={world['candidate_b'].id}"
                         f"&certification={world['other_certification'].id}")
    assert "Aucun résultat" in html and "zanzibarique du serveur" not in html


def test_type_filter_and_counts(world, client_for):
    client = client_for(world["admin"])
    html = page(client, "/recherche?q=commun&type=image")
    assert "Aucun résultat" in html
    assert "Retirez des filtres" in html
    html = page(client, "/recherche?q=commun&type=texte")
    assert "2 résultats pour" in html


def test_pagination_links(world, client_for):
    for n in range(23):
        factories.make_evidence(world["portfolio_a"], title=f"Relevé de température {n}")
    client = client_for(world["candidate_a"])
    html = page(client, "/recherche?q=temp%C3%A9rature")
    assert "page 1 sur 2" in html and "Page suivante" in html
    assert 'hx-get="/recherche?q=temp%C3%A9rature&amp;page=2"' in html
    second = page(client, "/recherche?q=temp%C3%A9rature&page=2")
    assert "Page précédente" in second and '<ol class="search-hits" start="21">' in second


def test_missing_tesseract_is_announced(world, client_for, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "bin-without-tesseract"))
    html = unescape(page(client_for(world["candidate_a"]), "/recherche"))
    assert "OCR indisponible : tesseract n'est pas installé" in html
    assert "le texte des captures d'écran et des photos n'est pas cherchable" in html


def test_failed_extraction_is_explained_on_the_result(world, client_for, monkeypatch, tmp_path):
    from search.extraction import extract_version

    monkeypatch.setenv("PATH", str(tmp_path / "bin-without-tesseract"))
    evidence = factories.make_evidence(world["portfolio_a"], title="Capture de la supervision")
    version = factories.add_version(evidence, factories.text_png(["Alerte"]), "supervision.png", "image/png")
    extract_version(version)
    db.session.commit()
    html = unescape(page(client_for(world["candidate_a"]), "/recherche?q=supervision"))
    assert "Le texte de ce fichier n'a pas pu être lu : OCR indisponible : tesseract n'est pas installé" in html


def test_deleted_index_shows_a_message_not_an_error(world, client_for, search_app, whoosh_only):
    shutil.rmtree(search_app.config["SEARCH_INDEX_DIR"])
    client = client_for(world["candidate_a"])
    html = unescape(page(client, "/recherche?q=journal"))
    assert "L'index de recherche est absent : lancez « flask search reindex »." in html
    fragment = unescape(page(client, "/recherche?q=journal", **{"HX-Request": "true"}))
    assert "L'index de recherche est absent" in fragment


def test_submission_search_page(text_version, world, client_for):
    submission = submit_portfolio(world["portfolio_a"], world["candidate_a"])
    text_version(world["evidence_a"], "Ajout tardif : ornithorynque.", "pare-feu.log", file=world["version_a"].file)
    client = client_for(world["tutor"])
    url = f"/depots/{submission.id}/recherche"
    html = page(client, url + "?q=DENY")
    assert f"Recherche dans le dépôt n°{submission.number}" in html
    assert f'action="{url}"' in html
    assert "1 résultat pour" in html
    assert "Aucun résultat" in page(client, url + "?q=ornithorynque")
    assert client.get("/depots/999999/recherche?q=DENY").status_code == 404


def test_other_candidate_cannot_open_a_dossier_search(world, client_for):
    submission = submit_portfolio(world["portfolio_a"], world["candidate_a"])
    client = client_for(world["candidate_b"])
    assert client.get(f"/depots/{submission.id}/recherche?q=DENY").status_code == 403
