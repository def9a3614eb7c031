"""Referentials through the database: the five seeds load completely, versions, round trips, bad input."""
from __future__ import annotations

import io

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from accounts.models import Role
from extensions import db
from referentials import curation
from referentials import services as referentials
from referentials.models import Certification, Competence, Criterion, Deliverable, Evaluation
from referentials.importers import SEEDS_DIR
from tests import factories

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))
# (lineage, blocs, competences, evaluations, criteria, deliverables), read off the documents.
EXPECTED = {
    "000": ("TIIMS", 4, 33, 10, 66, 42),
    "001": ("TIIMS", 3, 18, 9, 62, 23),
    "002": ("TP-00485", 3, 17, 17, 79, 0),
    "003": ("TP-00476", 3, 9, 9, 48, 0),
    "004": ("IGS", 4, 65, 20, 72, 82),
}


def _count(model, certification: Certification) -> int:
    from referentials.models import Bloc

    if model is Criterion:
        return db.session.scalar(select(func.count(Criterion.id)).where(Criterion.certification_id == certification.id))
    query = select(func.count(model.id)).join(Bloc)
    if model is Deliverable:
        query = select(func.count(Deliverable.id)).join(Evaluation).join(Bloc)
    return db.session.scalar(query.where(Bloc.certification_id == certification.id))


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["referential", *args])
    return result


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_loads_completely_into_the_database(app_ctx, seed):
    result = _run(app_ctx, "import", str(seed))
    assert result.exit_code == 0, result.output
    assert "Aucune ligne non placée." in result.output
    lineage, blocs, competences, evaluations, criteria, deliverables = EXPECTED[seed.name[:3]]
    certification = referentials.latest_version(lineage)
    assert len(certification.blocs) == blocs
    assert _count(Competence, certification) == competences
    assert _count(Evaluation, certification) == evaluations
    assert _count(Criterion, certification) == criteria
    assert _count(Deliverable, certification) == deliverables
    keys = db.session.scalars(select(Criterion.key).where(Criterion.certification_id == certification.id)).all()
    assert len(set(keys)) == len(keys) == criteria


def test_igs_rules_are_captured(app_ctx):
    _run(app_ctx, "import", str(SEEDS_DIR / "004_0fedc1ee0aa597b2.txt"))
    igs = referentials.latest_version("IGS")
    assert (igs.dossier_min_pages, igs.interview_minutes, igs.questionnaire_minutes, igs.extra_time_ratio) == (60, 20, 10, "1/3")
    assert igs.all_blocs_required is True


def test_dry_run_writes_nothing(app_ctx):
    result = _run(app_ctx, "import", "--dry-run", str(SEEDS[2]))
    assert result.exit_code == 0
    assert "Simulation : rien n'a été enregistré." in result.output
    assert db.session.scalar(select(func.count(Certification.id))) == 0


def test_yaml_round_trip_through_an_empty_database_is_identical(app_ctx, tmp_path):
    for seed in SEEDS:
        assert _run(app_ctx, "import", "--new-certification", str(seed)).exit_code == 0
    exported = {}
    for certification in db.session.scalars(select(Certification)).all():
        path = tmp_path / f"{certification.lineage}-v{certification.version_number}.yaml"
        assert _run(app_ctx, "export", certification.lineage, "--version", str(certification.version_number), "-o", str(path)).exit_code == 0
        exported[path] = path.read_text(encoding="utf-8")
    assert "version: '08'" in "".join(exported.values())  # never a bare 08, which YAML 1.2 reads as 8
    # Empty the database, load the YAML files, export again.
    db.session.execute(Certification.__table__.delete())
    db.session.commit()
    for path in sorted(exported, key=lambda p: p.name):
        result = _run(app_ctx, "import", "--new-certification", str(path))
        assert result.exit_code == 0, result.output
    again = []
    for certification in db.session.scalars(select(Certification)).all():
        again.append(referentials.export_yaml(certification))
    assert sorted(again) == sorted(exported.values())


