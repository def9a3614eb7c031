"""Previews of schemas and Word files (issue 17, item 7): an SVG is drawn to a PNG by the server
after its scripts, external references and entities are removed; a Word or OpenDocument text is
shown as pages of escaped text on the evidence preview. Both are read by the dossier's own code
(documents/embedded.py, documents/office.py)."""
from __future__ import annotations

import io
import socket
import threading
import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_BREAK
from PIL import Image

from documents.embedded import sanitise_svg
from tests.evidence.samples import fragment, uploaded


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it (none expected)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self):
        self.socket.close()


@pytest.fixture()
def listener():
    server = Listener()
    yield server
    server.close()


def hostile_svg(port: int) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd"><!ENTITY far SYSTEM "http://127.0.0.1:{port}/entity">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100" onload="alert(1)">
  <style>@import url(http://127.0.0.1:{port}/style.css); rect {{ fill: url(http://127.0.0.1:{port}/fill); }}</style>
  <script>alert(document.cookie)</script>
  <rect x="0" y="0" width="200" height="100" style="fill:#d01010" onclick="alert(2)"/>
  <image x="0" y="0" width="50" height="50" xlink:href="http://127.0.0.1:{port}/image.png"/>
  <image x="50" y="0" width="50" height="50" href="file:///etc/passwd"/>
  <use xlink:href="http://127.0.0.1:{port}/defs.svg#x"/>
  <foreignObject width="100" height="50"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="http://127.0.0.1:{port}/"/></body></foreignObject>
  <text x="10" y="90">&secret;&far;Routeur</text>
</svg>""".encode()


def test_sanitising_removes_scripts_external_references_and_entities(listener):
    clean = sanitise_svg(hostile_svg(listener.port))[0].decode()
    for gone in ("<script", "alert(", "onload", "onclick", "<image", "foreignObject", "iframe", "ENTITY",
                 "DOCTYPE", "file://", "http://127.0.0.1", "@import", "root:"):
        assert gone not in clean, gone
    assert "<rect" in clean and "Routeur" in clean and "#d01010" in clean


def test_an_svg_schema_is_shown_as_a_png_and_nothing_is_fetched(workspace, listener):
    version = uploaded(workspace, hostile_svg(listener.port), "topologie.svg")
    html = fragment(workspace, version)
    assert "<svg" not in html and "alert(" not in html
    assert f'src="/versions/{version.id}/miniature?taille=grande"' in html and "Aperçu du schéma topologie.svg" in html
    on_evidence_page = workspace.client.get(f"/preuves/{workspace.evidence.id}").get_data(as_text=True)
    assert f'src="/versions/{version.id}/miniature?taille=petite"' in on_evidence_page and "<svg" not in on_evidence_page
    for size, side in (("petite", 400), ("grande", 1200)):
        response = workspace.client.get(f"/versions/{version.id}/miniature?taille={size}")
        assert response.status_code == 200 and response.content_type == "image/png"
        image = Image.open(io.BytesIO(response.data)).convert("RGB")
        assert max(image.size) == side and image.size[0] == 2 * image.size[1]  # 200 × 100 drawn to scale
        red, green, blue = image.getpixel((image.size[0] // 2, image.size[1] // 4))
        assert red > 180 and green < 80 and blue < 80  # the rectangle really was drawn
    assert listener.connections == 0
    page = workspace.client.get(f"/versions/{version.id}/apercu")
    assert "<html" in page.text and "miniature?taille=grande" in page.text


def test_a_broken_svg_gets_the_placeholder(workspace):
    version = uploaded(workspace, b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect', "casse.svg")
    response = workspace.client.get(f"/versions/{version.id}/miniature")
    assert response.status_code == 200 and response.content_type == "image/png"


def word_document(pages: int = 2) -> bytes:
    document = Document()
    document.add_heading("Procédure de sauvegarde", level=1)
    document.add_paragraph("La sauvegarde du serveur <script>alert(1)</script> est faite chaque nuit.")
    document.add_paragraph("Vérifier l'espace disque", style="List Bullet")
    document.add_paragraph("Lancer la tâche planifiée", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Serveur", "Adresse"
    table.cell(1, 0).text, table.cell(1, 1).text = "srv-fichiers", "192.168.10.5"
    for number in range(2, pages + 1):
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(f"Partie {number}", level=2)
        document.add_paragraph(f"Contenu de la page {number}.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_word_document_is_shown_as_readable_pages(workspace):
    version = uploaded(workspace, word_document(pages=2), "sauvegarde.docx")
    html = fragment(workspace, version)
    assert "Procédure de sauvegarde</h3>" in html and "Partie 2</h4>" in html
    assert "<li>Vérifier l&#39;espace disque</li>" in html
    assert '<th scope="col">Serveur</th>' in html and "<td>192.168.10.5</td>" in html
    assert 'aria-label="Page 1 sur 2"' in html and 'aria-label="Page 2 sur 2"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_a_long_document_shows_its_first_pages_and_links_to_all(workspace):
    version = uploaded(workspace, word_document(pages=5), "long.docx")
    html = workspace.client.get(f"/preuves/{workspace.evidence.id}").get_data(as_text=True)
    assert 'aria-label="Page 2 sur 5"' in html and 'aria-label="Page 3 sur 5"' not in html
    assert "Voir toutes les pages" in html
    page = workspace.client.get(f"/versions/{version.id}/apercu").get_data(as_text=True)
    assert 'aria-label="Page 5 sur 5"' in page and "Contenu de la page 5." in page


def opendocument(content_body: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
                         '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        archive.writestr("content.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
<office:body><office:text>{content_body}</office:text></office:body></office:document-content>""")
    return out.getvalue()


