"""France Compétences on the web: an administrator uploads the RNCP export, finds a fiche, sees
what matching it to a loaded certification will fill (code, bloc codes), then confirms."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from accounts.models import Role
from extensions import db
from referentials import services as referentials
from referentials.importers import SEEDS_DIR
from referentials.models import CertificationChange

from tests.referentials.rncp_samples import IGS_BLOCS, IGS_TITLE, zip_export


def _load_igs():
    name = "004_0fedc1ee0aa597b2.txt"
    draft, _ = referentials.parse_file((SEEDS_DIR / name).read_bytes(), name)
    return referentials.load_draft(draft)


def _upload(client, data: bytes, name: str):
    token = client.token("/admin/referentiels/france-competences")
    return client.post(
        "/admin/referentiels/france-competences",
        data={"csrf_token": token, "export": (io.BytesIO(data), name)}, content_type="multipart/form-data",
    )


def test_admin_uploads_the_export_matches_a_fiche_and_confirms(client, login_as, tmp_path):
    igs = _load_igs()
    login_as(Role.ADMIN)
    assert "Importer l'export RNCP de France Compétences" in client.get("/referentiels").text
    uploaded = _upload(client, zip_export(tmp_path), "export-rncp.zip")
    assert uploaded.status_code == 303, uploaded.text
    fiches_url = uploaded.headers["Location"]
    listing = client.get(fiches_url)
    assert listing.status_code == 200
    assert "premières fiches sur" in listing.text and "Opérateur·rice" in listing.text  # the filler fiches come first
    found = client.get(fiches_url, query_string={"q": "cybersécurité"})
    assert "RNCP36061" in found.text and "RNCP38596" not in found.text
    assert "RNCP38596" in client.get(fiches_url, query_string={"q": "rncp38596"}).text
    assert "Aucune fiche ne correspond" in client.get(fiches_url, query_string={"q": "boulangerie"}).text

    match_url = f"{fiches_url}/fiches/RNCP36061"
    report = client.get(match_url, query_string={"certification_id": igs.id})
    assert report.status_code == 200, report.text
    text = report.text
    assert "Informations qui seront complétées" in text and "RNCP36061" in text and IGS_TITLE in text
    for code, _ in IGS_BLOCS:
        assert code in text
    db.session.refresh(igs)
    assert igs.code is None and all(b.official_code is None for b in igs.blocs)  # nothing before confirming

    token = re.search(r'name="csrf_token" value="([^"]+)"', report.get_data(as_text=True)).group(1)
    confirmed = client.post(match_url, data={"csrf_token": token, "certification_id": igs.id})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith(f"/referentiels/{igs.id}")
    db.session.expire_all()
    assert igs.code == "RNCP36061" and igs.level == "7" and igs.title == IGS_TITLE
    assert [b.official_code for b in igs.blocs] == [c for c, _ in IGS_BLOCS]
    sources = db.session.scalars(select(CertificationChange.source).where(CertificationChange.certification_id == igs.id)).all()
    assert sources and set(sources) == {"France Compétences"}
    page = client.get(f"/referentiels/{igs.id}", follow_redirects=True).text
    assert IGS_TITLE in page and "RNCP36061" in page


def test_a_file_that_is_not_an_export_is_refused_in_french(client, login_as):
    login_as(Role.ADMIN)
    refused = _upload(client, b"<?xml version='1.0'?><html><body/></html>", "page.xml")
    assert refused.status_code == 400 and "n'est pas un export RNCP de France Compétences" in refused.text
    broken = _upload(client, b"<FICHES><FICHE><NUMERO_FICHE>RNCP1", "coupe.xml")
    assert broken.status_code == 400 and "illisible" in broken.text
    gone = client.get(f"/admin/referentiels/france-competences/{'0' * 64}", follow_redirects=True)
    assert "n'est plus disponible" in gone.text


def test_only_administrators_reach_the_france_competences_screens(client, login_as, tmp_path):
    login_as(Role.TUTOR)
    assert client.get("/admin/referentiels/france-competences").status_code == 403
    assert _upload_as_non_admin(client, tmp_path).status_code == 403


def _upload_as_non_admin(client, tmp_path):
    token = client.token("/")
    return client.post(
        "/admin/referentiels/france-competences",
        data={"csrf_token": token, "export": (io.BytesIO(zip_export(tmp_path)), "x.zip")}, content_type="multipart/form-data",
    )
