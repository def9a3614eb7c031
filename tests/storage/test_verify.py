"""`flask storage verify`: every recorded object read back and checked against its row."""
from __future__ import annotations

import io
import os

from storage.access import object_store


def test_a_healthy_store_has_no_problem(uploaded, storage_cli):
    versions = uploaded(3)
    result = storage_cli("verify")
    assert result.exit_code == 0, result.output
    assert f"{len(versions)} objet(s) vérifié(s)" in result.output
    assert "0 problème(s)" in result.output


def test_a_missing_object_is_reported_with_its_version(uploaded, storage_cli):
    versions = uploaded(2)
    object_store().delete(versions[0].object_key)
    result = storage_cli("verify")
    assert result.exit_code == 1
    assert f"Objet manquant : {versions[0].object_key} (version 1 de « journal-0.log »" in result.output
    assert "1 objet(s) vérifié(s)" in result.output and "1 problème(s)" in result.output


def test_altered_content_is_reported(uploaded, storage_cli, overwrite):
    versions = uploaded(2)
    overwrite(object_store(), versions[1].object_key, b"autre contenu")
    result = storage_cli("verify")
    assert result.exit_code == 1
    assert f"Objet altéré : {versions[1].object_key}" in result.output
    assert "lu 13 octets" in result.output
    assert "1 problème(s)" in result.output


def test_a_truncated_object_with_a_matching_row_hash_is_still_caught_by_its_size(uploaded, storage_cli, app_ctx):
    from extensions import db

    [version] = uploaded(1)
    version.size += 1  # the row disagrees with the object on the size only
    db.session.commit()
    result = storage_cli("verify")
    assert result.exit_code == 1
    assert "Objet altéré" in result.output and f"attendu {version.size} octets" in result.output


def test_an_object_no_row_references_is_reported(uploaded, storage_cli):
    uploaded(1)
    orphan = object_store().put(io.BytesIO(os.urandom(100)))
    result = storage_cli("verify")
    assert result.exit_code == 1
    assert f"Objet non référencé : {orphan.key}" in result.output
    # gc removes it (grace 0), after which the scrub is clean.
    assert storage_cli("gc", "--grace-minutes", "0").exit_code == 0
    assert "0 problème(s)" in storage_cli("verify").output
