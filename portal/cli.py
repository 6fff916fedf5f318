"""The ``relais`` command: Flask's own commands (run, shell, routes) plus ours."""

import click
from flask.cli import FlaskGroup, with_appcontext

from portal import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def cli():
    """Relais : portail et site public du réseau de partenaires."""


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Crée la base de données ou la met à jour (sans rien effacer)."""
    from portal.store.migrations import upgrade
    from portal.store.models import Theme

    applied = upgrade()
    themes = Theme.load_vocabulary()
    if applied:
        click.echo(f"Schéma de la base mis à jour (version {applied[-1]}).")
    else:
        click.echo("Schéma de la base déjà à jour.")
    click.echo(f"{themes} thématiques data·inclusion chargées.")


@click.command("load-demo")
@with_appcontext
def load_demo_command():
    """Charge le jeu de démonstration (peut être relancé sans créer de doublons)."""
    from portal.demo import load_demo

    accounts = load_demo()
    click.echo("Jeu de démonstration chargé. Comptes de démonstration :")
    for role, email, password in accounts:
        click.echo(f"  {role:<14} {email:<34} mot de passe : {password}")


@click.command("create-user")
@click.option("--email", required=True, help="Adresse e-mail, qui sert d'identifiant.")
@click.option("--role", type=click.Choice(["admin", "mediator", "partner"]), required=True)
@click.option("--name", default="", help="Nom affiché.")
@click.option("--partner", "partner_slug", default=None, help="Slug du partenaire (comptes partenaires).")
@click.option(
    "--team",
    default="",
    help="Équipe : les médiateurs d'une même équipe voient leurs orientations ; "
    "sans équipe, un médiateur ne voit que les siennes.",
)
@click.password_option("--password", prompt="Mot de passe", confirmation_prompt="Confirmez le mot de passe")
@with_appcontext
def create_user_command(email, role, name, partner_slug, team, password):
    """Crée un compte (administrateur, médiateur ou partenaire)."""
    from portal.services.accounts import password_problem
    from portal.store.models import Partner, User

    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    partner = None
    if role == "partner":
        if not partner_slug:
            raise click.ClickException(
                "Un compte partenaire doit être rattaché à un partenaire : --partner SLUG."
            )
        partner = Partner.get_or_none(Partner.slug == partner_slug)
        if partner is None:
            raise click.ClickException(f"Aucun partenaire avec le slug « {partner_slug} ».")
    if User.by_email(email):
        raise click.ClickException(f"Un compte existe déjà pour {email}.")
    user = User.register(email=email, name=name, role=role, partner=partner, password=password)
    if team:
        User.update(team=team.strip()).where(User.id == user.id).execute()
    click.echo(f"Compte créé : {user.email} ({role}).")


@click.command("build-site")
@with_appcontext
def build_site_command():
    """Construit le site public et le met en ligne d'un seul coup."""
    from flask import current_app

    from portal.site.publish import BuildError, build_site

    try:
        build_site(current_app.config["SITE_DIR"], current_app.config["MKDOCS_CONFIG"])
    except BuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Site public à jour dans {current_app.config['SITE_DIR']}.")


@click.command("import-partners")
@click.argument("structures", type=click.Path(dir_okay=False))
@click.option("--services", type=click.Path(dir_okay=False), help="Fichier des services data·inclusion.")
@click.option("--code-postal", "postcodes", multiple=True, help="Ne garder que ce code postal (répétable).")
@click.option("--code-insee", "insee_codes", multiple=True, help="Ne garder que cette commune (répétable).")
@click.option("--departement", default="", help="Ne garder que ce département (11, 2A, 974…).")
@click.option(
    "--en-attente", "pending", is_flag=True, help="Laisser les structures en attente de modération."
)
@click.option("--dry-run", is_flag=True, help="Tout vérifier sans rien enregistrer.")
@with_appcontext
def import_partners_command(structures, services, postcodes, insee_codes, departement, pending, dry_run):
    """Importe des structures et services data·inclusion (JSON, CSV) ou un tableur.

    Code de sortie : 0 tout est importé, 1 des enregistrements ont été ignorés,
    2 un fichier est illisible."""
    from portal.services.datainclusion.command import run_import

    code, lines, errors = run_import(
        structures, services, postcodes, insee_codes, departement, pending=pending, dry_run=dry_run
    )
    for line in errors:
        click.echo(line, err=True)
    for line in lines:
        click.echo(line)
    raise SystemExit(code)


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def export_command(directory):
    """Écrit l'annuaire publié au format data·inclusion v1 (structures.json, services.json)."""
    import json
    from pathlib import Path

    from portal.services.datainclusion.export import export, extension
    from portal.web.exports import export_settings

    settings = export_settings()
    structures, services = export(settings)
    files = {
        "structures.json": structures,
        "services.json": services,
        "relais-extension.json": extension(settings, structures),
    }
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in files.items():
        (folder / name).write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    click.echo(
        f"{len(structures)} structure(s) et {len(services)} service(s) écrits dans {folder} "
        f"(source « {settings.source} »)."
    )


@click.command("send-reminders")
@with_appcontext
def send_reminders_command():
    """Envoie le rappel de la veille aux inscrits (peut être relancé sans doublon)."""
    from portal.services.registrations import send_reminders
    from portal.store.db import utcnow
    from portal.web.helpers import settings

    count = send_reminders(settings(), utcnow())
    click.echo(f"{count} rappel(s) mis dans la file d'envoi (relais send-mail les envoie).")


@click.command("maintenance")
@with_appcontext
def maintenance_command():
    """Tâches quotidiennes : relances, expirations, anonymisation (à lancer chaque jour par cron)."""
    from flask import current_app

    from portal.services.maintenance import run_maintenance
    from portal.settings import Settings

    for label, count in run_maintenance(Settings.from_config(current_app.config)):
        click.echo(f"{count} {label}.")
    click.echo("Maintenance terminée. Les e-mails sont dans la file d'envoi (relais send-mail les envoie).")


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(destination):
    """Sauvegarde la base (cohérente même pendant que le portail écrit)."""
    from flask import current_app

    from portal.store.backup import BackupError, backup

    try:
        path = backup(current_app.config["DATABASE_URL"], destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Sauvegarde écrite dans {path}.")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@with_appcontext
def restore_command(source, yes):
    """Remplace le contenu de la base par une sauvegarde (arrêtez le portail avant)."""
    from flask import current_app

    from portal.store.backup import BackupError, restore
    from portal.store.db import db

    if not yes:
        click.confirm("Tout le contenu actuel de la base sera remplacé. Continuer ?", abort=True)
    db.close()
    try:
        restore(current_app.config["DATABASE_URL"], source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Base restaurée depuis {source}. Lancez « relais init-db » si la sauvegarde est plus ancienne "
        "que cette version de Relais, puis « relais build-site »."
    )


def register_commands(app):
    from portal.mail.sender import send_mail_command

    for command in (
        init_db_command,
        load_demo_command,
        create_user_command,
        build_site_command,
        import_partners_command,
        export_command,
        send_mail_command,
        send_reminders_command,
        maintenance_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)


if __name__ == "__main__":
    cli()
