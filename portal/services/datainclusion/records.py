"""Files to records: data·inclusion JSON or CSV, or a team's spreadsheet.

Whatever the file, the result is a list of dicts with data·inclusion field
names, or UnreadableFile with a French reason. Spreadsheet and CSV headings
are matched to those names by guess_mapping (French headings such as « Nom »,
« Code postal », « Courriel »), which the staff page lets a person correct.
"""

import ast
import csv
import io
import json
import re
import unicodedata

from portal.services.datainclusion.spreadsheet import SpreadsheetError, read_rows

MAX_BYTES = 200 * 1024 * 1024  # the national open data is ~60 MB; beyond that, not a directory
SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # XLSX/ODS (zip), XLS (OLE)

# The fields a spreadsheet column can fill, with their French labels.
FIELDS = {
    "id": "Identifiant",
    "nom": "Nom",
    "siret": "SIRET",
    "rna": "RNA",
    "adresse": "Adresse",
    "complement_adresse": "Complément d'adresse",
    "code_postal": "Code postal",
    "commune": "Commune",
    "code_insee": "Code INSEE",
    "telephone": "Téléphone",
    "courriel": "Courriel",
    "site_web": "Site web",
    "description": "Description",
    "presentation_resume": "Résumé",
    "thematiques": "Thématiques",
    "secteurs": "Secteurs",
    "horaires_accueil": "Horaires (format OpenStreetMap)",
    "typologie": "Type de structure",
    "source": "Source",
    "date_maj": "Date de mise à jour",
    "lien_source": "Lien source",
}
# Headings people write, normalised (lower case, no accents, single spaces).
HEADINGS = {
    "identifiant": "id",
    "raison sociale": "nom",
    "nom de la structure": "nom",
    "structure": "nom",
    "numero siret": "siret",
    "n siret": "siret",
    "numero rna": "rna",
    "adresse postale": "adresse",
    "complement": "complement_adresse",
    "cp": "code_postal",
    "ville": "commune",
    "localite": "commune",
    "insee": "code_insee",
    "tel": "telephone",
    "telephone": "telephone",
    "numero de telephone": "telephone",
    "e mail": "courriel",
    "email": "courriel",
    "mail": "courriel",
    "adresse e mail": "courriel",
    "adresse mail": "courriel",
    "site": "site_web",
    "site internet": "site_web",
    "site web": "site_web",
    "presentation": "description",
    "resume": "presentation_resume",
    "themes": "thematiques",
    "thematique": "thematiques",
    "secteur": "secteurs",
    "quartier": "secteurs",
    "horaires": "horaires_accueil",
    "type": "typologie",
    "date de mise a jour": "date_maj",
}


class UnreadableFile(ValueError):
    """The file itself cannot be read (exit code 2); French message."""


def read_file(data, max_bytes=MAX_BYTES):
    """(kind, rows): ("records", [dict]) for JSON, or ("table", [[str]]) for CSV
    and spreadsheets (headings on the first row)."""
    if len(data) > max_bytes:
        raise UnreadableFile(f"le fichier dépasse {max_bytes // (1024 * 1024)} Mo")
    if data.startswith(SPREADSHEET_MAGIC):
        try:
            return "table", read_rows(data)
        except SpreadsheetError as error:
            raise UnreadableFile(str(error)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("le fichier n'est ni du JSON, ni un CSV en UTF-8, ni un tableur") from None
    text = text.replace("\x00", "")
    if not text.strip():
        raise UnreadableFile("le fichier est vide")
    if text.lstrip()[:1] in "[{":
        return "records", read_json(text)
    return "table", read_csv(text)


def read_json(text):
    try:
        records = json.loads(text)
    except RecursionError:
        raise UnreadableFile("le JSON est imbriqué trop profondément") from None
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise UnreadableFile(
            f"ce fichier n'est pas du JSON valide{f' (ligne {line})' if line else ''}"
        ) from None
    if isinstance(records, dict):  # {"structures": [...]} or {"data": [...]}
        records = next((value for value in records.values() if isinstance(value, list)), None)
    if not isinstance(records, list):
        raise UnreadableFile("le fichier doit contenir une liste JSON de structures")
    return records


def read_csv(text):
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=False))
    except csv.Error as error:
        raise UnreadableFile(f"ce CSV est illisible ({error})") from None
    return [row for row in rows if any(cell.strip() for cell in row)]


def normalise(heading):
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


def guess_mapping(headings):
    """{column number: field} for the headings recognised (v1 names, French words)."""
    labels = {normalise(label): field for field, label in FIELDS.items()}
    mapping = {}
    for number, heading in enumerate(headings):
        key = normalise(heading)
        field = (
            heading.strip()
            if heading.strip() in FIELDS
            else HEADINGS.get(key)
            or labels.get(key)
            or (key.replace(" ", "_") if key.replace(" ", "_") in FIELDS else None)
        )
        if field and field not in mapping.values():
            mapping[number] = field
    return mapping


def table_records(rows, mapping=None):
    """[dict] from a table whose first row holds the headings."""
    if not rows:
        return []
    mapping = guess_mapping(rows[0]) if mapping is None else mapping
    return [
        {field: row[number] for number, field in mapping.items() if number < len(row) and row[number].strip()}
        for row in rows[1:]
    ]


def as_list(value):
    """A list field as files write it: a real list, JSON, a Python repr
    ("['a', 'b']", as the open-data CSV does), or words separated by , ; |."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        return [value]
    text = value.strip()
    if text.startswith("[") and len(text) < 100_000:
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list):
            return parsed
    return [part.strip() for part in re.split(r"[,;|\n]", text) if part.strip()]
