"""The database failing after the object is stored: the upload's INSERT meets a real failure
(SQLite: another process holds the database locked; PostgreSQL: the server ends the session)."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, text

from extensions import db


@pytest.fixture()
def database_fails_on_insert(app_ctx):
    """`arm()`: the next INSERT of the app into evidence_files fails for a real reason, once.
    Returns `release()` (the database answers again)."""
    held, fired = [], []

    def break_database(conn, cursor, statement, parameters, context, executemany):
        if fired or not statement.lstrip().upper().startswith("INSERT INTO EVIDENCE_FILES"):
            return
        fired.append(statement)
        if db.engine.dialect.name == "sqlite":
            locker = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            held.append(locker)
        else:
            pid = conn.connection.dbapi_connection.info.backend_pid
            with db.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()

    def arm():
        event.listen(db.engine, "before_cursor_execute", break_database)

        def release():
            for locker in held:
                locker.execute("ROLLBACK")
                locker.close()
            held.clear()

        return release

    yield arm
    if event.contains(db.engine, "before_cursor_execute", break_database):
        event.remove(db.engine, "before_cursor_execute", break_database)
    for locker in held:
        locker.close()


def test_the_database_failing_after_the_object_is_stored(uploader, fresh_store, database_fails_on_insert,
                                                          recovered, make_log):
    content, name = make_log(1)
    release = database_fails_on_insert()
    response = uploader.post((content, name))
    release()
    assert response.status_code == 503
    assert f"« {name} » : la base de données n'a pas pu l'enregistrer, rien n'a été conservé." in response.text
    assert uploader.versions() == []

    recovered(fresh_store)  # the object stored before the failure is gone after gc, if not before
    assert list(fresh_store.keys()) == []
    retry = uploader.post((content, name))
    assert retry.status_code == 200, retry.text
    assert [v.filename for v in uploader.versions()] == [name]
    recovered(fresh_store)
