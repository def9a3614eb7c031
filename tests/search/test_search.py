"""Search through the service: French analysis on a real index, permissions inside the query,
versions and submissions, the index following the database, faults (index deleted, drift,
concurrent writers).

Jobs run in huey's immediate mode (forced by the `search_app` fixture): the
session listener reindexes inline right after each commit.
"""
from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest

from evidence import services as evidence_services
from search.extraction import extract_version
from evidence.models import EvidenceVersion
from search import SearchFilters, SearchIndex, check_index, rebuild_index, search, search_index
from search.query import EMPTY_MESSAGE, LONE_WILDCARD_MESSAGE, STOP_WORDS_MESSAGE
from search.cli import cli as search_cli
from extensions import db
from portfolio.submissions import submit_portfolio
from tests import factories







def found(user, query, **kwargs) -> set[int]:
    results = search(user, query, **kwargs)
    assert results.error is None, results.error
    return {hit.evidence_id for hit in results.hits}


# --- French analysis, on the index -----------------------------------------------------------

@pytest.mark.parametrize(
    "query",
    ["evenement", "Événements", "journaux", "JOURNAL", "Pare-Feu", "pare-feu", '"pare-feu"', "pare feu", "journ*",
     "Journ*", "événem*", "journau*", "configur*", '"journal des événements"', "sauvegarde", "filtrage", "journal OU inexistant"],
)
def test_french_variants_find_the_evidence(world, query):
    assert found(world["candidate_a"], query) == {world["evidence_a"].id}


def test_phrase_needs_the_words_in_order(world):
    assert found(world["candidate_a"], '"feu pare"') == set()
    assert found(world["candidate_a"], "journal -dmz") == set()


# --- permissions -----------------------------------------------------------------------------

def test_candidate_and_tutor_cannot_find_another_candidates_words(world):
    for user in (world["candidate_a"], world["tutor"], world["juror"]):
        results = search(user, "zanzibarique")
        assert results.total == 0 and results.hits == [] and results.kind_counts == {}, user
        assert search(user, "zanzibar*").total == 0
    assert found(world["candidate_b"], "zanzibarique") == {world["evidence_b"].id}
    assert found(world["admin"], "zanzibarique") == {world["evidence_b"].id}


def test_counts_and_facets_only_count_what_the_user_sees(world):
    mine = search(world["candidate_a"], "commun")
    assert mine.total == 1 and sum(mine.kind_counts.values()) == 1
    assert search(world["tutor"], "commun").total == 1
    everything = search(world["admin"], "commun")
    assert everything.total == 2 and everything.kind_counts == {"texte": 2}


def test_filters(world):
    a, admin = world["evidence_a"], world["admin"]
    criterion = world["certification"].blocs[1].evaluations[0].criteria[0]
    factories.claim(a, criterion, "La règle DENY prouve le filtrage des flux.")
    assert found(admin, "commun", filters=SearchFilters(criterion_id=criterion.id)) == {a.id}
    assert found(admin, "commun", filters=SearchFilters(bloc_id=world["certification"].blocs[1].id)) == {a.id}
    assert found(admin, "commun", filters=SearchFilters(candidate_id=world["candidate_b"].id)) == {world["evidence_b"].id}
    assert found(admin, "commun", filters=SearchFilters(certification_id=world["certification"].id)) == {a.id}
    assert found(admin, "commun", filters=SearchFilters(certification_id=world["other_certification"].id)) == {world["evidence_b"].id}
    assert found(admin, "commun", filters=SearchFilters(kind="image")) == set()
    counts = search(admin, "commun", filters=SearchFilters(kind="image")).kind_counts
    assert counts == {"texte": 2}, "the type counts ignore the type filter itself"


# --- the index follows the database ----------------------------------------------------------

def test_edits_claims_deletion_are_reindexed(world):
    a, user = world["evidence_a"], world["candidate_a"]
    evidence_services.update_evidence(a, evidence_services.EvidenceFields(title="Cartographie des flux", description="Vue d'ensemble."))
    assert found(user, "cartographie") == {a.id}
    assert found(user, "DMZ") == set()
    criterion = world["certification"].blocs[0].evaluations[0].criteria[0]
    claim = factories.claim(a, criterion, "Démontre la traçabilité des connexions.")
    assert found(user, "traçabilité") == {a.id}
    evidence_services.update_claim(claim, "Démontre la supervision.")
    assert found(user, "traçabilité") == set()
    evidence_services.delete_evidence(a)
    assert found(user, "cartographie") == set()
    evidence_services.restore_evidence(a)
    assert found(user, "cartographie") == {a.id}


