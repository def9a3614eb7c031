"""`flask demo load`: one user per role for local use, passwords printed once."""
import secrets

import click
from flask import Blueprint, current_app
from sqlalchemy import func, select

from accounts import services
from accounts.models import Role, User
from extensions import db
from portfolio import services as portfolio_services

cli = Blueprint("demo", __name__, cli_group="demo")

DEMO_USERS = (
    ("admin@demo.probatio.fr", "Alice Administratrice", Role.ADMIN),
    ("candidat@demo.probatio.fr", "Camille Candidate", Role.CANDIDATE),
    ("tuteur@demo.probatio.fr", "Thomas Tuteur", Role.TUTOR),
    ("jury@demo.probatio.fr", "Juliette Jurée", Role.JUROR),
)


@cli.cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
def load_demo(if_empty: bool):
    """Create one demo user per role and print their passwords (development only)."""
    if current_app.config["PROBATIO_ENV"] != "development":
        raise click.ClickException("Les données de démonstration sont réservées au mode développement.")
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Base déjà peuplée : données de démonstration non chargées.")
        return
    click.echo("Comptes de démonstration (mots de passe affichés une seule fois) :")
    for email, name, role in DEMO_USERS:
        if services.get_user_by_email(email):
            click.echo(f"  {email} existe déjà.")
            continue
        password = secrets.token_urlsafe(12)
        services.create_user(email, name, {role}, password=password)
        click.echo(f"  {role.label:<16} {email}  mot de passe : {password}")
    _enrol_demo_candidate()


def _enrol_demo_candidate() -> None:
    """Give the demo candidate a portfolio (IGS when loaded) tutored by the demo tutor."""
    candidate = services.get_user_by_email(DEMO_USERS[1][0])
    tutor = services.get_user_by_email(DEMO_USERS[2][0])
    certifications = portfolio_services.current_certifications()
    if not (candidate and tutor and certifications) or portfolio_services.portfolios_of_candidate(candidate):
        return
    chosen = next((c for c in certifications if c.lineage == "IGS"), certifications[0])
    portfolio_services.enrol_candidate(candidate, chosen, [tutor])
    click.echo(f"  {candidate.full_name} est inscrite à « {chosen.title} », suivie par {tutor.full_name}.")
