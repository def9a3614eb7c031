"""`flask referential import|export|list|import-seeds`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint
from sqlalchemy import func, select

from extensions import db

from referentials import curation
from referentials import rncp_exports
from referentials import services as referentials
from referentials.models import Certification
from referentials.importers import seed_files
from referentials.importers.errors import ReferentialImportError

cli = Blueprint("referential", __name__, cli_group="referential")



def _print_report(report: referentials.ImportReport) -> None:
    draft = report.draft
    click.echo(f"Forme détectée : {report.shape.upper()}")
    click.echo(f"Certification : {draft.title or 'titre à compléter (absent du document)'} — {draft.code or draft.key} (niveau {draft.level or '?'})")
    if draft.incomplete:
        click.echo("Document incomplet, chargé comme tel :")
        for problem in draft.incomplete:
            click.echo(f"  {problem}")
    if draft.unverified:
        click.echo(f"À vérifier, {draft.unverified[0].lower()}{draft.unverified[1:]}.")
    if report.already_loaded is not None:
        click.echo(f"Déjà chargé : {report.already_loaded.label}. L'import sera refusé.")
    elif report.needs_choice:
        click.echo(referentials.choice_message(report).replace(" Rien n'a été enregistré.", ""))
    else:
        if report.resembles is not None:
            click.echo(f"Ressemble à : {report.resembles.label}" + (f" ({' ; '.join(report.differences)})" if report.differences else ""))
        click.echo(f"Version qui sera créée : {report.lineage}, version {report.next_version}")
    click.echo(f"{'Bloc':<10} {'Compétences':>11} {'Évaluations':>11} {'Critères':>8} {'Livrables':>9}")
    for row in [*report.blocs, report.totals]:
        click.echo(f"{row.code or row.title:<10} {row.competences:>11} {row.evaluations:>11} {row.criteria:>8} {row.deliverables:>9}")
    rules = draft.rules
    click.echo(
        "Règles : dossier ≥ {} pages, entretien {} min, questionnaire {} min, temps majoré {}".format(
            rules.dossier_min_pages or "—", rules.interview_minutes or "—", rules.questionnaire_minutes or "—", rules.extra_time_ratio or "—"
        )
    )
    if report.unplaced:
        click.echo(f"{len(report.unplaced)} ligne(s) non placée(s) :")
        for line in report.unplaced:
            click.echo(f"  ligne {line.line_no} : {line.text[:100]} ({line.reason})")
    else:
        click.echo("Aucune ligne non placée.")


@cli.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and report, write nothing.")
@click.option("--accept-unplaced", is_flag=True, help="Load even if some lines could not be placed.")
@click.option("--accept-incomplete", is_flag=True, help="Load a document that looks cut or incomplete, marked incomplete.")
@click.option(
    "--confirm-complete", is_flag=True,
    help="Confirm that a document showing no sign of its end is complete (audited); check the counts printed first.",
)
@click.option("--new-certification", is_flag=True, help="Load as a new certification, even if it resembles a loaded one.")
@click.option("--version-of", "version_of", default=None, metavar="LINEAGE", help="Load as a new version of this certification.")
def import_command(
    path: Path, dry_run: bool, accept_unplaced: bool, accept_incomplete: bool, confirm_complete: bool,
    new_certification: bool, version_of: str | None,
):
    """Import a referential document (RNCP table, REAC) or a portable YAML file."""
    if new_certification and version_of:
        raise click.ClickException("Choisissez soit --new-certification, soit --version-of, pas les deux.")
    choice = referentials.NEW_CERTIFICATION if new_certification else version_of
    try:
        draft, shape = referentials.parse_file(path.read_bytes(), path.name, accept_incomplete=accept_incomplete)
        report = referentials.build_report(draft, shape, choice)
        _print_report(report)
        if dry_run:
            click.echo("Simulation : rien n'a été enregistré.")
            return
        certification = referentials.load_draft(draft, accept_unplaced=accept_unplaced, choice=choice)
    except ReferentialImportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Chargé : {certification.label}" + (" — marqué incomplet." if certification.incomplete else "."))
    if certification.completeness_unverified:
        if confirm_complete:
            curation.confirm_complete(certification, None, source="ligne de commande")
            click.echo("Complétude confirmée (--confirm-complete), tracée dans l'historique de la certification.")
        else:
            click.echo(_unverified_hint(certification))


def _unverified_hint(certification: Certification) -> str:
    return (
        "Marqué « complétude non vérifiable » : comparez les nombres ci-dessus avec la fiche officielle, puis "
        f"confirmez : flask referential confirm-complete {certification.lineage} --version {certification.version_number}"
    )


@cli.cli.command("confirm-complete")
@click.argument("code")
@click.option("--version", "version_number", type=int, default=None, help="Version number (default: latest).")
def confirm_complete_command(code: str, version_number: int | None):
    """Confirm that a version whose document showed no sign of its end is complete (audited)."""
    certification = referentials.find_certification(code, version_number)
    if certification is None:
        raise click.ClickException(f"Aucune certification {code!r}" + (f" en version {version_number}" if version_number else "") + ".")
    if not certification.completeness_unverified:
        click.echo(f"{certification.label} : rien à confirmer, sa complétude n'est pas en attente de vérification.")
        return
    summary = curation.completeness_summary(certification)
    click.echo(
        f"{certification.label} : {summary.blocs} blocs, {summary.competences} compétences, {summary.criteria} critères ; "
        f"dernier bloc : « {summary.last_bloc} »."
    )
    curation.confirm_complete(certification, None, source="ligne de commande")
    click.echo("Je confirme que ce référentiel est complet : confirmation enregistrée et tracée.")


@cli.cli.command("import-seeds")
@click.option("--if-empty", is_flag=True, help="Do nothing when certifications are already loaded.")
def import_seeds_command(if_empty: bool):
    """Load the five seed referentials shipped with Probatio."""
    if if_empty and db.session.scalar(select(func.count(Certification.id))):
        click.echo("Des référentiels sont déjà chargés : graines non importées.")
        return
    for path in seed_files():
        try:
            draft, _ = referentials.parse_file(path.read_bytes(), path.name)
            # The seeds are five certifications: one resembling another is still a new one.
            certification = referentials.load_draft(draft, choice=referentials.NEW_CERTIFICATION)
        except ReferentialImportError as error:
            click.echo(f"{path.name} : {error}")
            continue
        click.echo(f"Chargé : {certification.label}.")
        # Seed 000 states neither its end nor its number of blocs; the seeds shipped with Probatio
        # are known whole (tests/referentials check their counts), so their loader confirms it, audited.
        if curation.confirm_complete(certification, None, source="graines Probatio"):
            click.echo("  Complétude confirmée : graine livrée avec Probatio, vérifiée entière.")


@cli.cli.command("export")
@click.argument("code")
@click.option("--version", "version_number", type=int, default=None, help="Version number (default: latest).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["yaml", "case"]), default="yaml", help="Portable YAML or CASE 1.1 JSON.")
def export_command(code: str, version_number: int | None, output: Path | None, fmt: str):
    """Export a certification as portable YAML or a CASE 1.1 CFPackage (to stdout or --output)."""
    certification = referentials.find_certification(code, version_number)
    if certification is None:
        raise click.ClickException(f"Aucune certification {code!r}" + (f" en version {version_number}" if version_number else "") + ".")
    text = referentials.export_case(certification) if fmt == "case" else referentials.export_yaml(certification)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Exporté vers {output}.")
    else:
        click.echo(text, nl=False)


@cli.cli.command("list")
def list_command():
    """List loaded certifications and their versions."""
    rows = db.session.scalars(select(Certification).order_by(Certification.lineage, Certification.version_number)).all()
    if not rows:
        click.echo("Aucun référentiel chargé. Utilisez « flask referential import FICHIER ».")
        return
    for c in rows:
        criteria = sum(len(e.criteria) for b in c.blocs for e in b.evaluations)
        mark = ("  [incomplet]" if c.incomplete else "") + ("  [complétude non vérifiable]" if c.completeness_unverified else "")
        click.echo(f"{c.lineage:<14} v{c.version_number:<3} {len(c.blocs):>2} blocs {criteria:>4} critères  {c.display_title}{mark}")


def _fiche_or_fail(path: Path, number: str):
    from referentials.importers.france_competences import find_fiche

    try:
        fiche = find_fiche(path, number)
    except ReferentialImportError as error:
        raise click.ClickException(str(error)) from None
    if fiche is None:
        raise click.ClickException(f"Aucune fiche {number} dans {path.name}.")
    return fiche


@cli.cli.command("rncp-skeleton")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("number")
def rncp_skeleton_command(path: Path, number: str):
    """Create a certification skeleton (blocs, competences) from a France Compétences RNCP export."""
    from referentials.importers.france_competences import skeleton_draft

    draft = skeleton_draft(_fiche_or_fail(path, number))
    try:
        certification = referentials.load_draft(draft, choice=referentials.NEW_CERTIFICATION)
    except ReferentialImportError as error:
        raise click.ClickException(str(error)) from None
    competences = sum(len(b.competences) for b in certification.blocs)
    click.echo(f"Squelette créé : {certification.label}, {len(certification.blocs)} blocs, {competences} compétences, aucun critère.")


@cli.cli.command("rncp-match")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("number")
@click.argument("lineage")
@click.option("--confirm", is_flag=True, help="Apply the match (without it, only the report is printed).")
def rncp_match_command(path: Path, number: str, lineage: str, confirm: bool):
    """Match a certification's blocs to a France Compétences fiche by title; fill code and bloc codes."""
    from referentials.importers.france_competences import match_blocs

    certification = referentials.latest_version(lineage)
    if certification is None:
        raise click.ClickException(f"Aucune certification {lineage!r}.")
    fiche = _fiche_or_fail(path, number)
    matches = match_blocs(fiche, [(b.code, b.title) for b in certification.blocs])
    click.echo(f"Fiche {fiche.number} — {fiche.title} (niveau {fiche.level or '?'})")
    for m in matches:
        click.echo(f"  {m.bloc_code} « {m.bloc_title[:60]} » → " + (f"{m.official_code} « {m.official_title[:60]} » ({m.score:.0%})" if m.official_code else "aucun bloc de la fiche"))
    if not confirm:
        click.echo("Rien n'a été modifié : relancez avec --confirm pour appliquer.")
        return
    changed = rncp_exports.apply_fiche(certification, fiche, matches)
    click.echo("Appliqué : " + (", ".join(changed) if changed else "aucune modification") + ".")
