"""Import structures and services into the directory: the engine of
``relais import-partners`` and of the staff page /portail/gestion/import.

Each bad record is reported with its number, its id and a French reason, and
skipped; the good ones are imported, in one transaction (all or nothing if the
database fails). Nothing is merged silently: the same ``id`` updates the same
partner; the same SIRET under another id makes a second partner, held in the
moderation queue as a possible duplicate.
"""

import json
from dataclasses import dataclass, field
from datetime import date

import pydantic
from data_inclusion.schema import v1
from peewee import DatabaseError

from portal.services.datainclusion import parse
from portal.services.datainclusion.cleaning import clean_insee_code, strip_control, unique_slug
from portal.services.datainclusion.export import validated
from portal.services.datainclusion.opening_hours_osm import regular_schedule
from portal.services.datainclusion.placement import Placement
from portal.services.errors import Refused
from portal.store.db import db, write_lock
from portal.store.models.base import normalise_name
from portal.store.models.datainclusion import ImportedService
from portal.store.models.partners import Partner, PartnerSector, PartnerTheme
from portal.store.models.places import Place, Theme
from portal.store.models.schedule import Permanence

MAX_DEPTH = 20  # a record nested deeper than this is not a directory record


@dataclass(frozen=True)
class Filters:
    """Keep only the structures of these postcodes, INSEE codes or département."""

    postcodes: frozenset = frozenset()
    insee_codes: frozenset = frozenset()
    departement: str = ""

    def __bool__(self):
        return bool(self.postcodes or self.insee_codes or self.departement)

    def keep(self, record):
        if not self or not isinstance(record, dict):
            return True
        postcode = str(record.get("code_postal") or "").strip().zfill(5)
        insee = str(record.get("code_insee") or "").strip().upper()
        if postcode in self.postcodes or insee in self.insee_codes:
            return True
        dep = self.departement.upper()
        return bool(dep) and (insee.startswith(dep) or (postcode.startswith(dep) and len(postcode) == 5))


@dataclass
class Options:
    today: date
    now: object  # aware datetime: published_at, confirmed_at
    filters: Filters = field(default_factory=Filters)
    pending: bool = False  # --en-attente: imported structures wait in the moderation queue
    dry_run: bool = False


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    services: int = 0
    drafts: int = 0
    unplaced: int = 0
    outside: int = 0
    skipped: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # (what, number, name, reason or None), for a preview
    dry_run: bool = False

    @property
    def exit_code(self):
        return 1 if self.skipped else 0

    def summary(self):
        verb = "seraient importées" if self.dry_run else "importées"
        lines = [
            f"{self.created + self.updated} structure(s) {verb} ({self.created} nouvelle(s), "
            f"{self.updated} mise(s) à jour), {self.services} service(s), {len(self.skipped)} ignorée(s)."
        ]
        if self.outside:
            lines.append(f"{self.outside} enregistrement(s) hors de la zone demandée, laissé(s) de côté.")
        if self.drafts:
            lines.append(f"{self.drafts} permanence(s) en brouillon, à vérifier avant publication.")
        if self.unplaced:
            lines.append(f"{self.unplaced} structure(s) sans secteur, à placer par l'équipe.")
        for name in self.duplicates:
            lines.append(f"Doublon possible (même SIRET), en attente de modération : {name}")
        return lines


def import_directory(structures, services=(), options=None):
    """Import lists of records (dicts as read from a file); returns a Report."""
    report = Report(dry_run=options.dry_run)
    if not isinstance(structures, list) or not isinstance(services, (list, tuple)):
        raise Refused("le fichier doit contenir une liste de structures")
    with write_lock() as transaction:
        run = Run(options, report)
        for number, record in enumerate(structures, start=1):
            run.structure(number, record)
        for number, record in enumerate(services, start=1):
            run.service(number, record)
        if options.dry_run:
            transaction.rollback()
    return report


