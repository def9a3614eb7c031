"""`flask storage …`: maintenance of the object store holding evidence files."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import Blueprint

from storage.base import StorageError
from storage.access import object_store
from storage.gc import GC_GRACE, TEMPORARY_GRACE, CollectionRefused, collect_garbage, collect_temporary

cli = Blueprint("storage_cli", __name__, cli_group="storage")


@cli.cli.command("gc")
@click.option("--dry-run", is_flag=True, help="List the orphaned objects without removing them.")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=int(GC_GRACE.total_seconds() // 60),
    show_default=True,
    help="Spare objects younger than this (uploads in flight store their object before recording it).",
)
@click.option(
    "--tmp-grace-minutes",
    type=click.IntRange(min=0),
    default=int(TEMPORARY_GRACE.total_seconds() // 60),
    show_default=True,
    help="Spare unfinished uploads (temporary files, tmp/ keys, multipart uploads) younger than this.",
)
def gc_command(dry_run: bool, grace_minutes: int, tmp_grace_minutes: int):
    """Remove stored objects that nothing references (evidence versions, job results), and what
    unfinished uploads left behind."""
    try:
        keys = collect_garbage(dry_run=dry_run, grace=timedelta(minutes=grace_minutes))
        leftovers = collect_temporary(object_store(), timedelta(minutes=tmp_grace_minutes), dry_run=dry_run)
    except (CollectionRefused, StorageError) as error:
        raise click.ClickException(str(error)) from None
    for name in keys + leftovers:
        click.echo(name)
    if dry_run:
        click.echo(f"{len(keys)} objet(s) orphelin(s) et {len(leftovers)} envoi(s) inachevé(s) à supprimer "
                   "(simulation : rien n'a été supprimé).")
    else:
        click.echo(f"{len(keys)} objet(s) orphelin(s) et {len(leftovers)} envoi(s) inachevé(s) supprimé(s).")
