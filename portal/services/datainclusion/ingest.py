"""Import of structures (interim: rebuilt for data·inclusion v1 in the next step)."""

from portal.services.datainclusion.cleaning import (
    clean_email,
    clean_phone,
    clean_postcode,
    clean_siret,
    clean_website,
    unique_slug,
)
from portal.store.db import db, utcnow
from portal.store.models import PARTNER_TYPES, Partner, PartnerSector, PartnerTheme, Sector, Theme

FIELDS = [
    "id",
    "nom",
    "siret",
    "typologie",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "telephone",
    "courriel",
    "site_web",
    "presentation_resume",
    "presentation_detail",
    "thematiques",
    "secteurs",
]
TYPOLOGIES = {"ASSO": "association", "CAF": "institution", "CCAS": "collectivite"}
LIMITS = {
    "nom": 200,
    "adresse": 200,
    "complement_adresse": 200,
    "commune": 120,
    "presentation_resume": 280,
    "presentation_detail": 10_000,
}


# -- import ---------------------------------------------------------------------


class Vocabularies:
    """Themes and sectors, looked up once per import."""

    def __init__(self):
        self.themes = {theme.slug: theme for theme in Theme.select()}
        self.sectors = {}
        for sector in Sector.select():
            self.sectors[sector.slug] = self.sectors[sector.name.lower()] = sector


def parse_structure(record, vocabularies):
    """(fields, themes, sectors) of one data·inclusion record, or ValueError in French."""
    if not isinstance(record, dict):
        raise ValueError("l'enregistrement n'est pas un objet JSON")
    text = {key: record.get(key) if isinstance(record.get(key), str) else "" for key in FIELDS}
    name = text["nom"].strip()
    if not name:
        raise ValueError("le nom (« nom ») est obligatoire")
    for key, limit in LIMITS.items():
        if len(text[key]) > limit:
            raise ValueError(f"« {key} » dépasse {limit} caractères")
    kind = record.get("typologie") or "association"
    kind = TYPOLOGIES.get(kind, kind if kind in PARTNER_TYPES else "autre")
    fields = {
        "name": name,
        "kind": kind,
        "siret": clean_siret(text["siret"]),
        "address": text["adresse"].strip(),
        "address_extra": text["complement_adresse"].strip(),
        "postcode": clean_postcode(text["code_postal"]),
        "commune": text["commune"].strip(),
        "phone": clean_phone(text["telephone"]),
        "email": clean_email(text["courriel"]),
        "website": clean_website(text["site_web"]),
        "summary": text["presentation_resume"].strip(),
        "description": text["presentation_detail"].strip(),
        "source_id": str(record["id"]) if record.get("id") not in (None, "") else None,
    }
    themes = [lookup(vocabularies.themes, slug, "thématique") for slug in as_list(record.get("thematiques"))]
    sectors = [
        lookup(vocabularies.sectors, key.lower(), "secteur") for key in as_list(record.get("secteurs"))
    ]
    return fields, themes, sectors


def as_list(value):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ValueError("« thematiques » et « secteurs » doivent être des listes de textes")


def lookup(table, key, what):
    if key not in table:
        raise ValueError(f"{what} inconnue : « {key} »")
    return table[key]


def import_structures(records):
    """Import valid records in one transaction; returns (count, [error lines])."""
    if not isinstance(records, list):
        return 0, ["le fichier doit contenir une liste JSON de structures"]
    vocabularies, parsed, errors = Vocabularies(), [], []
    for number, record in enumerate(records, start=1):
        try:
            parsed.append(parse_structure(record, vocabularies))
        except ValueError as error:
            label = (record.get("nom") or record.get("id")) if isinstance(record, dict) else None
            errors.append(f"structure n° {number}{f' ({label})' if label else ''} : {error}")
    with db.atomic():
        for fields, themes, sectors in parsed:
            upsert_partner(fields, themes, sectors)
    return len(parsed), errors


def upsert_partner(fields, themes, sectors):
    """Update the partner with the same source id (or SIRET), else create it, published."""
    partner = None
    if fields["source_id"]:
        partner = Partner.get_or_none(Partner.source_id == fields["source_id"])
    if partner is None and fields["siret"]:
        partner = Partner.get_or_none(Partner.siret == fields["siret"])
    if partner is None:
        partner = Partner(slug=unique_slug(fields["name"]), status="published", published_at=utcnow())
    for key, value in fields.items():
        setattr(partner, key, value)
    partner.save()
    PartnerTheme.delete().where(PartnerTheme.partner == partner).execute()
    PartnerSector.delete().where(PartnerSector.partner == partner).execute()
    for theme in dict.fromkeys(themes):  # dict: drops duplicates, keeps order
        PartnerTheme.create(partner=partner, theme=theme)
    for sector in dict.fromkeys(sectors):
        PartnerSector.create(partner=partner, sector=sector)
    return partner
