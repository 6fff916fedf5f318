"""Staff page /portail/gestion/import: bring a directory in from a data·inclusion
file or the team's own spreadsheet (CSV, XLSX, ODS), in three steps: the file,
its columns (guessed, editable), a preview with each line's errors; then the
import, by the same engine as ``relais import-partners``."""

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField

from portal.services.datainclusion import staff, uploads
from portal.services.datainclusion.records import FIELDS, UnreadableFile
from portal.services.errors import Refused
from portal.site.publish import request_rebuild
from portal.store.db import write_lock
from portal.store.models import Permanence
from portal.web.fields import FlaskForm
from portal.web.helpers import roles_required

bp = Blueprint("imports", __name__, url_prefix="/portail/gestion/import")
PREVIEW_LINES = 300  # lines shown; the counts cover the whole file


class UploadForm(FlaskForm):
    structures = FileField("Fichier des structures (JSON, CSV, XLSX ou ODS)")
    services = FileField("Fichier des services data·inclusion (facultatif, JSON ou CSV)")
    pending = BooleanField("Laisser les structures en attente de modération (sinon elles sont publiées)")


class ConfirmForm(FlaskForm):
    pending = HiddenField()


@bp.before_request
@roles_required("admin", "mediator")
def staff_only():
    # Team spreadsheets and a département's open data exceed the portal's 1 MB default.
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


def folder():
    return Path(current_app.instance_path) / "imports"


@bp.route("", methods=["GET", "POST"])
def start():
    form = UploadForm()
    if form.validate_on_submit():
        structures = form.structures.data.read() if form.structures.data else b""
        services = form.services.data.read() if form.services.data else b""
        if not structures:
            form.structures.errors.append("Choisissez le fichier à importer.")
        else:
            try:
                table = staff.table_of(structures)
                if services:
                    staff.records_of(services)
            except UnreadableFile as error:
                form.structures.errors.append(f"Ce fichier ne peut pas être lu : {error}.")
            else:
                token = uploads.save(folder(), structures, services)
                step = ".columns" if table else ".preview"
                return redirect(url_for(step, token=token, en_attente="1" if form.pending.data else None))
    status = 400 if form.errors else 200
    return render_template("imports/start.html", form=form, drafts=staff.drafts()), status


@bp.get("/<token>/colonnes")
def columns(token):
    structures, _ = uploads.load(folder(), token)
    table = staff.table_of(structures)
    if table is None:
        return redirect(url_for(".preview", token=token, en_attente=request.args.get("en_attente")))
    headings, samples, guessed = table
    return render_template(
        "imports/columns.html",
        token=token,
        headings=headings,
        samples=samples,
        guessed=guessed,
        fields=FIELDS,
        pending=request.args.get("en_attente") == "1",
    )


def read_upload(token, values):
    structures_data, services_data = uploads.load(folder(), token)
    table = staff.table_of(structures_data)
    mapping = staff.mapping_from(values, len(table[0])) if table else None
    structures, is_table = staff.records_of(structures_data, mapping)
    services = staff.records_of(services_data)[0] if services_data else []
    return structures, services, is_table, mapping


@bp.get("/<token>/apercu")
def preview(token):
    try:
        structures, services, is_table, mapping = read_upload(token, request.args)
        report = staff.run(structures, services, request.args.get("en_attente") == "1", dry_run=True)
    except (UnreadableFile, Refused) as error:
        flash(f"Ce fichier ne peut pas être lu : {error}.", "error")
        return redirect(url_for(".start"))
    return render_template(
        "imports/preview.html",
        token=token,
        report=report,
        lines=report.lines[:PREVIEW_LINES],
        is_table=is_table,
        mapping=mapping or {},
        fields=FIELDS,
        pending=request.args.get("en_attente") == "1",
        form=ConfirmForm(pending="1" if request.args.get("en_attente") == "1" else ""),
    )


@bp.post("/<token>/importer")
def run_import(token):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("La page a expiré : recommencez l'aperçu.", "error")
        return redirect(url_for(".preview", token=token, **request.form.to_dict()))
    try:
        structures, services, _, _ = read_upload(token, request.form)
        report = staff.run(structures, services, form.pending.data == "1", dry_run=False)
    except (UnreadableFile, Refused) as error:
        flash(f"Ce fichier ne peut pas être lu : {error}.", "error")
        return redirect(url_for(".start"))
    uploads.discard(folder(), token)
    if report.created or report.updated:
        request_rebuild()
    return render_template("imports/done.html", report=report)


@bp.get("/thematiques")
def unknown_themes():
    return render_template("imports/themes.html", themes=staff.unknown_themes())


@bp.post("/brouillons/<int:permanence_id>/publier")
def publish_draft(permanence_id):
    form = FlaskForm()
    if not form.validate_on_submit():
        flash("La page a expiré : recommencez.", "error")
        return redirect(url_for(".start"))
    with write_lock():
        updated = (
            Permanence.update(draft=False).where(Permanence.id == permanence_id, Permanence.draft).execute()
        )
    if updated:
        request_rebuild()
        flash("La permanence est publiée : le site public sera mis à jour dans quelques minutes.", "success")
    return redirect(url_for(".start"))
