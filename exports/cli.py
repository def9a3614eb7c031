"""`flask export dossier|grid SUBMISSION_ID --format pdf|docx -o FILE`: the web export's builders,
for certifiers who archive or print in bulk."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint

from extensions import db
from portfolio.models import Submission

from exports.results import FORMATS
from exports.tasks import build_document, render

cli = Blueprint("export", __name__, cli_group="export")


def _export(kind: str, submission_id: int, fmt: str, output: str) -> None:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise click.ClickException(f"Aucun dépôt n°{submission_id}.")
    document, problems = build_document(submission, kind)
    data, report = render(document, fmt)
    Path(output).write_bytes(data)
    pages = f", {report.page_count} pages" if report.page_count else ""
    click.echo(f"{output} : {len(data) // 1024} Ko{pages}.")
    for problem in [*problems, *(note for note in report.left_out if note not in problems)]:
        click.echo(f"  Attention : {problem}")


_format = click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="pdf", show_default=True,
                       help="Output format.")
_output = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
                       help="File to write.")


@cli.cli.command("dossier")
@click.argument("submission_id", type=int)
@_format
@_output
def export_dossier(submission_id: int, fmt: str, output: str):
    """Write the validation dossier of a submission."""
    _export("dossier", submission_id, fmt, output)


@cli.cli.command("grid")
@click.argument("submission_id", type=int)
@_format
@_output
def export_grid(submission_id: int, fmt: str, output: str):
    """Write the jury grid of a submission, as a reader without grading rights sees it."""
    _export("grille", submission_id, fmt, output)