class Run:
    """One import: the partners it touched, by their file id."""

    def __init__(self, options, report):
        self.options, self.report = options, report
        self.placement = Placement()
        self.themes = {theme.slug: theme for theme in Theme.select()}
        self.by_id, self.outside_ids, self.seen_ids = {}, set(), set()
        self.sirets = {
            siret for (siret,) in Partner.select(Partner.siret).where(Partner.siret.is_null(False)).tuples()
        }

    def skip(self, what, number, record, reason):
        key = record.get("id") if isinstance(record, dict) else None
        label = f" ({strip_control(str(key))[:120]})" if isinstance(key, (str, int)) and key != "" else ""
        self.report.skipped.append(f"{what} n° {number}{label} : {reason}")
        name = record.get("nom") if isinstance(record, dict) else None
        name = strip_control(name)[:200] if isinstance(name, str) else ""
        self.report.lines.append((what, number, name, reason))

    def structure(self, number, record):
        if not self.options.filters.keep(record):
            self.report.outside += 1
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                self.outside_ids.add(record["id"])
            return
        try:
            check_depth(record)
            parsed = parse.parse_structure(record, self.options.today)
            if parsed.fields["source_id"] in self.seen_ids:
                raise ValueError("le même identifiant figure déjà plus haut dans le fichier")
            with db.atomic():
                partner = self.save(parsed)
        except (ValueError, TypeError, RecursionError, DatabaseError) as error:
            self.skip("structure", number, record, reason(error))
            return
        self.report.lines.append(("structure", number, parsed.fields["name"], None))
        if parsed.fields["source_id"]:
            self.seen_ids.add(parsed.fields["source_id"])
            self.by_id[parsed.fields["source_id"]] = partner

    def save(self, parsed):
        fields = parsed.fields
        partner = find_partner(fields)
        if partner is None:
            partner = Partner(
                slug=unique_slug(fields["name"]), status="published", published_at=self.options.now
            )
            possible_duplicate = fields["siret"] and fields["siret"] in self.sirets
            if self.options.pending or possible_duplicate:
                partner.status, partner.published_at, partner.confirmed_at = "pending", None, self.options.now
            if possible_duplicate:
                self.report.duplicates.append(fields["name"])
            self.report.created += 1
        else:
            self.report.updated += 1
        for key, value in fields.items():
            setattr(partner, key, value)
        partner.save()
        if fields["siret"]:
            self.sirets.add(fields["siret"])
        if parsed.themes:
            self.set_themes(partner, parsed.themes, replace=True)
        sectors = self.placement.sectors_for(parsed)
        if sectors:
            PartnerSector.delete().where(PartnerSector.partner == partner).execute()
            for sector in sectors:
                PartnerSector.create(partner=partner, sector=sector)
        elif not partner.sectors.exists():
            self.report.unplaced += 1
        return partner

    def set_themes(self, partner, slugs, replace=False):
        wanted = [self.themes[slug] for slug in dict.fromkeys(slugs) if slug in self.themes]
        if replace:
            PartnerTheme.delete().where(PartnerTheme.partner == partner).execute()
            have = set()
        else:
            have = {link.theme_id for link in PartnerTheme.select().where(PartnerTheme.partner == partner)}
        for theme in wanted:
            if theme.id not in have:
                PartnerTheme.create(partner=partner, theme=theme)

    def service(self, number, record):
        structure_id = record.get("structure_id") if isinstance(record, dict) else None
        if isinstance(structure_id, str) and structure_id in self.outside_ids:
            self.report.outside += 1
            return
        try:
            check_depth(record)
            if not isinstance(record, dict):
                raise ValueError("l'enregistrement n'est pas un objet (nom, description…)")
            partner = self.partner_of(parse.text(record, "structure_id", required=True))
            if partner is None:
                if self.options.filters:
                    self.report.outside += 1
                    return
                raise ValueError(
                    "sa structure (« structure_id ») n'est ni dans le fichier ni dans l'annuaire"
                )
            with db.atomic():
                self.save_service(partner, record)
        except (ValueError, TypeError, RecursionError, DatabaseError) as error:
            self.skip("service", number, record, reason(error))

    def partner_of(self, structure_id):
        return self.by_id.get(structure_id) or Partner.get_or_none(Partner.source_id == structure_id)

    def save_service(self, partner, record):
        themes = parse.service_themes(record)
        record = sanitised(record)
        record.setdefault("source", partner.source or "import")
        record.setdefault("date_maj", self.options.today.isoformat())
        if record.get("date_maj") is not None and not isinstance(record["date_maj"], str):
            day = parse.parse_date(record["date_maj"], self.options.today)
            record["date_maj"] = day.isoformat() if day else None
        checked = validated(v1.Service, record)
        if checked is None:
            raise ValueError(schema_reason(record))
        link = ImportedService.get_or_none(ImportedService.source_id == checked["id"])
        if link is None:
            link = ImportedService(source_id=checked["id"])
        link.partner, link.record = partner, json.dumps(checked, ensure_ascii=False)
        link.permanence = self.draft(partner, checked, link.permanence if link.permanence_id else None)
        link.save()
        self.set_themes(partner, themes)
        self.report.services += 1

    def draft(self, partner, service, permanence):
        """A draft permanence from regular hours, for a mediator to check."""
        if permanence is not None and not permanence.draft:
            return permanence  # already checked and published: the team owns it now
        schedule = regular_schedule(service.get("horaires_accueil"))
        sector = partner.sectors.first()
        if schedule is None or sector is None:
            return permanence
        place = Place.get_or_none(
            Place.name == partner.name[:160], Place.address == service.get("adresse", partner.address)
        ) or Place.create(
            name=partner.name[:160],
            address=service.get("adresse", partner.address)[:200],
            postcode=service.get("code_postal", partner.postcode),
            commune=service.get("commune", partner.commune)[:120],
            insee_code=insee_code_of(service) or partner.insee_code,
            sector=sector,
        )
        permanence = permanence or Permanence(partner=partner, valid_from=self.options.today, draft=True)
        permanence.sector, permanence.place, permanence.title = sector, place, service["nom"][:160]
        permanence.weekdays = ",".join(schedule["weekdays"])
        permanence.opens_at, permanence.closes_at = schedule["opens_at"], schedule["closes_at"]
        permanence.recurrence, permanence.month_week = schedule["recurrence"], schedule["month_week"]
        permanence.notes = service["description"]
        permanence.save()
        self.report.drafts += 1
        return permanence