def test_same_content_loads_once_and_a_corrected_yaml_makes_a_new_version(app_ctx, make_user, tmp_path):
    seed = SEEDS_DIR / "003_b745eb94bf0e9fd2.txt"
    assert _run(app_ctx, "import", str(seed)).exit_code == 0
    again = _run(app_ctx, "import", str(seed))
    assert again.exit_code != 0
    assert "déjà chargé" in again.output
    first = referentials.latest_version("TP-00476")
    portfolio = factories.make_portfolio(make_user(Role.CANDIDATE), first)

    yaml_path = tmp_path / "corrige.yaml"
    _run(app_ctx, "export", "TP-00476", "-o", str(yaml_path))
    text = yaml_path.read_text(encoding="utf-8").replace("title: Technicien d'assistance en informatique", "title: Technicien d'assistance en informatique (corrigé)", 1)
    yaml_path.write_text(text, encoding="utf-8")
    result = _run(app_ctx, "import", str(yaml_path))
    assert result.exit_code == 0, result.output
    second = referentials.latest_version("TP-00476")
    assert second.version_number == 2 and second.title.endswith("(corrigé)")
    db.session.refresh(portfolio)
    assert portfolio.certification_id == first.id  # portfolios stay on the version they started with


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.txt", b"", "vide"),
        ("binaire.txt", bytes(range(256)) * 10, "binaire"),
        ("inconnu.txt", "Liste de courses : pain, lait, œufs.\n".encode() * 50, "non reconnu"),
        ("tronque.txt", (SEEDS_DIR / "002_afd6684c357bb455.txt").read_bytes()[:20_000], ""),
    ],
)
def test_bad_input_gives_one_clear_error_and_writes_nothing(app_ctx, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = _run(app_ctx, "import", str(path))
    assert result.exit_code != 0
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.output
    assert message.lower() in error_lines[0].lower()
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(Certification.id))) == 0


def test_a_failure_mid_load_writes_nothing(app_ctx):
    draft, _ = referentials.parse_file((SEEDS_DIR / "004_0fedc1ee0aa597b2.txt").read_bytes(), "004.txt")
    draft.blocs[-1].evaluations[-1].criteria[-1].competence_codes = ["IGS/BC99/INCONNUE"]
    with pytest.raises(referentials.ReferentialImportError, match="compétence inconnue"):
        referentials.load_draft(draft)
    assert db.session.scalar(select(func.count(Certification.id))) == 0
    assert db.session.scalar(select(func.count(Criterion.id))) == 0


# --- screens ---------------------------------------------------------------------------------

