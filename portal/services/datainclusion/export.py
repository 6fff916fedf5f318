"""Published partners and permanences as data·inclusion v1 structures and services.

Every record is validated by the official models (``data_inclusion.schema.v1``)
before it leaves: a field the model refuses is dropped if it is optional, the
record left out if it is not. Lists are sorted (the models hold sets) so two
exports of the same data are byte for byte the same.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import pydantic
from data_inclusion.schema import v1
from peewee import JOIN

from portal.services import schedule
from portal.services.datainclusion.opening_hours_osm import osm_opening_hours, spec_from_permanence
from portal.services.datainclusion.vocab import v1_themes
from portal.store.models.base import slugify
from portal.store.models.datainclusion import ImportedService
from portal.store.models.partners import Partner, PartnerSector, PartnerTheme
from portal.store.models.places import Place, Sector, Theme
from portal.store.models.schedule import Permanence

MAX_NAME = 150  # v1 "nom"; Relais allows 200 (partners) and 160 (permanences)


@dataclass(frozen=True)
class ExportSettings:
    source: str  # data·inclusion "source": PORTAL_DATA_SOURCE, or from the base URL
    base_url: str
    public_url: Callable  # (kind, item) -> absolute address of a public page (portal.urls)
    team_name: str = "Équipe de médiation sociale"


def default_source(base_url, configured=""):
    """PORTAL_DATA_SOURCE, else from the base URL's host: 'mediation.example.org'
    -> 'relais-mediation-example-org', 'relais.regie.fr' -> 'relais-regie-fr';
    'relais' alone on a local address. data·inclusion may assign another one."""
    if configured:
        return slugify(configured, max_length=60)
    host = urlsplit(base_url).hostname or ""
    if not host or host == "localhost" or host.replace(".", "").isdigit():
        return "relais"
    slug = slugify(host.removeprefix("www."), max_length=53)
    return slug if slug.startswith("relais") else f"relais-{slug}"


def export(settings, today=None):
    """(structures, services): lists of v1 records (plain JSON dicts)."""
    today = today or datetime.now(schedule.PARIS).date()
    partners = list(Partner.published().order_by(Partner.id))
    themes_of = partner_themes()
    permanences = visible_permanences(today)
    imported = imported_services()
    structures, services = [], []
    for partner in partners:
        record = validated(v1.Structure, structure_record(partner, settings, today))
        if record is None:
            continue
        structures.append(record)
        own = [p for p in permanences if p.partner_id == partner.id]
        services += partner_services(
            partner, record, own, imported.get(partner.id, []), themes_of, settings, today
        )
    team = [p for p in permanences if p.partner_id is None]
    if team:
        record = validated(v1.Structure, team_record(settings, team, today))
        structures.append(record)
        for permanence in team if record else ():
            service = validated(v1.Service, permanence_record(permanence, record, [], settings, today))
            if service:
                services.append(service)
    return structures, services


def partner_services(partner, structure, permanences, imported, themes_of, settings, today):
    themes = v1_themes(themes_of.get(partner.id, []))
    published_ids = {link.permanence_id: link.source_id for link in imported if link.permanence_id}
    records = []
    for permanence in permanences:
        record = permanence_record(permanence, structure, themes, settings, today)
        if permanence.id in published_ids:  # drafted from an import, now checked
            record["id"] = published_ids[permanence.id]
        records.append(validated(v1.Service, record))
    for link in imported:
        if link.permanence_id not in {p.id for p in permanences}:
            records.append(validated(v1.Service, json.loads(link.record)))
    if not records and themes:
        records.append(validated(v1.Service, themes_record(partner, structure, themes, settings, today)))
    return [record for record in records if record]


# -- records --------------------------------------------------------------------


def structure_record(partner, settings, today):
    own = not partner.source
    return {
        "source": settings.source if own else partner.source,
        "id": structure_id(partner, settings),
        "nom": short_name(partner.name),
        "date_maj": last_change(partner.updated_at, today),
        "description": text(partner.description) or text(partner.summary),
        "lien_source": settings.public_url("partner", partner) if own else partner.source_url,
        "siret": partner.siret,
        "rna": partner.rna,
        "adresse": partner.address,
        "complement_adresse": partner.address_extra,
        "code_postal": partner.postcode,
        "code_insee": partner.insee_code,
        "commune": partner.commune,
        "telephone": e164(partner.phone),
        "courriel": partner.email,
        "site_web": partner.website,
    }


def structure_id(partner, settings):
    if partner.source and partner.source_id:
        return partner.source_id
    return f"{settings.source}--partenaire-{partner.id}"


def team_record(settings, permanences, today):
    latest = max(p.updated_at for p in permanences)
    return {
        "source": settings.source,
        "id": f"{settings.source}--equipe",
        "nom": short_name(settings.team_name),
        "date_maj": last_change(latest, today),
        "lien_source": settings.base_url.rstrip("/") + "/",
    }


def permanence_record(permanence, structure, themes, settings, today):
    place = permanence.place
    description = (
        text(permanence.notes.strip()) or f"Permanence {schedule.describe(permanence)}, {place.one_line}."
    )
    return {
        "source": settings.source,
        "id": f"{settings.source}--permanence-{permanence.id}",
        "structure_id": structure["id"],
        "nom": short_name(permanence.title, "Permanence"),
        "description": description,
        "date_maj": last_change(permanence.updated_at, today),
        "lien_source": settings.public_url("permanences", permanence.sector),
        "thematiques": themes,
        "modes_accueil": ["en-presentiel"],
        "adresse": place.address,
        "code_postal": place.postcode,
        "commune": place.commune,
        "code_insee": place.insee_code or None,
        "zone_eligibilite": [departement(place.postcode)] if departement(place.postcode) else None,
        "telephone": structure.get("telephone"),
        "courriel": structure.get("courriel"),
        "horaires_accueil": osm_opening_hours(spec_from_permanence(permanence), today=today),
    }


def themes_record(partner, structure, themes, settings, today):
    """A partner's themes without a permanence: one service saying what it helps with."""
    description = text(partner.summary) or text(partner.description)
    description = description or f"Accompagnement proposé par {partner.name}."
    return {
        "source": settings.source,
        "id": f"{settings.source}--partenaire-{partner.id}--accompagnement",
        "structure_id": structure["id"],
        "nom": short_name(partner.name, "Service"),
        "description": description[:10_000],
        "date_maj": structure["date_maj"],
        "lien_source": structure.get("lien_source"),
        "thematiques": themes,
        "adresse": structure.get("adresse"),
        "code_postal": structure.get("code_postal"),
        "code_insee": structure.get("code_insee"),
        "commune": structure.get("commune"),
        "telephone": structure.get("telephone"),
        "courriel": structure.get("courriel"),
    }


