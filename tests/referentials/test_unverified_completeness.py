"""A document that shows no sign of its own end (seed 000: no count of blocs, no closing
separator, no end marker) loads marked « complétude non vérifiable » until an administrator,
having compared the counts and the last bloc with the official fiche, confirms it (audited)."""
from __future__ import annotations

import io

from sqlalchemy import select

from accounts.models import Role
from extensions import db
from referentials import curation
from referentials import services as referentials
from referentials.importers import SEEDS_DIR
from referentials.models import Certification, CertificationChange

TIIMS = SEEDS_DIR / "000_e6b0dbb14e4d7cfa.txt"
IGS = SEEDS_DIR / "004_0fedc1ee0aa597b2.txt"
NOTE = "complétude non vérifiable : le document n'annonce ni sa fin ni son nombre de blocs"
LAST_BLOC = "BC04 — APPORTER UN SUPPORT / UNE ASSISTANCE AUX UTILISATEURS"


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["referential", *args])


def _cut_000(tmp_path, lines=133):
    path = tmp_path / "tiims-133.txt"
    path.write_text("\n".join(TIIMS.read_text(encoding="utf-8").split("\n")[:lines]) + "\n", encoding="utf-8")
    return path


def test_cli_loads_000_marked_then_confirm_complete_clears_it_audited(app_ctx, tmp_path):
    dry = _run(app_ctx, "import", "--dry-run", str(TIIMS))
    assert dry.exit_code == 0 and NOTE in dry.output and "4 blocs, 33 compétences, 66 critères" in dry.output
    loaded = _run(app_ctx, "import", str(TIIMS))
    assert loaded.exit_code == 0, loaded.output
    assert "complétude non vérifiable" in loaded.output and "confirm-complete TIIMS --version 1" in loaded.output
    assert "[complétude non vérifiable]" in _run(app_ctx, "list").output
    certification = db.session.scalars(select(Certification)).one()
    assert certification.completeness_unverified.startswith(NOTE) and not certification.incomplete
    assert "completeness_unverified: " in referentials.export_yaml(certification)
    confirmed = _run(app_ctx, "confirm-complete", "TIIMS")
    assert confirmed.exit_code == 0, confirmed.output
    assert f"4 blocs, 33 compétences, 66 critères ; dernier bloc : « {LAST_BLOC} »" in confirmed.output
    db.session.refresh(certification)
    assert certification.completeness_unverified is None
    assert "non vérifiable" not in _run(app_ctx, "list").output
    assert "completeness_unverified" not in referentials.export_yaml(certification)
    [change] = db.session.scalars(select(CertificationChange)).all()
    assert change.field == "complétude" and change.old_value.startswith(NOTE)
    assert change.new_value.startswith("confirmé complet (4 blocs, 33 compétences, 66 critères")
    assert change.source == "ligne de commande"
    again = _run(app_ctx, "confirm-complete", "TIIMS")
    assert "rien à confirmer" in again.output


