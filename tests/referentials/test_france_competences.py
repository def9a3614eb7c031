"""France Compétences RNCP export (flux 4.1): streamed import, skeleton, matching a seed."""
from __future__ import annotations

import tracemalloc
import zipfile

from sqlalchemy import select

from extensions import db
from referentials import services as referentials
from referentials.importers import SEEDS_DIR
from referentials.importers.france_competences import find_fiche, iter_fiches
from referentials.models import Certification, CertificationChange
from tests.referentials.rncp_samples import IGS_BLOCS, fiche_xml, write_export


def test_several_fiches_with_html_and_accents_are_read(tmp_path):
    path = tmp_path / "export.xml"
    write_export(path, [
        fiche_xml("RNCP36061", "Manager en infrastructures et cybersécurité des systèmes d'information", IGS_BLOCS),
        fiche_xml("RNCP38596", "Technicien d'assistance en informatique", [("RNCP38596BC02", "Mettre en service des équipements numériques")], level="NIV4", certifier="Ministère du Travail"),
    ])
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "export_fiches_RNCP_V4_1.xml")
    fiches = list(iter_fiches(archive))
    assert [f.number for f in fiches] == ["RNCP36061", "RNCP38596"]
    tai = fiches[1]
    assert tai.level == "4" and tai.certifiers == ["Ministère du Travail"]
    assert tai.blocs[0].code == "RNCP38596BC02"
    assert tai.blocs[0].competences == ["Superviser l'équipement réseau et sécurité.", "Déployer les mises à jour ; vérifier leur état."]
    assert tai.blocs[0].modalities == "Mise en situation professionnelle et étude de cas ."


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["referential", *args])


def test_skeleton_and_matching_a_seed_after_confirmation(app_ctx, tmp_path):
    path = tmp_path / "export.xml"
    write_export(path, [fiche_xml("RNCP36061", "Manager en infrastructures et cybersécurité des systèmes d'information", IGS_BLOCS)])
    assert _run(app_ctx, "import", str(SEEDS_DIR / "004_0fedc1ee0aa597b2.txt")).exit_code == 0
    report = _run(app_ctx, "rncp-match", str(path), "RNCP36061", "IGS")
    assert report.exit_code == 0, report.output
    assert "RNCP36061BC03" in report.output and "Rien n'a été modifié" in report.output
    igs = referentials.latest_version("IGS")
    assert igs.code is None and all(b.official_code is None for b in igs.blocs)
    applied = _run(app_ctx, "rncp-match", str(path), "RNCP36061", "IGS", "--confirm")
    assert applied.exit_code == 0, applied.output
    db.session.refresh(igs)
    assert igs.code == "RNCP36061" and igs.level == "7" and igs.title.startswith("Manager en infrastructures")
    assert [b.official_code for b in igs.blocs] == [c for c, _ in IGS_BLOCS]
    assert db.session.scalars(select(CertificationChange.source).where(CertificationChange.certification_id == igs.id)).all()
    skeleton = _run(app_ctx, "rncp-skeleton", str(path), "RNCP36061")
    assert skeleton.exit_code == 0, skeleton.output
    created = db.session.scalars(select(Certification).where(Certification.lineage != "IGS")).one()
    assert len(created.blocs) == 4 and len(created.blocs[0].competences) == 2
    assert all(not e.criteria for b in created.blocs for e in b.evaluations)


def test_a_100_mb_export_is_streamed_in_flat_memory(tmp_path):
    path = tmp_path / "gros-export.xml"
    write_export(path, [fiche_xml("RNCP36061", "Manager en infrastructures", IGS_BLOCS)], filler_bytes=100 * 1024 * 1024)
    assert path.stat().st_size >= 100 * 1024 * 1024
    tracemalloc.start()
    try:
        fiche = find_fiche(path, "RNCP36061")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fiche is not None and len(fiche.blocs) == 4
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
