"""Choosing an excerpt through the app, as a plain form (what the page does without JavaScript):
the fields of the file's kind, the chosen excerpt shown before saving, French refusals."""
from __future__ import annotations

import pytest

from evidence.models import ClaimAnchor
from extensions import db
from tests.evidence.anchor_samples import anchored_world


@pytest.fixture()
def files(app_ctx, make_user):
    return anchored_world(make_user)


@pytest.fixture()
def browser(files, client_for):
    return client_for(files.candidate)


def _new(files, version) -> str:
    return f"/rattachements/{files.claim.id}/extraits/nouveau?version={version.id}"


def _anchors():
    return [(a.kind, a.version_id, a.location) for a in db.session.scalars(db.select(ClaimAnchor).order_by(ClaimAnchor.id))]


def test_the_evidence_page_offers_to_choose_an_excerpt(files, browser):
    page = browser.get(f"/preuves/{files.evidence.id}")
    assert "Renvoie au fichier entier." in page.text
    picker = browser.get(f"/rattachements/{files.claim.id}/extraits/nouveau")
    assert picker.status_code == 200
    for name in ("exploitation.log", "schema.pdf", "capture.png", "inventaire.xlsx"):
        assert name in picker.text


def test_each_kind_shows_its_labelled_fields(files, browser):
    log = browser.get(_new(files, files.log)).text
    assert 'for="line_start">Première ligne' in log and 'for="line_end">Dernière ligne' in log
    assert "Le fichier compte 500 lignes" in log and 'data-line="200"' in log and 'data-line="201"' not in log
    assert 'data-line="201"' in browser.get(_new(files, files.log) + "&depuis=201").text
    pdf = browser.get(_new(files, files.pdf)).text
    assert "Le document compte 30 pages." in pdf and 'for="page_start">Première page' in pdf
    png = browser.get(_new(files, files.png)).text
    assert 'for="x">Bord gauche de la zone (% de la largeur)' in png and 'for="height">Hauteur de la zone' in png
    xlsx = browser.get(_new(files, files.xlsx)).text
    assert '<option value="Inventaire">Inventaire</option>' in xlsx and 'name="kind" value="cells"' in xlsx


def test_a_line_number_followed_without_javascript_fills_the_fields(files, browser):
    page = browser.get(_new(files, files.log) + "&debut=42").text
    assert 'id="line_start" name="line_start" type="number" value="42"' in page or 'value="42"' in page
    assert 'class="is-chosen"' in page


def test_lines_are_saved_and_listed_on_the_evidence_page(files, browser):
    page = browser.get(_new(files, files.log))
    response = browser.post(_new(files, files.log), data={
        "csrf_token": page.csrf_token, "kind": "lines", "line_start": "120", "line_end": "134", "enregistrer": "1",
    })
    assert response.status_code == 303
    assert _anchors() == [("lines", files.log.id, {"line_start": 120, "line_end": 134})]
    shown = browser.get(f"/preuves/{files.evidence.id}").text
    assert "Extrait enregistré pour le critère" in shown
    assert "lignes 120–134 de exploitation.log (version 1)" in shown


def test_a_region_typed_in_percent_is_kept_as_fractions(files, browser):
    page = browser.get(_new(files, files.png))
    response = browser.post(_new(files, files.png), data={
        "csrf_token": page.csrf_token, "kind": "region", "x": "10", "y": "20,5", "width": "50", "height": "25", "enregistrer": "1",
    })
    assert response.status_code == 303, response.text
    assert _anchors() == [("region", files.png.id, {"x": 0.1, "y": 0.205, "width": 0.5, "height": 0.25})]


def test_cells_and_pages(files, browser):
    token = browser.get(_new(files, files.xlsx)).csrf_token
    assert browser.post(_new(files, files.xlsx), data={
        "csrf_token": token, "kind": "cells", "sheet": "Inventaire", "cells": "B2:D40", "enregistrer": "1"}).status_code == 303
    assert browser.post(_new(files, files.pdf), data={
        "csrf_token": token, "kind": "pages", "page_start": "3", "page_end": "4", "enregistrer": "1"}).status_code == 303
    assert [a[0] for a in _anchors()] == ["cells", "pages"]


@pytest.mark.parametrize("version, data, message", [
    ("log", {"kind": "lines", "line_start": "9000", "line_end": "9000"},
     "La ligne 9\u00a0000 n'existe pas : « exploitation.log » (version 1) compte 500 lignes."),
    ("pdf", {"kind": "pages", "page_start": "31", "page_end": "31"},
     "La page 31 n'existe pas : « schema.pdf » (version 1) compte 30 pages."),
    ("png", {"kind": "region", "x": "90", "y": "0", "width": "20", "height": "10"},
     "La zone dépasse le bord de l'image : réduisez sa largeur ou sa hauteur."),
    ("png", {"kind": "region", "x": "-5", "y": "0", "width": "20", "height": "10"},
     "La zone sort de l'image : chaque valeur doit être comprise entre 0 et 100 %."),
    ("xlsx", {"kind": "cells", "sheet": "Budget", "cells": "A1"},
     "La feuille « Budget » n'existe pas dans « inventaire.xlsx » : choisissez parmi Inventaire, Notes."),
    ("log", {"kind": "lines", "line_start": "douze"}, "Des valeurs ne sont pas des nombres"),
])
def test_refusals_are_shown_in_french_and_nothing_is_saved(files, browser, version, data, message):
    target = getattr(files, version)
    token = browser.get(_new(files, target)).csrf_token
    response = browser.post(_new(files, target), data={"csrf_token": token, "enregistrer": "1", **data})
    assert response.status_code == 422
    assert message in response.text
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _anchors() == []


def test_the_chosen_excerpt_is_shown_before_it_is_saved(files, browser):
    token = browser.get(_new(files, files.log)).csrf_token
    response = browser.post(_new(files, files.log), data={
        "csrf_token": token, "kind": "lines", "line_start": "120", "line_end": "122", "apercu": "1",
    })
    assert response.status_code == 200
    assert "Extrait choisi, pas encore enregistré : lignes 120–122" in response.text
    assert "srv-01 sshd[121]: événement 121" in response.text
    assert _anchors() == []
    # The fields keep the choice: saving it is one more click.
    assert 'value="120"' in response.text and 'value="122"' in response.text


def test_change_then_remove(files, browser):
    token = browser.get(_new(files, files.pdf)).csrf_token
    browser.post(_new(files, files.pdf), data={"csrf_token": token, "kind": "pages", "page_start": "3", "enregistrer": "1"})
    (anchor,) = db.session.scalars(db.select(ClaimAnchor)).all()
    edit = browser.get(f"/extraits/{anchor.id}/modifier")
    assert 'value="3"' in edit.text
    assert browser.post(f"/extraits/{anchor.id}/modifier", data={
        "csrf_token": token, "version": files.pdf.id, "kind": "pages", "page_start": "5", "page_end": "6", "enregistrer": "1",
    }).status_code == 303
    assert _anchors() == [("pages", files.pdf.id, {"page_start": 5, "page_end": 6})]
    assert browser.post(f"/extraits/{anchor.id}/supprimer", data={"csrf_token": token}).status_code == 303
    assert _anchors() == []
    assert "Le critère renvoie de nouveau au fichier entier." in browser.get(f"/preuves/{files.evidence.id}").text