def insee_code_of(service):
    """The service's commune code if it is one; a malformed one is left out (the
    place falls back to its structure's), not a reason to skip the service."""
    try:
        return clean_insee_code(str(service.get("code_insee") or ""))
    except ValueError:
        return ""


def find_partner(fields):
    """The partner a record updates: same id; without an id, same name and postcode."""
    if fields["source_id"]:
        return Partner.get_or_none(Partner.source_id == fields["source_id"])
    return (
        Partner.select()
        .where(
            Partner.source_id.is_null(),
            Partner.name_key == normalise_name(fields["name"]),
            Partner.postcode == fields["postcode"],
        )
        .first()
    )


def check_depth(value, depth=0):
    if depth > MAX_DEPTH:
        raise ValueError("l'enregistrement est imbriqué trop profondément")
    if isinstance(value, dict):
        for item in value.values():
            check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_depth(item, depth + 1)


def sanitised(value):
    """Control characters stripped from every text of a record."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, dict):
        return {str(key): sanitised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [sanitised(item) for item in value]
    return value


def schema_reason(record):
    try:
        v1.Service.model_validate({k: v for k, v in record.items() if v not in (None, "", [])})
    except pydantic.ValidationError as error:
        names = sorted({str(item["loc"][0]) for item in error.errors() if item["loc"]})
        return "ne respecte pas le schéma data·inclusion v1 (" + ", ".join(f"« {n} »" for n in names) + ")"
    return "ne respecte pas le schéma data·inclusion v1"


def reason(error):
    if isinstance(error, DatabaseError):
        return "n'a pas pu être enregistré (valeur refusée par la base de données)"
    if isinstance(error, RecursionError):
        return "l'enregistrement est imbriqué trop profondément"
    if isinstance(error, TypeError):
        return "une valeur n'a pas le type attendu"
    return str(error)
