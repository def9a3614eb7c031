"""`flask search extract | reindex | check`: text extraction and the search index from the shell."""
from __future__ import annotations

import time

import click
from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from search.extraction import extract_version
from evidence.models import EvidenceFile, EvidenceVersion, ExtractionStatus
from search import IndexMissing, SearchIndexError, check_index, index_evidence, rebuild_index, search_index
from extensions import db

cli = Blueprint("search_cli", __name__, cli_group="search")

SHOWN_PER_CATEGORY = 20


@cli.cli.command("extract")
@click.option("--retry-failed", is_flag=True, help="Also retry versions whose extraction failed.")
def extract_command(retry_failed: bool):
    """Extract the text of versions still pending (and failed ones with --retry-failed), then index them."""
    statuses = [ExtractionStatus.PENDING.value] + ([ExtractionStatus.FAILED.value] if retry_failed else [])
    counts: dict[str, int] = {}
    evidence_ids: set[int] = set()
    # A session of its own: nothing to reindex per commit (done once at the end), and rows are
    # let go as we go, whatever the caller's session holds.
    with Session(db.engine) as session:
        version_ids = list(session.scalars(
            select(EvidenceVersion.id).where(EvidenceVersion.extraction_status.in_(statuses)).order_by(EvidenceVersion.id)
        ))
        if not version_ids:
            click.echo("Aucune version à extraire.")
            return
        click.echo(f"{len(version_ids)} version(s) à extraire.")
        for position, version_id in enumerate(version_ids, start=1):
            version = session.get(EvidenceVersion, version_id)
            extract_version(version)
            counts[version.extraction_status] = counts.get(version.extraction_status, 0) + 1
            evidence_ids.add(session.scalar(select(EvidenceFile.evidence_id).where(EvidenceFile.id == version.file_id)))
            if version.extraction_status == ExtractionStatus.FAILED.value:
                click.echo(f"  échec : version {version.id} « {version.filename} » — {version.extraction_error}")
            session.commit()
            session.expunge_all()
            if position % 50 == 0:
                click.echo(f"  … {position}/{len(version_ids)}")
    labels = {"done": "extraites", "failed": "en échec", "skipped": "ignorées (type non pris en charge)"}
    click.echo("Résultat : " + ", ".join(f"{n} {labels.get(s, s)}" for s, n in sorted(counts.items())) + ".")
    try:
        index_evidence(evidence_ids)
    except SearchIndexError as error:
        raise click.ClickException(f"Textes enregistrés, mais l'index n'a pas été mis à jour : {error}") from None
    click.echo(f"Index mis à jour pour {len(evidence_ids)} preuve(s).")


@cli.cli.command("reindex")
@click.option("--processes", type=click.IntRange(1, 32), default=1, show_default=True, help="Indexing processes.")
def reindex_command(processes: int):
    """Rebuild the search index from the database (searches keep working meanwhile)."""
    started = time.monotonic()
    last = [started]

    def progress(done: int) -> None:
        if time.monotonic() - last[0] >= 5:
            last[0] = time.monotonic()
            click.echo(f"  … {done} document(s)")

    try:
        report = rebuild_index(processes=processes, on_progress=progress)
    except SearchIndexError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Index reconstruit : {report.documents} document(s) en {time.monotonic() - started:.1f} s "
        f"({processes} processus) dans {search_index().path}."
    )
    if report.repaired:
        click.echo(f"{report.repaired} document(s) modifié(s) pendant la reconstruction ont été rattrapés.")


@cli.cli.command("check")
def check_command():
    """Compare the index with the database: missing, stale and extra documents (exit code 1 on drift)."""
    try:
        report = check_index()
    except IndexMissing as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    where = "la table search_documents (PostgreSQL)" if report.backend == "postgresql" else "l'index"
    click.echo(f"Documents attendus d'après la base : {report.expected} ; dans {where} : {report.indexed}.")
    if report.truncated:
        shown = ", ".join(f"{doc_id} ({words:,} mots)".replace(",", "\u202f") for doc_id, words in list(report.truncated.items())[:SHOWN_PER_CATEGORY])
        click.echo(
            f"{len(report.truncated)} document(s) au texte trop long pour un tsvector PostgreSQL (1 Mo) : indexés "
            f"jusqu'à la limite, les mots suivants ne sont pas cherchables : {shown}"
        )
    for label, doc_ids in (("absents de l'index", report.missing), ("périmés", report.stale), ("en trop", report.extra)):
        if doc_ids:
            shown = ", ".join(doc_ids[:SHOWN_PER_CATEGORY]) + (" …" if len(doc_ids) > SHOWN_PER_CATEGORY else "")
            click.echo(f"{len(doc_ids)} document(s) {label} : {shown}")
    if report.ok:
        click.echo("L'index est à jour.")
        return
    click.echo("L'index diffère de la base : lancez « flask search reindex ».", err=True)
    raise SystemExit(1)
