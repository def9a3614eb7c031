import click
from flask import Blueprint, current_app, url_for

from accounts import services
from accounts.models import Role

cli = Blueprint("users", __name__, cli_group="users")


@cli.cli.command("create")
@click.option("--email", prompt="Adresse e-mail")
@click.option("--name", "full_name", prompt="Nom complet")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", help="Set the password now instead of printing a one-time link.", default=None)
def create_user_command(email: str, full_name: str, roles: tuple[str, ...], password: str | None):
    """Create a user (e.g. the first admin) and print a one-time set-password link."""
    try:
        user = services.create_user(email, full_name, {Role(r) for r in roles}, password=password)
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Compte créé : {user.email} ({', '.join(sorted(r.label for r in user.roles))}).")
    if password is None:
        token = services.issue_password_token(user)
        click.echo("Lien à usage unique pour choisir le mot de passe :")
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            click.echo(url_for("accounts.set_password", token=token, _external=True))
