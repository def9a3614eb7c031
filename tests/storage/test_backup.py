"""The backup and restore procedure of docs/storage.md, on the embedded parts (SQLite, local folder):
back up, wipe, restore, and the integrity scrub finds every object as recorded."""
from __future__ import annotations

import hashlib
import shutil

import pytest
from sqlalchemy import inspect, text

from extensions import db


@pytest.fixture()
def embedded_only(app_ctx):
    if db.engine.dialect.name != "sqlite" or app_ctx.extensions["object_store"].name != "local":
        pytest.skip("the backup procedure is exercised once, in the embedded pass (SQLite, local folder)")


def wipe_everything(store) -> None:
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    shutil.rmtree(store.root)


def test_back_up_wipe_restore_then_verify_finds_no_problem(embedded_only, uploaded, storage_cli, fresh_store, client, tmp_path):
    from evidence.models import EvidenceVersion

    versions = uploaded(3)
    recorded = {(v.id, v.object_key, v.sha256) for v in versions}
    backup = tmp_path / "sauvegarde"

    result = storage_cli("backup", str(backup))
    assert result.exit_code == 0, result.output
    assert "3 objet(s) copié(s)" in result.output
    assert storage_cli("backup", str(backup)).output.count("0 objet(s) copié(s), 3 déjà présent(s)") == 1

    wipe_everything(fresh_store)
    assert "evidence_versions" not in inspect(db.engine).get_table_names()
    assert list(fresh_store.keys()) == []

    # Without --yes the restore asks first (and a "no" changes nothing).
    refused = storage_cli("restore", str(backup))
    assert refused.exit_code == 1 and "La base actuelle sera remplacée" in refused.output
    result = storage_cli("restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    assert "3 objet(s) remis" in result.output

    verified = storage_cli("verify")
    assert verified.exit_code == 0, verified.output
    assert "3 objet(s) vérifié(s)" in verified.output and "0 problème(s)" in verified.output
    restored = set(db.session.execute(db.select(EvidenceVersion.id, EvidenceVersion.object_key, EvidenceVersion.sha256)))
    assert restored == recorded
    # The candidate (same session, restored account) downloads a file again, intact.
    version_id, _, sha256 = sorted(recorded)[0]
    download = client.get(f"/versions/{version_id}/telechargement")
    assert download.status_code == 200
    assert hashlib.sha256(download.get_data()).hexdigest() == sha256


def test_restoring_from_a_folder_that_is_no_backup_is_refused(embedded_only, storage_cli, tmp_path):
    result = storage_cli("restore", str(tmp_path), "--yes")
    assert result.exit_code == 1
    assert "n'est pas une sauvegarde Probatio (backup.json manquant)" in result.output