def test_an_opendocument_text_is_shown_as_pages(workspace):
    body = ('<text:h text:outline-level="1">Plan d\'adressage</text:h><text:p>Trois sous-réseaux.</text:p>'
            '<text:list><text:list-item><text:p>VLAN 10</text:p></text:list-item><text:list-item><text:p>VLAN 20</text:p>'
            '</text:list-item></text:list><table:table><table:table-row><table:table-cell><text:p>Réseau</text:p>'
            '</table:table-cell><table:table-cell><text:p>Masque</text:p></table:table-cell></table:table-row>'
            '<table:table-row><table:table-cell><text:p>10.0.10.0</text:p></table:table-cell><table:table-cell>'
            '<text:p>/24</text:p></table:table-cell></table:table-row></table:table>')
    version = uploaded(workspace, opendocument(body), "adressage.odt")
    html = fragment(workspace, version)
    assert "Plan d&#39;adressage</h3>" in html
    assert "<p>Trois sous-réseaux.</p>" in html and "<li>VLAN 20</li>" in html
    assert '<th scope="col">Masque</th>' in html and "<td>10.0.10.0</td>" in html


def test_a_word_file_with_entities_or_broken_xml_is_never_expanded(workspace):
    hostile = word_document(pages=1)
    source = zipfile.ZipFile(io.BytesIO(hostile))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:document", b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document', 1)
                data = data.replace("Procédure de sauvegarde".encode(), b"&x;Titre", 1)
            archive.writestr(item.filename, data)
    version = uploaded(workspace, out.getvalue(), "piege.docx")
    html = fragment(workspace, version)
    assert "root:" not in html
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            archive.writestr(item.filename, data[: len(data) // 2] if item.filename == "word/document.xml" else data)
    version = uploaded(workspace, broken.getvalue(), "casse.docx")
    assert "le document n'a pas pu être lu" in fragment(workspace, version)


def test_nested_entities_are_never_expanded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
              '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&lol3;</text></svg>').encode()
    clean, _ = sanitise_svg(laughs)
    assert b"lol" not in clean and b"ENTITY" not in clean


def test_the_shared_sanitiser_removes_what_either_former_copy_removed():
    """The dossier's and the preview's sanitisers were merged: animations that rewrite links,
    url() in presentation attributes, embedded pictures and non-local links all go."""
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="10">'
           b'<style>rect { stroke: blue; } @import "http://example.com/a.css";</style>'
           b'<a href="javascript:alert(1)"><rect width="20" height="10" fill="url(http://example.com/f)" stroke="red"/></a>'
           b'<set attributeName="href" to="javascript:alert(2)"/><animate attributeName="x" values="0;5"/>'
           b'<image width="5" height="5" href="data:image/png;base64,iVBORw0KGgo="/>'
           b'<feImage xlink:href="http://example.com/g.png"/><use xlink:href="http://example.com/d.svg#x"/>'
           b'<text>R\xc3\xa9seau<handler>alert(3)</handler></text></svg>')
    clean, removed = sanitise_svg(svg)
    for gone in (b"javascript", b"example.com", b"<set", b"<animate", b"<image", b"data:", b"feImage", b"<use",
                 b"alert", b"@import"):
        assert gone not in clean, gone
    assert b"stroke: blue" in clean and b'stroke="red"' in clean and b"R\xc3\xa9seau" in clean
    assert {"scripts et contenus actifs", "références externes", "images incorporées"} <= set(removed)


def test_a_word_zip_bomb_is_refused_without_being_inflated(workspace):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document " + b" " * (60 * 1024 * 1024) + b"/>")
    version = uploaded(workspace, out.getvalue(), "bombe.docx")
    assert "le document n'a pas pu être lu" in fragment(workspace, version)
