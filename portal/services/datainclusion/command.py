"""``relais import-partners``: files in, a report out (Flask-free, no click)."""

from datetime import datetime
from pathlib import Path

from portal.services import schedule
from portal.services.datainclusion.ingest import Filters, Options, import_directory
from portal.services.datainclusion.records import UnreadableFile, read_file, table_records
from portal.services.errors import Refused
from portal.store.db import utcnow

UNREADABLE = 2


def load(path):
    """Records of one file, or UnreadableFile (French)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableFile(f"impossible de lire {path} ({error.strerror})") from None
    kind, rows = read_file(data)
    return rows if kind == "records" else table_records(rows)


def run_import(structures_path, services_path, postcodes, insee_codes, departement, pending, dry_run):
    """(exit code, summary lines, error lines)."""
    try:
        structures = load(structures_path)
        services = load(services_path) if services_path else []
    except UnreadableFile as error:
        return UNREADABLE, [], [f"Fichier illisible : {error}."]
    filters = Filters(
        postcodes=frozenset(code.strip().zfill(5) for code in postcodes),
        insee_codes=frozenset(code.strip().upper() for code in insee_codes),
        departement=departement.strip().upper(),
    )
    options = Options(
        today=datetime.now(schedule.PARIS).date(),
        now=utcnow(),
        filters=filters,
        pending=pending,
        dry_run=dry_run,
    )
    try:
        report = import_directory(structures, services, options)
    except Refused as error:
        return UNREADABLE, [], [f"Fichier illisible : {error}."]
    errors = [f"Ignorée — {line}" for line in report.skipped]
    lines = report.summary()
    if dry_run:
        lines.append("Essai à blanc : rien n'a été enregistré.")
    elif report.created or report.updated:
        lines.append("Lancez « relais build-site » pour les publier sur le site.")
    return report.exit_code, lines, errors
