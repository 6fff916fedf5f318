"""The directory in and out, with the field names of the data·inclusion schema.

data·inclusion is the exchange format of the French social-inclusion field
(DORA, les emplois de l'inclusion…): importing and exporting with its field
names lets a team reuse a directory it already has, and share its own.
"""

import csv
import io
import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, Response, jsonify

from portal.store.db import db, utcnow
from portal.store.models import PARTNER_TYPES, Partner, PartnerSector, PartnerTheme, Sector, Theme, slugify

bp = Blueprint("export", __name__, url_prefix="/portail/export")

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
# data·inclusion typologies we recognise, mapped to our kinds of partner.
TYPOLOGIES = {
    "ASSO": "association",
    "CAF": "public_service",
    "CPAM": "public_service",
    "FT": "public_service",
    "PE": "public_service",
    "ML": "public_service",
    "MSA": "public_service",
    "CCAS": "local_authority",
    "CIAS": "local_authority",
    "MUNI": "local_authority",
    "DEPT": "local_authority",
    "REG": "local_authority",
}
LIMITS = {
    "nom": 200,
    "adresse": 200,
    "complement_adresse": 200,
    "commune": 120,
    "presentation_resume": 280,
    "presentation_detail": 10_000,
}


# -- validation (shared with the portal's forms) --------------------------------


def luhn_ok(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def clean_siret(value):
    """'123 456 789 00012' -> '12345678900012', or ValueError in French."""
    siret = re.sub(r"[\s.]", "", value or "")
    if not siret:
        return None
    if not re.fullmatch(r"\d{14}", siret):
        raise ValueError("le SIRET doit compter 14 chiffres")
    if not luhn_ok(siret):
        raise ValueError("ce SIRET n'existe pas (la clé de contrôle ne correspond pas)")
    return siret


def clean_phone(value):
    """French numbers, normalised to '04 65 71 40 00'."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if not digits:
        return ""
    digits = re.sub(r"^(\+33|0033)", "0", digits)
    if not re.fullmatch(r"0[1-9]\d{8}", digits):
        raise ValueError("le numéro de téléphone doit être un numéro français à 10 chiffres")
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def clean_email(value):
    if not (value or "").strip():
        return ""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("l'adresse e-mail n'est pas valide") from None


def clean_website(value):
    url = (value or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("le site web doit commencer par http:// ou https://")
    return url


def clean_postcode(value):
    postcode = (value or "").strip()
    if postcode and not re.fullmatch(r"\d{5}", postcode):
        raise ValueError("le code postal doit compter 5 chiffres")
    return postcode


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
    kind = TYPOLOGIES.get(kind, kind if kind in PARTNER_TYPES else "other")
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


def unique_slug(name):
    base = slug = slugify(name, max_length=74)  # room for "-NNNNN" within the column's 80
    number = 1
    while Partner.select().where(Partner.slug == slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


# -- export ---------------------------------------------------------------------


def export_records():
    """Published partners with data·inclusion field names; never the contact person."""
    partners = list(Partner.published().order_by(Partner.name))
    themes, sectors = {}, {}
    for link in PartnerTheme.select(PartnerTheme, Theme).join(Theme).order_by(Theme.slug):
        themes.setdefault(link.partner_id, []).append(link.theme.slug)
    for link in PartnerSector.select(PartnerSector, Sector).join(Sector).order_by(Sector.position):
        sectors.setdefault(link.partner_id, []).append(link.sector.slug)
    return [
        {
            "id": p.source_id or p.slug,
            "nom": p.name,
            "siret": p.siret,
            "typologie": p.kind,
            "adresse": p.address,
            "complement_adresse": p.address_extra,
            "code_postal": p.postcode,
            "commune": p.commune,
            "telephone": p.phone,
            "courriel": p.email,
            "site_web": p.website,
            "presentation_resume": p.summary,
            "presentation_detail": p.description,
            "thematiques": themes.get(p.id, []),
            "secteurs": sectors.get(p.id, []),
        }
        for p in partners
    ]


def spreadsheet_safe(value):
    """Neutralise formula injection: a cell starting with = + - @ is text."""
    text = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/partenaires.json")
def partners_json():
    response = jsonify(export_records())
    response.headers["Content-Disposition"] = 'inline; filename="partenaires.json"'
    return response


@bp.get("/partenaires.csv")
def partners_csv():
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in export_records():
        writer.writerow([spreadsheet_safe(record[field]) for field in FIELDS])
    # The BOM makes Excel read the file as UTF-8 (accents intact).
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="partenaires.csv"'},
    )