# -- checking against the official models --------------------------------------------


def validated(model, record):
    """The record as the v1 model dumps it; optional fields it refuses are dropped."""
    record = {key: value for key, value in record.items() if value not in (None, "", [])}
    for _ in range(len(record)):
        try:
            dumped = model.model_validate(record).model_dump(mode="json", exclude_none=True)
        except pydantic.ValidationError as error:
            refused = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
            optional = {key for key in refused if not model.model_fields[key].is_required()}
            if not optional:
                return None
            record = {key: value for key, value in record.items() if key not in optional}
            continue
        return {key: sorted(value) if isinstance(value, list) else value for key, value in dumped.items()}
    return None


# -- helpers ---------------------------------------------------------------------


def partner_themes():
    themes = {}
    for link in PartnerTheme.select(PartnerTheme.partner, Theme.slug).join(Theme).tuples():
        themes.setdefault(link[0], []).append(link[1])
    return themes


def visible_permanences(today):
    query = (
        Permanence.select(Permanence, Place, Sector)
        .join(Place)
        .switch(Permanence)
        .join(Sector)
        .switch(Permanence)
        .join(Partner, JOIN.LEFT_OUTER)
        .where(
            ~Permanence.draft,
            Permanence.partner.is_null() | (Partner.status == "published"),
            Permanence.valid_to.is_null() | (Permanence.valid_to >= today),
        )
        .order_by(Permanence.id)
    )
    return list(query)


def imported_services():
    grouped = {}
    for link in ImportedService.select().order_by(ImportedService.id):
        grouped.setdefault(link.partner_id, []).append(link)
    return grouped


def partner_sectors():
    sectors = {}
    query = PartnerSector.select(PartnerSector.partner, Sector.slug).join(Sector).order_by(Sector.position)
    for partner_id, slug in query.tuples():
        sectors.setdefault(partner_id, []).append(slug)
    return sectors


def extension(settings, structures):
    """Relais-only data, outside the data·inclusion records: kind and sectors
    of each exported partner ({structure id: {"type": …, "secteurs": […]}})."""
    ids = {record["id"] for record in structures}
    sectors = partner_sectors()
    result = {}
    for partner in Partner.published().order_by(Partner.id):
        key = structure_id(partner, settings)
        if key in ids:
            result[key] = {"type": partner.kind, "secteurs": sectors.get(partner.id, [])}
    return result


def short_name(name, kind="Structure"):
    """v1 wants 3 to 150 characters: long names are cut, very short ones prefixed."""
    name = " ".join(name.split())
    if len(name) < 3:
        name = f"{kind} « {name} »"
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1].rstrip() + "…"


def text(value, limit=10_000):
    return value[:limit] if value and len(value.strip()) >= 5 else None


def last_change(moment, today):
    """The Paris date of a change, never after today (v1 refuses future dates)."""
    return min(schedule.local(moment).date(), today).isoformat() if moment else today.isoformat()


def e164(phone):
    """'04 65 71 22 33' -> '+33465712233' (the form data·inclusion prefers)."""
    digits = "".join(char for char in phone or "" if char.isdigit())
    return "+33" + digits[1:] if len(digits) == 10 and digits.startswith("0") else (phone or None)


def departement(postcode):
    """'11000' -> '11', '97411' -> '974', '20090' -> '2A', '20200' -> '2B'."""
    if not postcode or len(postcode) != 5 or not postcode.isdigit():
        return None
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode[:3] in ("200", "201") else "2B"
    return postcode[:2]
