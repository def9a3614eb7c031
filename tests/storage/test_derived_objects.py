"""Derived objects (excerpt caches) in garbage collection and the integrity scrub: expected while
their source is referenced, removed (and reported) once it is gone."""
from __future__ import annotations

from datetime import timedelta

from evidence import excerpts
from storage.access import object_store
from storage.base import derived_key
from storage.gc import collect_garbage


def test_a_line_index_is_an_expected_object_not_a_leftover(uploaded, storage_cli):
    [version] = uploaded(1)
    excerpts.clear_memory_cache()
    assert excerpts.line_count(version) > 0
    key = derived_key(version.sha256, excerpts.LINE_INDEX_NAME)
    assert object_store().exists(key)
    result = storage_cli("verify")
    assert result.exit_code == 0, result.output
    assert "1 objet(s) dérivé(s) attendu(s)" in result.output and "0 problème(s)" in result.output
    assert collect_garbage(grace=timedelta(0)) == []
    assert object_store().exists(key)


def test_a_derived_object_whose_source_is_gone_is_reported_then_collected(uploaded, storage_cli):
    uploaded(1)
    orphan = derived_key("ab" * 32, "lines-v1.json")
    object_store().put_derived(orphan, b"{}")
    result = storage_cli("verify")
    assert result.exit_code == 1
    assert f"Objet dérivé sans source : {orphan}" in result.output
    assert collect_garbage(dry_run=True, grace=timedelta(0)) == [orphan]
    assert object_store().exists(orphan)
    assert collect_garbage(grace=timedelta(0)) == [orphan]
    assert not object_store().exists(orphan)
    assert storage_cli("verify").exit_code == 0
