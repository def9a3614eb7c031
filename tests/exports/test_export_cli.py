"""`flask export dossier|grid`, and a dossier whose evidence files are hostile or broken: it still
comes out, in both formats, with a French note in place of each part left out (issue 12)."""
from __future__ import annotations

import io
import re
import zipfile

from docx import Document as WordDocument
from pypdf import PdfReader

from accounts.models import Role
from dashboard.demo import sample_pdf
from documents import pdf_page_count
from portfolio.submissions import submit_portfolio
from tests import factories
from tests.documents.samples import encrypted_pdf


def _bad_submission(make_user):
    candidate = make_user(Role.CANDIDATE, name="Bruno Fichiers-Abîmés")
    certification = factories.make_certification(code="RNCP-BAD")
    portfolio = factories.make_portfolio(candidate, certification)
    criterion = certification.blocs[0].evaluations[0].criteria[0]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b" " * (100 * 1024 * 1024))
    laughs = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "haha">'
              + b"".join(b'<!ENTITY %c "%s">' % (98 + n, (b"&%c;" % (97 + n)) * 10) for n in range(9))
              + b']><svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><text y="20">&j;</text></svg>')
    files = [("Procédure chiffrée", encrypted_pdf(), "chiffre.pdf", "application/pdf"),
             ("Procédure abîmée", sample_pdf("Abîmé", 2)[:600], "abime.pdf", "application/pdf"),
             ("Schéma piégé", laughs, "rires.svg", "image/svg+xml"),
             ("Procédure compressée", bomb.getvalue(), "bombe.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    for title, data, name, media in files:
        evidence = factories.make_evidence(portfolio, title=title)
        factories.add_version(evidence, data, name, media)
        factories.claim(evidence, criterion)
    return submit_portfolio(portfolio, candidate)


def test_flask_export_writes_dossier_and_grid_with_notes_for_what_was_left_out(app_ctx, make_user, tmp_path):
    submission = _bad_submission(make_user)
    runner = app_ctx.test_cli_runner()
    texts = {}
    for kind, fmt in (("dossier", "pdf"), ("dossier", "docx"), ("grid", "pdf"), ("grid", "docx")):
        target = tmp_path / f"{kind}.{fmt}"
        result = runner.invoke(args=["export", kind, str(submission.id), "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
        data = target.read_bytes()
        if fmt == "pdf":
            assert pdf_page_count(data) >= 1
            texts[kind, fmt] = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        else:
            texts[kind, fmt] = "\n".join(p.text for p in WordDocument(io.BytesIO(data)).paragraphs)
        if kind == "dossier":
            assert "Attention" in result.output and "chiffré" in result.output
    for fmt in ("pdf", "docx"):
        text = re.sub(r"\s+", " ", texts["dossier", fmt])
        assert "chiffre.pdf — document protégé par un mot de passe (chiffré)" in text
        assert "abime.pdf — document PDF endommagé" in text
        assert "bombe.docx — son contenu décompressé dépasse" in text and "archive suspecte" in text
        assert "Retiré du schéma par sécurité : déclarations DTD et entités" in text
        assert "haha" not in text
        assert "Grille" in texts["grid", fmt] or "grille" in texts["grid", fmt]


def test_flask_export_names_a_missing_submission(app_ctx, tmp_path):
    result = app_ctx.test_cli_runner().invoke(args=["export", "dossier", "999", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "Aucun dépôt n°999" in result.output
