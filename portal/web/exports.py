"""Public downloads of the directory in the data·inclusion v1 schema.

Published partners and public fields only (never the contact person).
``/portail/export/partenaires.json|.csv``, the pre-v1 format, redirect here.
"""

import json

from data_inclusion.schema import v1
from flask import Blueprint, Response, current_app, redirect, url_for

from portal import urls
from portal.services.datainclusion.cleaning import spreadsheet_safe
from portal.services.datainclusion.export import ExportSettings, default_source, export, extension
from portal.web.helpers import csv_response

bp = Blueprint("export", __name__, url_prefix="/portail/export")


def export_settings(config=None):
    config = config or current_app.config
    return ExportSettings(
        source=default_source(config["BASE_URL"], config.get("DATA_SOURCE", "")),
        base_url=config["BASE_URL"],
        public_url=lambda kind, item: urls.public_url(config["BASE_URL"], kind, item),
        team_name=config.get("TEAM_NAME") or ExportSettings.team_name,
    )


def json_download(records, filename):
    body = json.dumps(records, ensure_ascii=False, indent=1)
    return Response(
        body,
        content_type="application/json",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def csv_download(records, model_fields, filename):
    """One column per v1 field, lists joined with ", ", formulas neutralised."""
    header = list(model_fields)
    rows = [[spreadsheet_safe(record.get(field)) for field in header] for record in records]
    return csv_response(filename, header, rows)


@bp.get("/structures.json")
def structures_json():
    return json_download(export(export_settings())[0], "structures.json")


@bp.get("/services.json")
def services_json():
    return json_download(export(export_settings())[1], "services.json")


@bp.get("/structures.csv")
def structures_csv():
    return csv_download(export(export_settings())[0], v1.Structure.model_fields, "structures.csv")


@bp.get("/services.csv")
def services_csv():
    return csv_download(export(export_settings())[1], v1.Service.model_fields, "services.csv")


@bp.get("/relais-extension.json")
def extension_json():
    settings = export_settings()
    return json_download(extension(settings, export(settings)[0]), "relais-extension.json")


@bp.get("/partenaires.json")
def partners_json():
    return redirect(url_for(".structures_json"), 301)


@bp.get("/partenaires.csv")
def partners_csv():
    return redirect(url_for(".structures_csv"), 301)