def test_versions_current_and_past(text_version, world):
    a, user = world["evidence_a"], world["candidate_a"]
    new = text_version(a, "Nouvelle version : règles nettoyées, hippocampe.", "pare-feu.log", file=world["version_a"].file)
    assert found(user, "hippocampe") == {a.id}
    assert found(user, "DENY") == set(), "the past version is not searched by default"
    results = search(user, "DENY", filters=SearchFilters(include_past_versions=True))
    assert [(h.version_id, h.is_current) for h in results.hits] == [(world["version_a"].id, False)]
    assert search(user, "hippocampe").hits[0].version_id == new.id


def test_submission_search_sees_the_frozen_dossier(text_version, world):
    a, user = world["evidence_a"], world["candidate_a"]
    submission = submit_portfolio(world["portfolio_a"], user)
    text_version(a, "Ajout postérieur au dépôt : ornithorynque.", "pare-feu.log", file=world["version_a"].file)
    assert found(user, "ornithorynque") == {a.id}
    assert found(user, "ornithorynque", submission_id=submission.id) == set()
    assert found(user, "DENY", submission_id=submission.id) == {a.id}
    assert found(world["tutor"], "DENY", submission_id=submission.id) == {a.id}
    # Another candidate asking for this dossier by id still gets nothing.
    assert search(world["candidate_b"], "DENY", submission_id=submission.id).total == 0


def test_juror_finds_the_dossiers_of_their_session_as_submitted(text_version, world):
    from datetime import datetime, timedelta

    from grading import sessions

    a, juror, admin = world["evidence_a"], world["juror"], world["admin"]
    submission = submit_portfolio(world["portfolio_a"], world["candidate_a"])
    text_version(a, "Ajout postérieur au dépôt : ornithorynque.", "pare-feu.log", file=world["version_a"].file)
    assert search(juror, "DENY").total == 0
    session = sessions.create_session(
        world["certification"], sessions.SessionFields(starts_at=datetime.utcnow() + timedelta(days=7), place="Salle 2"), actor=admin
    )
    sessions.add_member(session, juror, actor=admin, is_president=True)
    sessions.assign_submission(session, submission, actor=admin)
    # The version frozen in the dossier, although the candidate has replaced it since.
    assert found(juror, "DENY") == {a.id}
    assert found(juror, "DENY", submission_id=submission.id) == {a.id}
    assert found(juror, "ornithorynque") == set()
    assert found(juror, "zanzibarique") == set()


def test_evidence_without_files_is_found_by_its_title(world):
    lonely = factories.make_evidence(world["portfolio_a"], title="Topologie du réseau de l'agence")
    hits = search(world["candidate_a"], "topologie").hits
    assert [(h.evidence_id, h.version_id, h.filename) for h in hits] == [(lonely.id, None, "")]


# --- results ---------------------------------------------------------------------------------

def test_snippets_are_highlighted_and_escaped(world):
    hit = search(world["candidate_a"], "DENY").hits[0]
    assert "<mark>DENY</mark>" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html and "<script>" not in hit.snippet_html
    assert hit.filename == "pare-feu.log" and hit.version_id == world["version_a"].id
    title_hit = search(world["candidate_a"], "pare-feu").hits[0]
    assert "<mark>pare</mark>-<mark>feu</mark>" in title_hit.title_html


def test_pagination(world):
    for n in range(25):
        factories.make_evidence(world["portfolio_a"], title=f"Relevé de température numéro {n}")
    first = search(world["candidate_a"], "température", per_page=20)
    second = search(world["candidate_a"], "température", page=2, per_page=20)
    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (25, 2, 20, 5)
    assert not {h.evidence_id for h in first.hits} & {h.evidence_id for h in second.hits}


