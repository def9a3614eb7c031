"""The attestation de validation de bloc de compétences (PDF): the certifier, the certification
and its code, the bloc, the date of the jury, the candidate, a unique number and a QR code that
opens the public verification page of the bloc's credential."""
from __future__ import annotations

import io

import segno

from core.timeutil import format_paris
from documents import Document, Heading, Image, Paragraph, Run, Table, TitlePage
from exports.results import slug

from awards.credentials import verification_url
from awards.models import AwardCredential


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def build_attestation(credential: AwardCredential) -> Document:
    session = credential.assignment.session
    certification = credential.certification
    bloc = credential.bloc
    url = verification_url(credential.uid)
    facts = [
        ["Certificateur", certification.certifier or "—"],
        ["Certification", certification.display_title],
        ["Code de la certification", certification.code or certification.lineage],
        ["Bloc de compétences", f"{bloc.code} — {bloc.title}"],
        ["Date du jury", format_paris(session.starts_at, "%d/%m/%Y")],
        ["Titulaire", credential.candidate.full_name],
        ["Numéro d'attestation", credential.number],
    ]
    return Document(
        title=f"Attestation {credential.number}", author=certification.certifier or "Probatio", subject=certification.display_title,
        blocks=[
            TitlePage("Attestation de validation de bloc de compétences", certification.display_title,
                      [f"N° {credential.number}"]),
            Paragraph([
                Run("Le jury de certification atteste que "), Run(credential.candidate.full_name, bold=True),
                Run(f" a validé le bloc de compétences {bloc.code} « {bloc.title} » de la certification "
                    f"{certification.display_title} lors de la session du {format_paris(session.starts_at, '%d/%m/%Y')}."),
            ]),
            Table(["Mention", "Valeur"], facts, col_widths=[0.35, 0.65], caption="Éléments de l'attestation"),
            Heading("Vérification", 2),
            Paragraph(f"Cette attestation se vérifie en ligne, sans compte, à l'adresse {url} (ou en lisant le code QR)."),
            Image(qr_png(url), caption=f"Code QR de vérification de l'attestation {credential.number}", max_height_cm=4.5),
        ],
    )


def attestation_filename(credential: AwardCredential) -> str:
    return f"attestation-{slug(credential.bloc.code)}-{slug(credential.candidate.full_name)}-{credential.number.lower()}.pdf"
