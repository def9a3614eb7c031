"""A certification whose document gave no title reads "titre à compléter" everywhere, and once an
administrator completes it, the completed title everywhere: dashboard, portfolio, jury session,
the juror's review, exports (issue 11: one display property, Certification.display_title)."""
from __future__ import annotations

import io

from docx import Document as WordDocument
from pypdf import PdfReader

from extensions import db

from tests.factories import build_jury

TITLE = "Manager en infrastructures et cybersécurité des systèmes d'information"


def _word_text(data: bytes) -> str:
    return "\n".join(p.text for p in WordDocument(io.BytesIO(data)).paragraphs)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _places(client_for, jury) -> dict[str, str]:
    """The text of every place that names the certification, as each person sees it."""
    candidate, admin, juror = client_for(jury.candidate), client_for(jury.admin), client_for(jury.juror)
    certification = jury.certification
    return {
        "tableau de bord du candidat": candidate.get("/").text,
        "portefeuille": candidate.get(f"/portefeuilles/{jury.portfolio.id}").text,
        "session de jury": admin.get(f"/jury/sessions/{jury.session.id}").text,
        "liste des référentiels": admin.get("/referentiels").text,
        "grille vierge (Word)": _word_text(admin.get(f"/referentiels/{certification.id}/grille-vierge.docx").data),
        "grille vierge (PDF)": _pdf_text(admin.get(f"/referentiels/{certification.id}/grille-vierge.pdf").data),
        "sessions du juré": juror.get("/jury").text,
        "dossier relu par le juré": juror.get(f"/jury/affectations/{jury.assignment.id}").text,
    }


def test_the_completed_title_shows_everywhere(app_ctx, make_user, client_for):
    jury = build_jury(make_user)
    jury.certification.title = ""  # the document stated none (seed 004)
    db.session.commit()
    before = _places(client_for, jury)
    missing = [place for place, text in before.items() if "titre à compléter" not in text.lower()]
    assert not missing, f"no 'titre à compléter' on: {missing}"

    admin = client_for(jury.admin)
    url = f"/admin/referentiels/{jury.certification.id}/informations"
    form = admin.get(url)
    saved = admin.post(url, data={"csrf_token": form.csrf_token, "form_name": "informations", "title": TITLE, "level": "5",
                                  "certifier": "Probatio", "code": "RNCP-JURY"})
    assert saved.status_code == 303, saved.text

    after = _places(client_for, jury)
    without = [place for place, text in after.items() if TITLE not in " ".join(text.split())]
    assert not without, f"the completed title is missing on: {without}"
    still = [place for place, text in after.items() if "titre à compléter" in text.lower()]
    assert not still, f"still 'titre à compléter' on: {still}"
