"""The schema comes from the migrations; they must match the models on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from extensions import db


def _diff():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_head_matches_the_models(app_ctx):
    assert _diff() == []


def test_downgrade_to_base_then_upgrade_again(app_ctx):
    downgrade(revision="base")
    with db.engine.connect() as connection:
        remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert _diff() == []


def test_revisions_form_one_line_with_ids_alembic_can_store(app_ctx):
    """One head (no two migrations branching from the same parent), and every revision id fits
    alembic_version.version_num (VARCHAR(32): PostgreSQL refuses a longer one, SQLite does not)."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    assert len(scripts.get_heads()) == 1, scripts.get_heads()
    too_long = [s.revision for s in scripts.walk_revisions() if len(s.revision) > 32]
    assert too_long == []
