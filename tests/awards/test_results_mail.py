"""Candidates learn by mail that their results can be read, once the minutes are signed, and again
after a correction is signed (real SMTP server on 127.0.0.1)."""
from __future__ import annotations

from grading import decisions
from tests.awards.jury_steps import deliberate, sign


def _results_mails(smtp_server, candidate) -> list:
    return [m for m in smtp_server.to(candidate.email) if m["X-Probatio-Kind"] == "results"]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_no_results_mail_before_the_minutes_are_signed(smtp_server, jury):
    deliberate(jury)
    assert _results_mails(smtp_server, jury.candidate) == []


def test_signed_minutes_tell_the_candidate_where_to_read_the_results(smtp_server, jury):
    deliberate(jury)
    sign(jury)
    [message] = _results_mails(smtp_server, jury.candidate)
    assert message["Subject"].startswith("Vos résultats sont disponibles — ")
    body = _text(message)
    assert f"/resultats/{jury.assignment.id}" in body
    assert "1 bloc validé sur 2." in body
    # The deliberation's note stays out of the mail, as out of the relevé.
    assert "Débat interne" not in body


def test_a_correction_signed_again_is_announced_again(smtp_server, jury):
    deliberate(jury)
    sign(jury)
    second = decisions.effective_decision(jury.assignment, jury.session.blocs[1].id)
    decisions.correct_decision(second, "validated", "Rectifié : BC02 démontré", "Erreur de saisie", actor=jury.president)
    sign(jury)
    first, again = _results_mails(smtp_server, jury.candidate)
    assert "Le jury a corrigé une décision. 2 blocs validés sur 2." in _text(again)
