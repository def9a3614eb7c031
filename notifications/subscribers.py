"""Who is told what: the receivers of the lower packages' signals, each writing mails through
`services.notify` (which honours every recipient's preferences).

    set-password link issued      → the user                       (set_password, always at once)
    tutor's comment or decision    → the candidate                  (comment)
    review requested, or validated
    evidence changed               → the portfolio's tutors         (review)
    portfolio submitted            → the candidate and the tutors   (submission)
    interview slot planned / moved → the candidate, with an .ics    (convocation)
    results available              → `notify_results`, called by the results feature (results)
"""
from __future__ import annotations

from email.utils import parseaddr

from flask import Flask, current_app, has_request_context, url_for

from sqlalchemy import func, select

from accounts.signals import password_link_issued
from core.timeutil import format_paris
from extensions import db
from evidence.models import EvidenceStatus
from evidence.signals import comment_added, evidence_reopened, review_requested, status_changed
from grading.models import AuditEvent
from grading.signals import slot_planned
from grading.slots import convocation_of
from portfolio.signals import submission_received

from notifications import services
from notifications.calendar import ICS_MEDIA_TYPE, convocation_ics
from notifications.models import MailKind


def link(endpoint: str, **values) -> str:
    """An absolute link for a mail: the request's host, or PUBLIC_URL outside a request (a job)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def on_password_link(sender, user, link: str, **_):
    services.notify(user, MailKind.SET_PASSWORD, subject="Probatio : choisissez votre mot de passe",
                    context={"link": link})


def on_comment(sender, comment, **_):
    evidence = comment.evidence
    candidate = evidence.portfolio.candidate
    if comment.author_id == candidate.id:
        return
    services.notify(
        candidate, MailKind.COMMENT, subject=f"Nouveau commentaire sur votre preuve n°{evidence.number}",
        context={"evidence": evidence, "comment": comment, "author": comment.author,
                 "url": link("evidence.show", evidence_id=evidence.id, _anchor=f"commentaire-{comment.id}")},
    )


def on_status_changed(sender, evidence, change, **_):
    status = EvidenceStatus(change.to_status)
    services.notify(
        evidence.portfolio.candidate, MailKind.COMMENT,
        subject=f"Votre preuve n°{evidence.number} : {status.label}",
        context={"evidence": evidence, "status": status, "url": link("evidence.show", evidence_id=evidence.id)},
    )


def _tell_tutors(evidence, by, reopened: bool):
    what = "a été modifiée après validation et est à revoir" if reopened else "attend votre relecture"
    for tutor in evidence.portfolio.tutors:
        services.notify(
            tutor, MailKind.REVIEW,
            subject=f"Preuve n°{evidence.number} de {evidence.portfolio.candidate.full_name} : à relire",
            context={"evidence": evidence, "what": what, "reopened": reopened, "by": by,
                     "url": link("evidence.show", evidence_id=evidence.id)},
        )


def on_review_requested(sender, evidence, by=None, **_):
    _tell_tutors(evidence, by, reopened=False)


def on_reopened(sender, evidence, by=None, **_):
    _tell_tutors(evidence, by, reopened=True)


def on_submission(sender, submission, **_):
    portfolio = submission.portfolio
    context = {"submission": submission, "portfolio": portfolio,
               "submitted_at": format_paris(submission.submitted_at, "%d/%m/%Y à %H:%M"),
               "url": link("portfolio.submission", submission_id=submission.id)}
    services.notify(portfolio.candidate, MailKind.SUBMISSION,
                    subject=f"Dossier reçu : dépôt n°{submission.number} — {portfolio.certification.display_title}",
                    context={**context, "for_candidate": True})
    for tutor in portfolio.tutors:
        services.notify(tutor, MailKind.SUBMISSION,
                        subject=f"{portfolio.candidate.full_name} a déposé son dossier (dépôt n°{submission.number})",
                        context={**context, "for_candidate": False})


def on_slot_planned(sender, assignment, slot, moved: bool, **_):
    candidate = assignment.submission.portfolio.candidate
    convocation = convocation_of(assignment.submission)
    if convocation is None or not convocation.planned:
        return
    ics = convocation_ics(
        assignment.id, convocation, sequence=_times_moved(slot), organizer=parseaddr(current_app.config["MAIL_FROM"])[1], attendee=candidate.email,
    )
    subject = ("Changement d'horaire de votre entretien" if moved else "Convocation à votre entretien") + \
        f" — {convocation.certification_title}"
    services.notify(
        candidate, MailKind.CONVOCATION, subject=subject,
        context={"convocation": convocation, "moved": moved,
                 "starts": format_paris(convocation.starts_at, "%d/%m/%Y à %H:%M"),
                 "ends": format_paris(convocation.ends_at, "%H:%M")},
        attachments=[{"filename": "convocation-entretien.ics", "media_type": ICS_MEDIA_TYPE, "content": ics}],
    )


def _times_moved(slot) -> int:
    """How many times the slot was planned before this one (its audit trail): the .ics SEQUENCE."""
    planned = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "slot.planned", AuditEvent.object_id == slot.id)
    ) or 1
    return planned - 1


def notify_results(user, *, certification_title: str, url: str, summary: str = ""):
    """The hook for the results feature (awards/): tell `user` their results are available.

    `url` is where they read them; `summary` (optional, French) one or two sentences shown in the
    mail. Honours the user's preference for "Résultats disponibles"; returns the mail row or None.
    """
    return services.notify(
        user, MailKind.RESULTS, subject=f"Vos résultats sont disponibles — {certification_title}",
        context={"certification_title": certification_title, "url": url, "summary": summary},
    )


RECEIVERS = [
    (password_link_issued, on_password_link),
    (comment_added, on_comment),
    (status_changed, on_status_changed),
    (review_requested, on_review_requested),
    (evidence_reopened, on_reopened),
    (submission_received, on_submission),
    (slot_planned, on_slot_planned),
]


def init_notifications(app: Flask) -> None:
    """Subscribe to the signals (once per process: blinker keeps one connection per receiver)."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, weak=False)
