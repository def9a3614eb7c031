"""`flask credentials …`: create and rotate the issuer's Ed25519 signing key, list the published keys."""
from __future__ import annotations

import click
from flask import Blueprint

from awards import AwardsError
from awards.keys import generate_key, key_path, published_keys

cli = Blueprint("credentials", __name__, cli_group="credentials")


@cli.cli.command("generate")
def generate() -> None:
    """Create the signing key (refused when one exists)."""
    try:
        kid = generate_key()
    except AwardsError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Clé de signature créée : {kid} (fichier {key_path()}, clé publique publiée).")


@cli.cli.command("rotate")
def rotate() -> None:
    """Replace the signing key; the old public key stays published for what it signed."""
    try:
        kid = generate_key(rotate=True)
    except AwardsError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Nouvelle clé de signature : {kid} ; les anciennes restent publiées pour la vérification.")


@cli.cli.command("list")
def list_keys() -> None:
    """The published public keys."""
    for key in published_keys():
        state = f"retirée le {key.retired_at:%d/%m/%Y}" if key.retired_at else "en service"
        click.echo(f"{key.kid}  {state}")


accrochage_cli = Blueprint("accrochage_cli", __name__, cli_group="accrochage")


@accrochage_cli.cli.command("purge")
def purge() -> None:
    """Delete the holder identities whose retention after the CDC's acceptance has passed."""
    from awards.accrochage.services import purge_identities

    click.echo(f"Identités supprimées : {purge_identities()}.")
