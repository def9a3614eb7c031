"""A submission whose claims are anchored (lines of a log, a region of a screenshot, pages of a
PDF), built through the services, frozen, and assigned to a jury session with one juror."""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from accounts.models import Role
from evidence.anchors import Spot, add_anchor
from grading import sessions
from portfolio.submissions import submit_portfolio
from tests import factories
from tests.excerpts.samples import numbered_log, pdf_pages

GREEN = (0, 170, 0)


def quadrants_png(width: int = 800, height: int = 500) -> bytes:
    """A screenshot-like picture: red top-left, green top-right, blue bottom-left, white bottom-right."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    image.paste((220, 0, 0), (0, 0, width // 2, height // 2))
    image.paste(GREEN, (width // 2, 0, width, height // 2))
    image.paste((0, 0, 220), (0, height // 2, width // 2, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class AnchoredJury:
    candidate: object
    tutor: object
    juror: object
    admin: object
    portfolio: object
    evidence: object
    criteria: list
    claims: list
    log: object
    png: object
    pdf: object
    submission: object
    assignment: object


def anchored_jury(make_user, *, log_bytes: bytes | None = None, lines: tuple[int, int] = (120, 124),
                  extract: bool = False) -> AnchoredJury:
    """`extract`: extract the versions' text (so that search finds them) as the upload job would."""
    admin = make_user(Role.ADMIN)
    juror = make_user(Role.JUROR, name="Julie Jurée")
    tutor = make_user(Role.TUTOR, name="Théo Tuteur")
    candidate = make_user(Role.CANDIDATE, name="Camille Candidate")
    certification = factories.make_certification("RNCP-ANCRES")
    portfolio = factories.make_portfolio(candidate, certification, tutors=[tutor])
    evidence = factories.make_evidence(portfolio, title="Exploitation du serveur")
    log = factories.add_version(evidence, log_bytes or numbered_log(400), "exploitation.log", "text/plain")
    png = factories.add_version(evidence, quadrants_png(), "capture.png", "image/png")
    pdf = factories.add_version(evidence, pdf_pages(12, "Schéma page"), "schema.pdf", "application/pdf")
    if extract:
        from extensions import db
        from search.extraction import extract_version

        for version in (log, pdf):
            extract_version(version)
        db.session.commit()
    criteria = certification.blocs[0].evaluations[0].criteria[:3]
    claims = [
        factories.claim(evidence, criteria[0], "Les journaux sont analysés."),
        factories.claim(evidence, criteria[1], "La console montre la règle."),
        factories.claim(evidence, criteria[2], "Le schéma est complet."),
    ]
    add_anchor(claims[0], log, Spot("lines", line_start=lines[0], line_end=lines[1]), by=candidate)
    add_anchor(claims[1], png, Spot("region", x=0.5, y=0.0, width=0.25, height=0.5), by=candidate)
    add_anchor(claims[2], pdf, Spot("pages", page_start=3, page_end=4), by=candidate)
    submission = submit_portfolio(portfolio, candidate)
    session = sessions.create_session(
        certification, sessions.SessionFields(starts_at=factories.SESSION_START, place="Salle 3"), actor=admin
    )
    sessions.add_member(session, juror, actor=admin, is_president=True, is_external=True)
    assignment = sessions.assign_submission(session, submission, actor=admin)
    return AnchoredJury(candidate, tutor, juror, admin, portfolio, evidence, criteria, claims, log, png, pdf,
                        submission, assignment)
