"""One record -> the fields Relais stores, or ValueError with a French reason.

Every value is checked for its type first: a file may hold anything (a list
where a text is expected, numbers, nested objects); control characters
(NUL…) are stripped.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from portal.services.datainclusion.cleaning import (
    clean_email,
    clean_insee_code,
    clean_phone,
    clean_postcode,
    clean_siret,
    clean_website,
    strip_control,
)
from portal.services.datainclusion.records import as_list
from portal.services.datainclusion.vocab import kind_from_record, theme_code

LIMITS = {
    "nom": 200,
    "adresse": 200,
    "complement_adresse": 200,
    "commune": 120,
    "presentation_resume": 280,
    "description": 10_000,
    "presentation_detail": 10_000,
    "lien_source": 500,
    "source": 60,
    "id": 120,
    "horaires_accueil": 2_000,
}


@dataclass
class Structure:
    fields: dict
    themes: list = field(default_factory=list)
    sectors: list = field(default_factory=list)  # names or slugs, matched later
    hours: str = ""


def text(record, key, required=False):
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"« {key} » est obligatoire")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"« {key} » doit être un texte")
    value = strip_control(str(value) if not isinstance(value, float) else f"{value:.0f}").strip()
    if len(value) > LIMITS.get(key, 10_000):
        raise ValueError(f"« {key} » dépasse {LIMITS.get(key, 10_000)} caractères")
    if required and not value:
        raise ValueError(f"« {key} » est obligatoire")
    return value


def texts(record, key):
    values = as_list(record.get(key))
    if len(values) > 500 or not all(isinstance(item, str) for item in values):
        raise ValueError(f"« {key} » doit être une liste de textes")
    return [strip_control(item).strip() for item in values if item.strip()]


def record_id(record):
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return text({"id": value}, "id") or None


def parse_structure(record, today):
    if not isinstance(record, dict):
        raise ValueError("l'enregistrement n'est pas un objet (nom, adresse…)")
    postcode = text(record, "code_postal")
    if re.fullmatch(r"\d{4}", postcode):
        postcode = "0" + postcode  # a spreadsheet dropped the leading zero (Ain, Aisne…)
    insee = clean_insee_code(text(record, "code_insee"))
    rna = text(record, "rna").upper()
    if rna and not re.fullmatch(r"W\d{9}", rna):
        raise ValueError("le numéro RNA doit être de la forme W123456789")
    source_url = text(record, "lien_source")
    try:
        source_url = clean_website(source_url)
    except ValueError:
        raise ValueError("« lien_source » doit commencer par http:// ou https://") from None
    summary = text(record, "presentation_resume")
    description = text(record, "description") or text(record, "presentation_detail")
    fields = {
        "name": " ".join(text(record, "nom", required=True).split()),
        "kind": kind_from_record(record.get("typologie"), texts(record, "reseaux_porteurs")),
        "siret": clean_siret(text(record, "siret")),
        "rna": rna,
        "address": text(record, "adresse"),
        "address_extra": text(record, "complement_adresse"),
        "postcode": clean_postcode(postcode),
        "commune": text(record, "commune"),
        "insee_code": insee,
        "phone": clean_phone(text(record, "telephone")),
        "email": clean_email(text(record, "courriel")),
        "website": clean_website(text(record, "site_web")),
        "summary": summary,
        "description": description,
        "source_id": record_id(record),
        "source": text(record, "source") or None,
        "source_updated_on": parse_date(record.get("date_maj"), today),
        "source_url": source_url,
    }
    themes = [theme_code(code) for code in texts(record, "thematiques")]
    return Structure(fields, themes, texts(record, "secteurs"), text(record, "horaires_accueil"))


def parse_date(value, today):
    """data·inclusion's date_maj: '2025-06-01', a datetime, or epoch milliseconds
    (as pandas writes dates in the open-data JSON). None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            day = datetime.fromtimestamp(value / 1000, UTC).date()
        except (OverflowError, ValueError, OSError):
            raise ValueError("« date_maj » n'est pas une date") from None
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError("« date_maj » doit être une date AAAA-MM-JJ") from None
    else:
        raise ValueError("« date_maj » doit être une date AAAA-MM-JJ")
    if not date(2000, 1, 1) <= day <= today:
        raise ValueError("« date_maj » doit être entre 2000 et aujourd'hui")
    return day


def service_themes(record):
    return [theme_code(code) for code in texts(record, "thematiques")]