def test_a_cut_between_two_rows_loads_unverified_and_is_never_normal(app_ctx, tmp_path):
    path = _cut_000(tmp_path)
    loaded = _run(app_ctx, "import", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert "complétude non vérifiable" in loaded.output
    certification = db.session.scalars(select(Certification)).one()
    assert certification.completeness_unverified and len(certification.blocs) < 4


def test_import_flag_confirm_complete(app_ctx):
    loaded = _run(app_ctx, "import", "--confirm-complete", str(TIIMS))
    assert loaded.exit_code == 0, loaded.output
    assert "Complétude confirmée (--confirm-complete)" in loaded.output
    certification = db.session.scalars(select(Certification)).one()
    assert certification.completeness_unverified is None
    assert db.session.scalars(select(CertificationChange.field)).all() == ["complétude"]


def test_documents_that_show_their_end_load_normally_without_confirmation(app_ctx):
    for name in ("001_3a5490b78cda70d2.txt", "002_afd6684c357bb455.txt", "003_b745eb94bf0e9fd2.txt", IGS.name):
        result = _run(app_ctx, "import", "--new-certification", str(SEEDS_DIR / name))
        assert result.exit_code == 0 and "non vérifiable" not in result.output, result.output
    assert not any(c.completeness_unverified for c in db.session.scalars(select(Certification)))
    assert db.session.scalar(select(CertificationChange.id)) is None


def test_import_seeds_confirms_the_shipped_seeds_explicitly(app_ctx):
    result = _run(app_ctx, "import-seeds")
    assert result.exit_code == 0 and result.output.count("Complétude confirmée : graine") == 1, result.output
    assert not any(c.completeness_unverified for c in db.session.scalars(select(Certification)))
    [change] = db.session.scalars(select(CertificationChange)).all()
    assert change.field == "complétude" and change.source == "graines Probatio"


def test_yaml_round_trip_keeps_the_mark(app_ctx, tmp_path):
    draft, _ = referentials.parse_file(TIIMS.read_bytes(), TIIMS.name)
    certification = referentials.load_draft(draft)
    path = tmp_path / "tiims.yaml"
    path.write_text(referentials.export_yaml(certification), encoding="utf-8")
    again, _ = referentials.parse_file(path.read_bytes(), path.name)
    assert again.unverified == certification.completeness_unverified
    # Same substance: confirmed or not, the version is already loaded.
    assert referentials.same_content(again) is certification


def _upload(client, path):
    token = client.token("/referentiels")
    data = {"csrf_token": token, "document": (io.BytesIO(path.read_bytes()), path.name)}
    return client.post("/admin/referentiels/import", data=data, content_type="multipart/form-data"), token


def test_web_report_page_and_listing_show_the_mark_and_the_admin_confirms(client, login_as):
    login_as(Role.ADMIN)
    report, token = _upload(client, TIIMS)
    assert NOTE in report.text and "Je confirme que ce référentiel est complet" in report.text
    key = report.text.split('name="object_key" value="')[1].split('"')[0]
    response = client.post("/admin/referentiels/confirmer", data={"csrf_token": token, "object_key": key, "source_name": TIIMS.name})
    assert response.status_code == 303, response.text
    certification = db.session.scalars(select(Certification)).one()
    page = client.get(response.headers["Location"]).text
    assert "(complétude non vérifiable)" in page and NOTE in page and "Vérifier et confirmer la complétude" in page
    assert "(complétude non vérifiable)" in client.get("/referentiels").text
    url = f"/admin/referentiels/{certification.id}/completude"
    form = client.get(url).text
    assert "Je confirme que ce référentiel est complet" in form and LAST_BLOC in form and "<td>66</td>" in form
    unchecked = client.post(url, data={"csrf_token": client.token(url)})
    assert unchecked.status_code == 400 and "Cochez la case" in unchecked.text
    db.session.refresh(certification)
    assert certification.completeness_unverified
    done = client.post(url, data={"csrf_token": client.token(url), "confirm": "y"})
    assert done.status_code == 303
    db.session.refresh(certification)
    assert certification.completeness_unverified is None
    shown = client.get(f"/referentiels/{certification.id}").text
    assert "(complétude non vérifiable)" not in shown and NOTE not in shown
    [change] = curation.metadata_changes(certification)
    assert change.field == "complétude" and change.changed_by_id is not None
    assert "Confirmations de complétude" in client.get(url).text


def test_web_import_with_the_confirmation_box_loads_it_confirmed(client, login_as):
    login_as(Role.ADMIN)
    report, token = _upload(client, TIIMS)
    key = report.text.split('name="object_key" value="')[1].split('"')[0]
    client.post("/admin/referentiels/confirmer", data={
        "csrf_token": token, "object_key": key, "source_name": TIIMS.name, "confirm_complete": "oui",
    })
    certification = db.session.scalars(select(Certification)).one()
    assert certification.completeness_unverified is None
    assert [c.field for c in curation.metadata_changes(certification)] == ["complétude"]


def test_a_verified_referential_has_nothing_to_confirm(client, login_as):
    login_as(Role.ADMIN)
    draft, _ = referentials.parse_file(IGS.read_bytes(), IGS.name)
    certification = referentials.load_draft(draft)
    report, _ = _upload(client, IGS)
    assert "non vérifiable" not in report.text
    page = client.get(f"/admin/referentiels/{certification.id}/completude").text
    assert "Rien à confirmer" in page
    url = f"/admin/referentiels/{certification.id}/completude"
    client.post(url, data={"csrf_token": client.token(url), "confirm": "y"})
    assert curation.metadata_changes(certification) == []
