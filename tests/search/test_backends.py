"""Faults and limits of the search backends, run on both (see conftest.py): a 5-million-character
text, long queries, the PostgreSQL index unreachable, `flask search check` on each backend."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from search import search
from search.cli import cli as search_cli
from search.postgres import (
    SEARCH_UNAVAILABLE, TSVECTOR_BUDGET_BYTES, PostgresIndex, SearchUnavailable, _tsvector_of_reference, tsvector_of,
    tsvectors_of,
)
from search.query import parse_query
from tests import factories


def test_configuree_finds_configure_on_the_index(world, text_version):
    evidence = factories.make_evidence(world["portfolio_a"], title="Routeur de bordure")
    text_version(evidence, "Interface WAN configuré en DHCP.\n", "routeur.log")
    for query in ("configuree", "configuré", "configure", "CONFIGURE"):
        assert {h.evidence_id for h in search(world["candidate_a"], query).hits} >= {evidence.id}, query


def test_queries_of_500_characters_and_200_terms_answer(world):
    long_query = ("pare-feu journal " * 40)[:500]
    many_terms = " ".join(["journal"] + [f"mot{n}" for n in range(199)])
    for query in (long_query, many_terms, " OU ".join(f"terme{n}" for n in range(200)) + " OU DENY",
                  "journal " + " ".join(f"-exclu{n}" for n in range(200))):
        results = search(world["candidate_a"], query)
        assert results.error is None, results.error
    assert search(world["candidate_a"], long_query).total == 1
    assert search(world["candidate_a"], many_terms).total == 0  # every word must appear
    assert any("seuls les 24 premiers" in n for n in search(world["candidate_a"], many_terms).notices)


def test_a_tsvector_never_passes_the_postgresql_limit():
    words = " ".join(f"jeton{n:07d}" for n in range(400_000))
    literal, left_out = tsvector_of({"title": "Journal énorme", "body": "", "content": "début " + words + " épilogue"})
    assert 0 < left_out < 400_000 and len(literal.encode()) < 2 * TSVECTOR_BUDGET_BYTES
    assert "'debut':" in literal and "'epilog'" not in literal


def test_five_million_characters_index_on_postgresql_and_check_says_what_was_left_out(world, search_app, text_version):
    if search_app.config["SEARCH_BACKEND"] != "postgresql":
        pytest.skip("la limite de 1 Mo du tsvector est propre à PostgreSQL")
    # About 450,000 distinct words: far more lexemes than a tsvector holds.
    text = "ouverture du journal\n" + "\n".join(f"ligne {n:07d} code{n:07x}" for n in range(193_000))
    text = (text + "\n")[:4_999_980] + "\nepilogue"
    assert len(text) >= 4_999_000
    evidence = factories.make_evidence(world["portfolio_a"], title="Journal complet du serveur")
    version = text_version(evidence, text, "serveur-complet.log")
    assert version.extraction_status == "done", version.extraction_error
    assert {h.evidence_id for h in search(world["candidate_a"], "ouverture").hits} == {evidence.id}
    outcome = search_app.test_cli_runner().invoke(search_cli.cli, ["check"])
    assert outcome.exit_code == 0, outcome.output
    assert "trop long pour un tsvector PostgreSQL" in outcome.output and f"v{version.id}" in outcome.output
    assert "L'index est à jour." in outcome.output


def test_postgresql_unreachable_during_a_search_is_said_in_french(world):
    """A PostgreSQL index whose server does not answer (nothing listens on port 9): the backend
    raises SearchUnavailable with a French message, which search() shows instead of results."""
    index = PostgresIndex(create_engine("postgresql+psycopg://postgres@127.0.0.1:9/test", connect_args={"connect_timeout": 2}))
    with pytest.raises(SearchUnavailable) as raised:
        index.search_page(parse_query("journal").query)
    assert str(raised.value) == SEARCH_UNAVAILABLE
    assert not index.exists()


def test_check_and_reindex_work_on_each_backend(world, search_app):
    runner = search_app.test_cli_runner()
    outcome = runner.invoke(search_cli.cli, ["reindex"])
    assert outcome.exit_code == 0, outcome.output
    assert "Index reconstruit : 2 document(s)" in outcome.output
    outcome = runner.invoke(search_cli.cli, ["check"])
    assert outcome.exit_code == 0, outcome.output
    where = "la table search_documents (PostgreSQL)" if search_app.config["SEARCH_BACKEND"] == "postgresql" else "l'index"
    assert f"dans {where} : 2." in outcome.output


def test_a_new_version_does_not_rewrite_the_unchanged_documents_on_postgresql(world, search_app, text_version):
    if search_app.config["SEARCH_BACKEND"] != "postgresql":
        pytest.skip("xmin est une colonne système de PostgreSQL")
    from sqlalchemy import text

    from extensions import db

    first = f"v{world['version_a'].id}"

    def xmin(doc_id: str) -> str:
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT xmin::text FROM search_documents WHERE doc_id = :d"), {"d": doc_id}).scalar()

    before = xmin(first)
    version = text_version(world["evidence_a"], "Nouvelle version : tunnel IPsec renégocié.\n", "ipsec.log")
    assert xmin(f"v{version.id}") is not None
    assert xmin(first) == before  # the older version's row was left as it was
    assert {h.evidence_id for h in search(world["candidate_a"], "renégocié").hits} == {world["evidence_a"].id}
    assert {h.evidence_id for h in search(world["candidate_a"], "DENY").hits} == {world["evidence_a"].id}


def test_reindexing_an_evidence_leaves_its_unchanged_documents_as_they_are(world, search_app, text_version):
    """On both backends a reindex only rewrites the documents whose fingerprint changed: a
    document handed in again with the same fingerprint keeps what the index holds (here a title
    altered behind the fingerprint's back stays unseen), one whose fingerprint changed is
    replaced, and one no longer handed in is deleted."""
    from extensions import db
    from search.documents import documents_for
    from search.services import search_index

    evidence = world["evidence_a"]
    newer = text_version(evidence, "Seconde version : tunnel IPsec renégocié.\n", "ipsec.log")
    documents = documents_for(db.session, [evidence.id])[evidence.id]
    by_id = {d["doc_id"]: d for d in documents}
    older_id, newer_id = f"v{world['version_a'].id}", f"v{newer.id}"
    assert {older_id, newer_id} <= set(by_id)

    same_print = {**by_id[older_id], "title": "Titre fantôme"}  # fingerprint left as it was
    changed = {**by_id[newer_id], "title": "Titre remplacé"}
    changed["fingerprint"] = "0" * 40
    search_index().replace_evidence({evidence.id: [same_print, changed]})
    search_index().forget_searcher()

    assert search(world["candidate_a"], "fantôme").hits == [], "an unchanged fingerprint must not rewrite the document"
    assert [h.evidence_id for h in search(world["candidate_a"], "remplacé").hits] == [evidence.id]
    assert set(search_index().fingerprints()) & set(by_id) == {older_id, newer_id}
    search_index().replace_evidence({evidence.id: [same_print]})
    search_index().forget_searcher()
    assert newer_id not in search_index().fingerprints()
    assert search(world["candidate_a"], "remplacé").hits == []


def test_a_broad_search_on_postgresql_ranks_on_titles_and_keeps_exact_totals(world, search_app, text_version, monkeypatch):
    """Past FULL_RANK_LIMIT matches PostgreSQL ranks on `head` (title and file name lexemes, kept
    in the row) instead of every match's full tsvector: the same documents, the same total and
    counts per kind, the documents whose title holds the word first."""
    if search_app.config["SEARCH_BACKEND"] != "postgresql":
        pytest.skip("le classement sur `head` est propre à PostgreSQL")
    import search.postgres as backend

    portfolio = world["portfolio_a"]
    in_text = factories.make_evidence(portfolio, title="Relevé du commutateur")
    text_version(in_text, "Le routeur de secours répond ; routeur routeur routeur.\n", "releve.log")
    in_title = factories.make_evidence(portfolio, title="Routeur de bordure")
    text_version(in_title, "Interface WAN active.\n", "bordure.log")
    exact = search(world["admin"], "routeur")
    monkeypatch.setattr(backend, "FULL_RANK_LIMIT", 0)
    broad = search(world["admin"], "routeur")
    assert broad.total == exact.total == 2
    assert broad.kind_counts == exact.kind_counts
    assert {h.evidence_id for h in broad.hits} == {h.evidence_id for h in exact.hits} == {in_text.id, in_title.id}
    assert broad.hits[0].evidence_id == in_title.id
    assert "<mark>" in str(broad.hits[1].snippet_html)


# --- the PostgreSQL tsvector, made in one loop -----------------------------------------------

_LEXEME_RE = re.compile(r"'((?:[^']|'')*)'(?::([0-9A-D,]+))?")


def _parse_tsvector(literal: str) -> tuple[dict[str, set[int]], set[str]]:
    """(lexeme → positions, lexemes without positions) of a tsvector literal."""
    positions: dict[str, set[int]] = {}
    bare: set[str] = set()
    for match in _LEXEME_RE.finditer(literal):
        lexeme = match.group(1).replace("''", "'")
        if match.group(2):
            positions[lexeme] = {int(p.rstrip("ABCD")) for p in match.group(2).split(",")}
        else:
            bare.add(lexeme)
    return positions, bare


_ODD_FIELDS = [
    {"title": "Sécurité configurée\x1eles l'adresse-ip", "body": "les les é\x1e\x1eSECURITE " * 50,
     "content": "journal des événements ; mot de passe " * 3000},
    {"title": "", "body": "pare-feu\x1e\x1epare-feu", "content": " ".join(f"jeton{n:05d} a b" for n in range(20_000))},
    {"title": "Journal énorme", "body": "", "content": "début " + " ".join(f"jeton{n:07d}" for n in range(150_000))},
]


@pytest.mark.parametrize("fields", _ODD_FIELDS, ids=["accents-and-parts", "past-the-last-position", "past-1-MB"])
def test_the_one_loop_tsvector_has_the_analyzer_s_lexemes_and_positions(fields):
    literal, head, left_out = tsvectors_of(fields)
    reference, reference_left_out = _tsvector_of_reference(fields)
    assert literal == reference
    assert left_out == reference_left_out
    # What ts_filter(terms, '{a}') keeps: the title's lexemes, which come first.
    assert _parse_tsvector(head) == (_parse_tsvector(tsvectors_of({"title": fields["title"]})[0])[0], set())


def test_a_first_reindex_on_postgresql_builds_the_gin_index_after_loading(world, search_app, text_version):
    """An empty table (a first `flask search reindex`) is filled without the GIN index, which is
    built once at the end; a reindex over existing rows keeps it (searches keep answering)."""
    if search_app.config["SEARCH_BACKEND"] != "postgresql":
        pytest.skip("l'index GIN est propre à PostgreSQL")
    from search.services import search_index

    evidence = factories.make_evidence(world["portfolio_a"], title="Règles du pare-feu")
    text_version(evidence, "Le pare-feu bloque le port 23 ; mot de passe changé.\n", "regles.log")
    index = search_index()
    index.delete_documents(index.fingerprints())
    assert index.doc_count() == 0

    def gin_indexes() -> int:
        with index.engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_search_documents_terms' AND indexdef LIKE '%gin%'"
            )).scalar()

    for _run in range(2):  # from empty, then over the rows the first run wrote
        outcome = search_app.test_cli_runner().invoke(search_cli.cli, ["reindex"])
        assert outcome.exit_code == 0, outcome.output
        assert gin_indexes() == 1
        assert [h.evidence_id for h in search(world["candidate_a"], '"mot de passe"').hits] == [evidence.id]
