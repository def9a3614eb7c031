"""The juror's review page shows, under each criterion, the excerpt of each anchored claim: the
highlighted lines with context, the cropped region, the PDF pages as thumbnails."""
from __future__ import annotations

import io
import re
from html import unescape

from PIL import Image

from evidence import excerpts
from tests.excerpts.world import GREEN, anchored_jury


def article_of(html: str, criterion_id: int) -> str:
    start = html.index(f'id="critere-{criterion_id}"')
    end = html.find("<article", start + 10)
    return html[start:end if end != -1 else None]


def test_the_juror_sees_the_three_excerpts_under_their_criteria(make_user, client_for):
    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    juror = client_for(world.juror)
    page = juror.get(f"/jury/affectations/{world.assignment.id}")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))

    lines = article_of(html, world.criteria[0].id)
    assert "Extrait : lignes 120–124" in lines
    numbers = re.findall(r'<tr class="anchored"><th scope="row">(\d+)', lines)
    assert numbers == ["120", "121", "122", "123", "124"]
    assert "événement 000120 : connexion acceptée" in lines
    assert "événement 000117" in lines and "événement 000127" in lines  # context
    assert "événement 000116" not in lines and "événement 000128" not in lines

    region = article_of(html, world.criteria[1].id)
    crop_url = f"/versions/{world.png.id}/zones/5000-0-2500-5000.png"
    assert f'src="{crop_url}"' in region
    assert "Zone de l'image de « capture.png »" in region  # the alt text
    assert f'href="/versions/{world.png.id}/miniature?taille=grande"' in region  # the whole image
    crop = juror.get(crop_url)
    assert crop.status_code == 200 and crop.mimetype == "image/png"
    picture = Image.open(io.BytesIO(crop.get_data())).convert("RGB")
    assert picture.getpixel((picture.width // 2, picture.height // 2)) == GREEN

    pages = article_of(html, world.criteria[2].id)
    assert "Extrait : pages 3–4" in pages
    for number in (3, 4):
        assert f'src="/versions/{world.pdf.id}/pages/{number}?taille=petite"' in pages
        assert f'href="/versions/{world.pdf.id}/pages/{number}?taille=grande"' in pages
    thumbnail = juror.get(f"/versions/{world.pdf.id}/pages/3?taille=petite")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/png"
    assert juror.get(f"/versions/{world.pdf.id}/pages/13").status_code == 404  # 12 pages


def test_the_excerpt_is_the_frozen_one_even_when_the_anchor_moves_later(make_user, client_for):
    from evidence.anchors import Spot, replace_anchor

    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    replace_anchor(world.claims[0].anchors[0], Spot("lines", line_start=300, line_end=301), by=world.candidate)
    html = unescape(client_for(world.juror).get(f"/jury/affectations/{world.assignment.id}").get_data(as_text=True))
    lines = article_of(html, world.criteria[0].id)
    assert "Extrait : lignes 120–124" in lines and "lignes 300–301" not in lines


def test_a_missing_file_shows_a_french_message_not_an_error_page(make_user, client_for):
    from storage.access import object_store

    excerpts.clear_memory_cache()
    world = anchored_jury(make_user)
    object_store().delete(world.log.object_key)
    page = client_for(world.juror).get(f"/jury/affectations/{world.assignment.id}")
    assert page.status_code == 200
    assert "Le fichier de cet extrait est introuvable dans le stockage" in unescape(page.get_data(as_text=True))


def test_another_juror_cannot_read_the_crop(make_user, client_for):
    from accounts.models import Role

    world = anchored_jury(make_user)
    stranger = client_for(make_user(Role.JUROR))
    assert stranger.get(f"/versions/{world.png.id}/zones/5000-0-2500-5000.png").status_code == 403
    assert stranger.get(f"/versions/{world.pdf.id}/pages/3").status_code == 403
