"""Frozen means frozen in search too: a dossier's documents carry the texts its snapshot froze, so
that a juror finds, reads in the snippet and opens the submitted words, while the candidate's own
portfolio search follows today's texts. And the "versions précédentes" box, unticked, never brings
a past version back, whoever searches.

Through the real app: the candidate edits the evidence with the edit form after submitting.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from grading import sessions
from portfolio.submissions import submit_portfolio
from search import SearchFilters, check_index, rebuild_index, search
from tests import factories


@pytest.fixture()
def dossier(world, client_for):
    """Candidate A's portfolio submitted, then the evidence reworded and its log replaced; the
    juror sits on the session that examines the submission."""
    a = world["evidence_a"]
    criterion = world["certification"].blocs[0].evaluations[0].criteria[0]
    claim = factories.claim(a, criterion, "Le journal prouve la journalisation des refus.")
    submission = submit_portfolio(world["portfolio_a"], world["candidate_a"])
    candidate = client_for(world["candidate_a"])
    response = candidate.submit(f"/preuves/{a.id}/modifier", {
        "title": "Configuration du pare-feu", "description": "Texte réécrit après le dépôt : capybara.",
        "context": a.context, "organisation": "", "period": "", "confidentiality_note": "",
    }, token_from=f"/preuves/{a.id}/modifier")
    assert response.status_code in (302, 303), response.status_code
    response = candidate.submit(f"/rattachements/{claim.id}/modifier", {"justification": "Justification réécrite : okapi."},
                                token_from=f"/preuves/{a.id}")
    assert response.status_code in (302, 303), response.status_code
    session = sessions.create_session(
        world["certification"], sessions.SessionFields(starts_at=datetime.utcnow() + timedelta(days=7), place="Salle 2"),
        actor=world["admin"],
    )
    sessions.add_member(session, world["juror"], actor=world["admin"], is_president=True)
    assignment = sessions.assign_submission(session, submission, actor=world["admin"])
    return {**world, "submission": submission, "assignment": assignment, "candidate_client": candidate, "juror_client": client_for(world["juror"])}


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_juror_dossier_search_neither_finds_nor_shows_words_written_after_the_submission(dossier):
    juror, submission = dossier["juror_client"], dossier["submission"]
    url = f"/depots/{submission.id}/recherche"
    for new_word in ("capybara", "okapi"):
        page = _html(juror, f"{url}?q={new_word}")
        assert "Aucun résultat" in page and 'class="search-hit"' not in page, new_word
    # The submitted words are found, shown in the snippet, and the result opens the dossier.
    page = _html(juror, f"{url}?q=filtrage")
    assert "1 résultat pour" in page
    assert "<mark>filtrage</mark> de la DMZ" in page and "capybara" not in page
    assert f'href="/depots/{submission.id}#preuve-{dossier["evidence_a"].number}"' in page
    page = _html(juror, f"{url}?q=journalisation")
    assert "<mark>journalisation</mark> des refus" in page and "okapi" not in page
    # The juror's search across their dossiers answers the same way.
    assert search(dossier["juror"], "capybara").total == 0
    assert search(dossier["juror"], "okapi").total == 0
    assert {h.evidence_id for h in search(dossier["juror"], "filtrage").hits} == {dossier["evidence_a"].id}
    # What the link opens shows the submitted words too.
    opened = _html(juror, f"/depots/{submission.id}")
    assert "Règles de filtrage de la DMZ." in opened and "capybara" not in opened


def test_dossier_search_is_linked_from_the_review_and_submission_pages(dossier):
    juror, submission = dossier["juror_client"], dossier["submission"]
    link = f'href="/depots/{submission.id}/recherche">Rechercher dans ce dossier</a>'
    assert _html(juror, f"/jury/affectations/{dossier['assignment'].id}").count(link) == 1
    assert link in _html(juror, f"/depots/{submission.id}")
    assert link in _html(dossier["candidate_client"], f"/depots/{submission.id}")


def test_candidate_portfolio_search_follows_todays_texts(dossier):
    candidate = dossier["candidate_client"]
    page = _html(candidate, "/recherche?q=capybara")
    assert "1 résultat pour" in page and "<mark>capybara</mark>" in page
    assert f'href="/preuves/{dossier["evidence_a"].id}' in page
    assert "Aucun résultat" in _html(candidate, "/recherche?q=filtrage")
    assert "<mark>okapi</mark>" in _html(candidate, "/recherche?q=okapi")
    # Their own dossier search keeps the submitted words.
    url = f"/depots/{dossier['submission'].id}/recherche"
    assert "Aucun résultat" in _html(candidate, f"{url}?q=capybara")
    assert "<mark>filtrage</mark>" in _html(candidate, f"{url}?q=filtrage")


def test_reindex_rebuilds_the_frozen_documents_and_check_sees_no_drift(dossier, search_app):
    report = rebuild_index()
    assert report.documents >= 2
    assert check_index().ok
    assert search(dossier["juror"], "capybara").total == 0
    assert search(dossier["juror"], "filtrage", submission_id=dossier["submission"].id).total == 1


def test_unticked_previous_versions_box_brings_no_past_version_back(text_version, world, client_for):
    a, juror = world["evidence_a"], world["juror"]
    submission = submit_portfolio(world["portfolio_a"], world["candidate_a"])
    text_version(a, "Nouvelle version : hippocampe.", "pare-feu.log", file=world["version_a"].file)
    session = sessions.create_session(
        world["certification"], sessions.SessionFields(starts_at=datetime.utcnow() + timedelta(days=7), place="Salle 2"),
        actor=world["admin"],
    )
    sessions.add_member(session, juror, actor=world["admin"], is_president=True)
    sessions.assign_submission(session, submission, actor=world["admin"])
    for user in (world["candidate_a"], world["tutor"], world["admin"]):
        client = client_for(user)
        assert "Aucun résultat" in _html(client, "/recherche?q=DENY"), user.full_name
        ticked = _html(client, "/recherche?q=DENY&anciennes=1")
        assert "1 résultat pour" in ticked and "version précédente" in ticked, user.full_name
        assert search(user, "DENY").total == 0
        assert [h.is_current for h in search(user, "DENY", filters=SearchFilters(include_past_versions=True)).hits] == [False]
    # The juror sees the dossier only as submitted: its version is the dossier's, never a past one,
    # ticked or not, and the result opens the dossier rather than today's evidence.
    for filters in (SearchFilters(), SearchFilters(include_past_versions=True)):
        hits = search(juror, "DENY", filters=filters).hits
        assert [(h.is_current, h.submission_id) for h in hits] == [(True, submission.id)]
    page = _html(client_for(juror), "/recherche?q=DENY")
    assert "1 résultat pour" in page and "version précédente" not in page
    assert f'href="/depots/{submission.id}#preuve-{a.number}"' in page
    assert search(juror, "hippocampe", filters=SearchFilters(include_past_versions=True)).total == 0
