"""Codes: data·inclusion v1's (from the official package) and Relais' own.

The themes, service types, fees, reception modes and publics come from
``data_inclusion.schema.v1``: never a copied list. Relais' theme slugs
(portal/data/thematiques.csv) are the v1 thematiques plus the 16 v1
categories ("famille"), which v1 does not accept on a service.
"""

import json
from pathlib import Path

from data_inclusion.schema import v1

from portal.store.models import PARTNER_TYPES

THEMATIQUES = {item.value: item.label for item in v1.Thematique}
CATEGORIES = {item.value: item.label for item in v1.Categorie}
PUBLICS = {item.value: item.label for item in v1.Public}
TYPES_SERVICE = {item.value: item.label for item in v1.TypeService}
FRAIS = {item.value: item.label for item in v1.Frais}
MODES_ACCUEIL = {item.value: item.label for item in v1.ModeAccueil}
RESEAUX_PORTEURS = {item.value: item.label for item in v1.ReseauPorteur}

# Theme codes of earlier data·inclusion versions -> their v1 equivalent, which
# the importer applies to the codes it reads. It may grow; migration v0011 keeps
# its own frozen copy (v0011_themes.json), the table as that step applied it to
# the stored codes. A code found in neither this nor v1 is kept and listed on
# the staff page /portail/gestion/import/thematiques.
OLD_THEMES = json.loads((Path(__file__).parents[2] / "data" / "old_themes.json").read_text(encoding="utf-8"))


def v1_themes(slugs):
    """Relais theme slugs -> sorted v1 thematiques (categories and unknown codes dropped)."""
    return sorted({OLD_THEMES.get(slug, slug) for slug in slugs} & THEMATIQUES.keys())


def theme_code(code):
    """A theme code read in a file -> the Relais slug, or ValueError in French."""
    code = OLD_THEMES.get(code, code)
    if code in THEMATIQUES or code in CATEGORIES:
        return code
    raise ValueError(f"thématique inconnue : « {code} »")


# The one table between data·inclusion's structure codes and Relais' kinds of
# partner, written with the English kind codes of the vocabulary branch
# (association, public_service, local_authority, social_landlord,
# neighbourhood_enterprise, employer, health, other). Keys: v1
# reseaux_porteurs, then the v0 "typologie" codes Relais accepted until now.
KIND_OF_CODE = {
    "caf": "public_service",
    "cpam": "public_service",
    "france-travail": "public_service",
    "mission-locale": "public_service",
    "mutualite-sociale-agricole": "public_service",
    "ccas-cias": "local_authority",
    "communes": "local_authority",
    "departements": "local_authority",
    "regions": "local_authority",
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


def kind_from_record(typologie, reseaux):
    """The partner kind of an imported structure; 'association' when nothing says."""
    for code in [typologie, *reseaux]:
        if isinstance(code, str):
            kind = KIND_OF_CODE.get(code, code)
            if kind in PARTNER_TYPES:
                return kind
    return "association"