def test_admin_uploads_sees_the_report_then_confirms(client, login_as):
    login_as(Role.ADMIN)
    seed = SEEDS_DIR / "004_0fedc1ee0aa597b2.txt"
    token = client.token("/referentiels")
    response = client.post(
        "/admin/referentiels/import",
        data={"csrf_token": token, "document": (io.BytesIO(seed.read_bytes()), seed.name)},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Rapport d'import" in html and "Toutes les lignes du document ont été placées." in html
    assert "<td>72</td>" in html  # criteria total
    assert db.session.scalar(select(func.count(Certification.id))) == 0  # nothing before confirming
    key = html.split('name="object_key" value="')[1].split('"')[0]
    response = client.post(
        "/admin/referentiels/confirmer", data={"csrf_token": token, "object_key": key, "source_name": seed.name}
    )
    assert response.status_code == 303
    certification = referentials.latest_version("IGS")
    tree = client.get(response.headers["Location"]).get_data(as_text=True)
    assert certification.title in tree
    fragment = client.get(
        f"/referentiels/{certification.id}/blocs/{certification.blocs[0].id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Critères d'évaluation" in fragment and "<html" not in fragment
    no_js = client.get(f"/referentiels/{certification.id}?bloc={certification.blocs[0].id}").get_data(as_text=True)
    assert str(escape(certification.blocs[0].evaluations[0].criteria[0].text)) in no_js


def test_upload_of_a_bad_file_is_refused_with_a_message(client, login_as):
    login_as(Role.ADMIN)
    token = client.token("/referentiels")
    response = client.post(
        "/admin/referentiels/import",
        data={"csrf_token": token, "document": (io.BytesIO(b"\x00\x01\x02binaire"), "x.txt")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Import impossible" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certification.id))) == 0


def _upload(client, seed_path, name=None, **extra):
    token = client.token("/referentiels")
    data = {"csrf_token": token, "document": (io.BytesIO(seed_path.read_bytes()), name or seed_path.name), **extra}
    return client.post("/admin/referentiels/import", data=data, content_type="multipart/form-data", follow_redirects=True), token


def test_web_import_asks_new_certification_or_new_version(client, login_as):
    login_as(Role.ADMIN)
    for seed in ("000_e6b0dbb14e4d7cfa.txt", "001_3a5490b78cda70d2.txt"):
        response, token = _upload(client, SEEDS_DIR / seed)
        html = response.get_data(as_text=True)
        key = html.split('name="object_key" value="')[1].split('"')[0]
        data = {"csrf_token": token, "object_key": key, "source_name": seed}
        if seed.startswith("001"):
            assert "Nouvelle certification" in html and "Nouvelle version de" in html and "certificateur différent" in html
            refused = client.post("/admin/referentiels/confirmer", data=data, follow_redirects=True).get_data(as_text=True)
            assert "ressemble à" in refused  # no choice made: refused, nothing written
            data["choice"] = "new"
        assert client.post("/admin/referentiels/confirmer", data=data).status_code == 303
    assert db.session.scalar(select(func.count(func.distinct(Certification.lineage)))) == 2


def test_admin_completes_the_missing_title_and_it_is_audited(client, login_as):
    login_as(Role.ADMIN)
    draft, _ = referentials.parse_file((SEEDS_DIR / "004_0fedc1ee0aa597b2.txt").read_bytes(), "004.txt")
    certification = referentials.load_draft(draft)
    criteria_before = db.session.scalar(select(func.count(Criterion.id)))
    page = client.get(f"/referentiels/{certification.id}").get_data(as_text=True)
    assert "titre à compléter" in page and "(titre absent du document)" not in page
    url = f"/admin/referentiels/{certification.id}/informations"
    response = client.submit(url, {
        "form_name": "informations", "title": "Manager en infrastructures et cybersécurité des systèmes d'information",
        "certifier": "IGS", "code": "RNCP36061", "level": "7", "valid_from": "2022-01-01", "valid_until": "2027-01-01",
        "dossier_min_pages": "60", "interview_minutes": "20", "questionnaire_minutes": "10", "extra_time_ratio": "1/3",
    }, token_from=url)
    assert response.status_code == 303
    db.session.refresh(certification)
    assert certification.title.startswith("Manager en infrastructures") and certification.code == "RNCP36061"
    assert certification.valid_until == "2027-01-01"
    assert db.session.scalar(select(func.count(Criterion.id))) == criteria_before
    history = client.get(url).get_data(as_text=True)
    assert "Historique des modifications" in history and "RNCP36061" in history
    assert {c.field for c in curation.metadata_changes(certification)} == {"title", "code", "level", "valid_from", "valid_until"}
    listing = client.get("/referentiels").get_data(as_text=True)
    assert "Manager en infrastructures" in listing


@pytest.mark.parametrize("seed", ["000_e6b0dbb14e4d7cfa.txt", "001_3a5490b78cda70d2.txt"])
def test_candidate_sees_the_deliverables_of_000_and_001_as_missing(client_for, make_user, seed):
    draft, _ = referentials.parse_file((SEEDS_DIR / seed).read_bytes(), seed)
    certification = referentials.load_draft(draft)
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate, certification)
    page = client_for(candidate).get(f"/portefeuilles/{portfolio.id}/couverture").text
    assert "Livrables encore manquants" in page
    first = certification.blocs[0].evaluations[0].deliverables[0].text
    assert first in page


def test_web_import_of_a_cut_file_refused_then_loaded_marked_incomplete(client, login_as, tmp_path):
    login_as(Role.ADMIN)
    lines = (SEEDS_DIR / "004_0fedc1ee0aa597b2.txt").read_text(encoding="utf-8").split("\n")
    cut = tmp_path / "igs-coupe.txt"
    cut.write_text("\n".join(lines[: len(lines) // 2]), encoding="utf-8")
    refused, _ = _upload(client, cut)
    assert "Import impossible" in refused.text and "tronqué" in refused.text
    report, token = _upload(client, cut, accept_incomplete="y")
    assert "Document incomplet" in report.text
    key = report.text.split('name="object_key" value="')[1].split('"')[0]
    response = client.post("/admin/referentiels/confirmer", data={
        "csrf_token": token, "object_key": key, "source_name": cut.name, "accept_incomplete": "oui",
    })
    assert response.status_code == 303, response.text
    certification = db.session.scalars(select(Certification)).one()
    assert certification.incomplete
    assert "(incomplet)" in client.get(response.headers["Location"]).text
    assert "(incomplet)" in client.get("/referentiels").text


def test_004_keeps_every_line_of_its_introduction_and_invents_no_title(client, login_as):
    """Seed 004 states no title: nothing is made up, and none of its own opening lines is
    dropped: they are kept and shown on the referential page, for the admin who completes it."""
    login_as(Role.ADMIN)
    name = "004_0fedc1ee0aa597b2.txt"
    draft, _ = referentials.parse_file((SEEDS_DIR / name).read_bytes(), name)
    certification = referentials.load_draft(draft)
    assert certification.title == "" and certification.display_title == "titre à compléter"
    opening = [line.strip() for line in (SEEDS_DIR / name).read_text(encoding="utf-8").split("\n")[:22] if line.strip()]
    assert opening[0] == "Candidat en situation de handicap :"
    kept = certification.description.split("\n")
    assert kept == [line.strip("<>") for line in opening]
    page = client.get(f"/referentiels/{certification.id}").text
    assert "Introduction du document importé" in page and "n'indique pas d'intitulé" in page
    for line in kept:
        assert line in page
    assert "Titre à compléter : compléter les informations" in page