def test_totals_count_every_match_beyond_the_first_page(tmp_path):
    """Whoosh prunes sub-queries that cannot reach the top N, which undercounted restricted
    phrase queries (221 matches reported as 162 here); the total must count every match."""
    import random

    from whoosh import query as wq

    from search.query import parse_query
    from search.searching import restricted, run_search

    rnd = random.Random(1)
    words = ["journal", "journaux", "journalisation", "journée", "serveur", "routeur", "alerte", "disque", "réseau",
             "sauvegarde"] + [f"mot{i}" for i in range(50)]
    index = SearchIndex(tmp_path / "index")
    index.create()
    index.add_documents(
        {**_fake_document(), "doc_id": f"v{n}", "evidence_id": str(n),
         "title": " ".join(rnd.choice(words[:10] + ["preuve", "capture"]) for _ in range(rnd.randint(1, 5))),
         "content": " ".join(rnd.choice(words) for _ in range(rnd.randint(5, 200)))}
        for n in range(3000)
    )
    searcher = index.searcher()
    restriction = wq.Term("kind", "texte")
    for text in ('"journal serveur"', "journ*", "journal serveur"):
        query = parse_query(text).query
        exact = sum(1 for _ in searcher.docs_for_query(restricted(query, restriction)))
        # No time limit: on a loaded machine the collection could stop early and report a partial total.
        assert run_search(searcher, query, restriction=restriction, per_page=20, with_facets=True, time_limit=None).total == exact, text
        assert run_search(searcher, query, restriction=restriction, per_page=20, time_limit=None).total == exact, text


def test_time_limit_gives_partial_results_and_says_so(world, search_app, whoosh_only, monkeypatch):
    for n in range(300):
        factories.make_evidence(world["portfolio_a"], title=f"Relevé de la baie de brassage {n}")
    monkeypatch.setitem(search_app.config, "SEARCH_TIME_LIMIT", 1e-9)
    results = search(world["candidate_a"], "baie")
    assert results.partial and 0 < results.total < 300
    assert any("arrêtée avant la fin" in n for n in results.notices)
    monkeypatch.setitem(search_app.config, "SEARCH_TIME_LIMIT", None)
    complete = search(world["candidate_a"], "baie")
    assert not complete.partial and complete.total == 300


def test_highlight_marks_whole_words_in_context():
    from search.highlight import highlight

    text = "Début. " + "Texte de remplissage sans intérêt. " * 20 + "Le <b>pare-feu</b> bloque le port 22. " + "Fin. " * 50
    html = highlight(text, {"par", "feu"}, width=120)
    assert "<mark>pare</mark>-<mark>feu</mark>" in html and "&lt;b&gt;" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert highlight("Sécurité du réseau", {"secur"}, width=None) == "<mark>Sécurité</mark> du réseau"
    assert highlight("rien à voir", {"feu"}) is None


@pytest.mark.parametrize(
    ("query", "message"),
    [("", EMPTY_MESSAGE), ("le la les de", STOP_WORDS_MESSAGE), ("*", LONE_WILDCARD_MESSAGE)],
)
def test_nothing_to_search_gives_a_message_not_an_error(world, query, message):
    results = search(world["candidate_a"], query)
    assert (results.message, results.error, results.total) == (message, None, 0)


@pytest.mark.parametrize("query", ["journal " * 1250, '"journal des événements', "pare-feu", "*", "routeur *", "(", "a:b"])
def test_odd_queries_never_fail(world, query):
    results = search(world["candidate_a"], query)
    assert results.error is None
    if query.startswith("journal "):
        assert results.total == 1 and any("trop longue" in n for n in results.notices)
    if query.startswith('"journal'):
        assert results.total == 1 and any("guillemet" in n.lower() for n in results.notices)


# --- OCR -------------------------------------------------------------------------------------

def test_screenshot_text_is_found_through_ocr(world):

    a = world["evidence_a"]
    version = factories.add_version(a, factories.text_png(["Journal des evenements", "Pare-feu : refus SSH"]), "capture.png", "image/png")
    extract_version(version)
    db.session.commit()
    assert version.extraction_status == "done", version.extraction_error
    hits = search(world["candidate_a"], "événements refus").hits
    assert [(h.version_id, h.kind) for h in hits] == [(version.id, "image")]
    assert "<mark>" in hits[0].snippet_html


