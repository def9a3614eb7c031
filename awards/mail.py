"""Tell each candidate of a session, by mail, that their results can be read (after each signature).

A correction signed again announces it again: the decision the candidate read may have changed.
"""
from __future__ import annotations

from grading.models import JurySession
from grading.signals import minutes_signed
from notifications import notify_results
from notifications.subscribers import link

from awards.results import results_of


def on_minutes_signed(sender, session: JurySession, version: int, **_) -> None:
    for assignment in session.assignments:
        results = results_of(assignment)
        validated = len(results.validated)
        summary = (
            f"{validated} bloc{'s' if validated > 1 else ''} validé{'s' if validated > 1 else ''} "
            f"sur {len(results.blocs)}."
        )
        if version > 1:
            summary = "Le jury a corrigé une décision. " + summary
        notify_results(
            assignment.candidate,
            certification_title=session.certification.display_title,
            url=link("awards.show", assignment_id=assignment.id),
            summary=summary,
        )


def subscribe() -> None:
    minutes_signed.connect(on_minutes_signed, weak=False)
