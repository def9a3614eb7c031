"""`flask storage …`: maintenance of the object store holding evidence files."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Blueprint

from storage.backup import BackupError, backup, restore
from storage.base import StorageError, human_size
from storage.access import object_store
from storage.gc import GC_GRACE, TEMPORARY_GRACE, CollectionRefused, collect_garbage, collect_temporary
from storage.verify import verify_store

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


@cli.cli.command("verify")
def verify_command():
    """Read every recorded object back: report missing, altered and unreferenced objects."""
    try:
        report = verify_store()
    except (CollectionRefused, StorageError) as error:
        raise click.ClickException(str(error)) from None
    for problem in report.problems:
        click.echo(problem.message)
    click.echo(
        f"{report.checked} objet(s) vérifié(s) ({human_size(report.bytes_read)} lus), "
        f"{report.derived} objet(s) dérivé(s) attendu(s), "
        f"{len(report.problems)} problème(s)."
    )
    if report.problems:
        raise SystemExit(1)


@cli.cli.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path):
    """Dump the database into DEST, then copy the object store into DEST/objects (docs/storage.md)."""
    try:
        manifest = backup(dest)
    except (BackupError, StorageError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Sauvegarde dans {dest} : base ({manifest['database']}), {manifest['objects_copied']} objet(s) copié(s), "
        f"{manifest['objects_already_there']} déjà présent(s)."
    )


@cli.cli.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.confirmation_option(prompt="La base actuelle sera remplacée par la sauvegarde. Continuer ?")
def restore_command(src: Path):
    """Replace the database by the dump in SRC and put back the objects the store lacks."""
    try:
        report = restore(src)
    except (BackupError, StorageError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restauration depuis {src} : base remplacée, {report.copied} objet(s) remis, {report.present} déjà présent(s). "
        "Vérifiez avec `flask storage verify`, puis reconstruisez l'index : `flask search reindex`."
    )