def test_without_tesseract_images_stay_findable_by_title_and_say_why(world, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tesseract-here"))

    evidence = factories.make_evidence(world["portfolio_a"], title="Capture du tableau de supervision")
    version = factories.add_version(evidence, factories.text_png(["Alerte disque"]), "supervision.png", "image/png")
    extract_version(version)
    db.session.commit()
    assert version.extraction_status == "failed"
    assert version.extraction_error == "OCR indisponible : tesseract n'est pas installé"
    hit = search(world["candidate_a"], "supervision").hits[0]
    assert hit.extraction_status == "failed" and "tesseract" in hit.extraction_error


# --- faults: index deleted, drift, concurrent writers ----------------------------------------

def test_index_deleted_while_running_then_rebuilt(world, search_app, whoosh_only):
    user = world["candidate_a"]
    assert found(user, "DENY") == {world["evidence_a"].id}
    shutil.rmtree(search_app.config["SEARCH_INDEX_DIR"])
    results = search(user, "DENY")
    assert results.error == "L'index de recherche est absent : lancez « flask search reindex »."
    # Changes keep committing (the failed reindex is logged, never raised to the user).
    factories.make_evidence(world["portfolio_a"], title="Schéma d'adressage IPv6")
    runner = search_app.test_cli_runner()
    outcome = runner.invoke(search_cli.cli, ["reindex"])
    assert outcome.exit_code == 0, outcome.output
    assert "Index reconstruit" in outcome.output
    assert found(user, "DENY") == {world["evidence_a"].id}
    assert len(found(user, "IPv6")) == 1
    assert runner.invoke(search_cli.cli, ["check"]).exit_code == 0


def test_check_reports_drift_and_reindex_repairs_it(world, search_app, monkeypatch):
    runner = search_app.test_cli_runner()
    assert runner.invoke(search_cli.cli, ["check"]).exit_code == 0
    monkeypatch.setitem(search_app.extensions["search"], "sync", "off")
    evidence_services.update_evidence(world["evidence_a"], evidence_services.EvidenceFields(title="Titre changé sans index"))
    lonely = factories.make_evidence(world["portfolio_a"], title="Jamais indexée")
    search_index().add_documents([{**_fake_document(), "doc_id": "v999999"}])
    report = check_index()
    assert report.stale == [f"v{world['version_a'].id}"]
    assert report.missing == [f"e{lonely.id}"]
    assert report.extra == ["v999999"]
    outcome = runner.invoke(search_cli.cli, ["check"])
    assert outcome.exit_code == 1
    assert "périmés" in outcome.output and "absents" in outcome.output and "en trop" in outcome.output
    assert runner.invoke(search_cli.cli, ["reindex"]).exit_code == 0
    assert runner.invoke(search_cli.cli, ["check"]).exit_code == 0


def test_parallel_rebuild_gives_the_same_index(text_version, world, search_app):
    for n in range(12):
        evidence = factories.make_evidence(world["portfolio_a"], title=f"Preuve supplémentaire {n}")
        text_version(evidence, f"Relevé numéro {n} du commutateur.")
    single = rebuild_index(processes=1).documents
    fingerprints = search_index().fingerprints()
    assert rebuild_index(processes=2).documents == single
    assert search_index().fingerprints() == fingerprints
    assert search(world["candidate_a"], "commutateur").total == 12


def test_extract_command(world, search_app):
    version = factories.add_version(world["evidence_b"], "Procédure de bascule du cluster.".encode(), "bascule.txt", "text/plain")
    outcome = search_app.test_cli_runner().invoke(search_cli.cli, ["extract", "--retry-failed"])
    assert outcome.exit_code == 0, outcome.output
    assert "1 extraites" in outcome.output
    assert db.session.get(EvidenceVersion, version.id).extraction_status == "done"
    assert found(world["candidate_b"], "bascule") == {world["evidence_b"].id}


def _fake_document() -> dict:
    return {
        "doc_id": "v0", "fingerprint": "0" * 40, "evidence_id": "0", "evidence_number": 0, "version_id": "0",
        "version_number": 1, "portfolio_id": "0", "candidate_id": "0", "candidate_name": "", "certification_id": "0",
        "certification_code": "", "bloc_ids": "", "bloc_codes": "", "criterion_ids": "", "criterion_keys": "",
        "kind": "texte", "status": "draft", "is_current": True, "is_live": True, "submission_ids": "",
        "extraction_status": "done", "extraction_error": "", "title": "", "description": "", "justifications": "",
        "filename": "", "content": "",
    }


def _write_batches(path: str, writer: int, batches: int, per_batch: int) -> None:
    """In a separate process: commit `batches` small batches to the shared index."""
    index = SearchIndex(path)
    for batch in range(batches):
        index.add_documents(
            {**_fake_document(), "doc_id": f"p{writer}-{batch}-{n}", "evidence_id": f"{writer}{batch}{n}",
             "content": f"écrit par le processus {writer}"}
            for n in range(per_batch)
        )


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "index"
    index = SearchIndex(path)
    index.create()
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_batches, args=(str(path), w, 15, 4)) for w in (1, 2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    ids = set(SearchIndex(Path(path)).fingerprints())
    assert len(ids) == 2 * 15 * 4
    assert {f"p{w}-{b}-{n}" for w in (1, 2) for b in range(15) for n in range(4)} == ids
