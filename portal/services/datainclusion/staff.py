"""What the staff import page needs from the engine: a file and a column
mapping in, a dry run or an import out (Flask-free)."""

from datetime import datetime

from portal.services import schedule
from portal.services.datainclusion.ingest import Options, import_directory
from portal.services.datainclusion.records import FIELDS, guess_mapping, read_file, table_records
from portal.services.datainclusion.vocab import CATEGORIES, THEMATIQUES
from portal.store.db import utcnow
from portal.store.models import Partner, PartnerTheme, Permanence, Theme


def table_of(data):
    """(headings, sample rows, guessed mapping) of a spreadsheet or CSV; None for JSON."""
    kind, rows = read_file(data)
    if kind == "records":
        return None
    headings = rows[0] if rows else []
    return headings, rows[1:4], guess_mapping(headings)


def mapping_from(values, width):
    """{column: field} from the form's choices (column_0=nom…); unknown fields and
    a field chosen twice are ignored."""
    mapping = {}
    for number in range(width):
        field = values.get(f"column_{number}", "")
        if field in FIELDS and field not in mapping.values():
            mapping[number] = field
    return mapping


def records_of(data, mapping=None):
    kind, rows = read_file(data)
    if kind == "records":
        return rows, False
    return table_records(rows, mapping), True


def run(structures, services, pending, dry_run):
    options = Options(
        today=datetime.now(schedule.PARIS).date(), now=utcnow(), pending=pending, dry_run=dry_run
    )
    return import_directory(structures, services, options)


def unknown_themes():
    """[(theme, [partners])] of the stored theme codes data·inclusion v1 does not
    know: kept, never dropped, for the team to replace by hand."""
    known = THEMATIQUES.keys() | CATEGORIES.keys()
    result = []
    for theme in Theme.select().where(Theme.slug.not_in(list(known))).order_by(Theme.slug):
        partners = list(
            Partner.select().join(PartnerTheme).where(PartnerTheme.theme == theme).order_by(Partner.name)
        )
        result.append((theme, partners))
    return result


def drafts():
    return list(Permanence.select().where(Permanence.draft).order_by(Permanence.id))
