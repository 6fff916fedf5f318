"""Field cleaners shared by the portal's forms and the importer (French messages)."""

import re
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

from portal.store.models import Partner, slugify

# Control characters other than tab and newlines: never stored (PostgreSQL
# refuses NUL, and the others break the built HTML, CSV and JSON).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text):
    return CONTROL.sub("", text)


def clean_siret(value):
    """'356 000 000 00048' -> '35600000000048', or ValueError in French.

    stdnum knows La Poste's rule (SIREN 356000000: the digits sum to a multiple
    of 5), which a plain Luhn sum refuses."""
    siret = re.sub(r"[\s.]", "", value or "")
    if not siret:
        return None
    try:
        return stdnum_siret.validate(siret)
    except InvalidChecksum:
        raise ValueError("ce SIRET n'existe pas (la clé de contrôle ne correspond pas)") from None
    except (InvalidLength, InvalidFormat):
        raise ValueError("le SIRET doit compter 14 chiffres") from None
    except ValidationError:
        raise ValueError("ce SIRET n'est pas valide") from None


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


def clean_insee_code(value):
    """A commune's INSEE code (the Official Geographic Code): 5 digits, or 2A/2B
    and 3 digits in Corsica. It is not the postcode (Carcassonne: 11069, 11000)."""
    code = (value or "").strip().upper()
    if code and not re.fullmatch(r"\d{5}|2[AB]\d{3}", code):
        raise ValueError("le code INSEE doit compter 5 caractères (ex. 11069, 2A004)")
    return code


def spreadsheet_safe(value):
    """Neutralise formula injection: a cell starting with = + - @ is text."""
    text = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def unique_slug(name):
    base = slug = slugify(name, max_length=74)  # room for "-NNNNN" within the column's 80
    number = 1
    while Partner.select().where(Partner.slug == slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
