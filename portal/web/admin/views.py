"""Staff pages: permanences (and their closures), places and sectors, so the
team never needs a shell for daily work (partners: portal/web/partners/staff.py,
on this blueprint).

Staff are the moderators: what they save applies at once, and every change
to published content asks for a rebuild of the public site.
"""

from datetime import date
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from peewee import JOIN, fn

from portal.services import permanences, schedule
from portal.store.models import (
    Closure,
    OccurrenceChange,
    Partner,
    Permanence,
    Place,
    Sector,
)
from portal.web.admin.forms import ClosureForm, OccurrenceChangeForm, PermanenceForm, PlaceForm, SectorForm
from portal.web.helpers import roles_required, settings

bp = Blueprint("admin", __name__, url_prefix="/portail/gestion")
PER_PAGE = 30


@bp.before_request
@roles_required("admin", "mediator")
def staff_only():
    """One check for the whole blueprint, so that no page can forget it."""


def get_or_404(model, object_id):
    return model.get_or_none(model.id == object_id) or abort(404)


def status_of(form):
    return 400 if form.errors else 200


def sectors():
    return Sector.ordered()


# -- partners -------------------------------------------------------------------


@bp.get("/permanences")
def permanence_list():
    query = (
        Permanence.select(Permanence, Place, Partner)
        .join(Place)
        .switch(Permanence)
        .join(Partner, JOIN.LEFT_OUTER)
        .order_by(Permanence.title, Permanence.id)
    )
    by_sector = {
        key: list(items)
        for key, items in groupby(sorted(query, key=lambda p: p.sector_id), key=lambda p: p.sector_id)
    }
    closures = dict(
        Closure.select(Closure.permanence, fn.COUNT(Closure.id))
        .where(Closure.end_date >= date.today())
        .group_by(Closure.permanence)
        .tuples()
    )
    return render_template(
        "admin/permanences.html",
        sectors=[(s, by_sector.get(s.id, [])) for s in sectors()],
        closures=closures,
        describe=schedule.describe,
        today=date.today(),
    )


def permanence_form(**kwargs):
    partners = Partner.select(Partner.id, Partner.name, Partner.status).order_by(fn.LOWER(Partner.name))
    places = Place.select().order_by(fn.LOWER(Place.name))
    return PermanenceForm(**kwargs).set_choices(partners, sectors(), places)


def change_form(permanence, **kwargs):
    places = Place.select().order_by(fn.LOWER(Place.name))
    return OccurrenceChangeForm(prefix="change", **kwargs).set_choices(places, permanence)


def render_permanence(form, permanence=None, closure_form=None, exception_form=None):
    closures = permanence.closures.order_by(Closure.start_date.desc()) if permanence else []
    changes = (
        permanence.changes.select(OccurrenceChange, Place)
        .join(Place, JOIN.LEFT_OUTER)
        .order_by(OccurrenceChange.day.desc())
        if permanence
        else []
    )
    status = 400 if form.errors or any(f and f.errors for f in (closure_form, exception_form)) else 200
    return render_template(
        "admin/permanence_form.html",
        form=form,
        permanence=permanence,
        closures=closures,
        closure_form=closure_form or ClosureForm(prefix="closure", formdata=None),
        changes=changes,
        exception_form=exception_form or (change_form(permanence, formdata=None) if permanence else None),
        describe=schedule.describe,
        hour=schedule.hour,
    ), status


@bp.route("/permanences/nouvelle", methods=["GET", "POST"])
def permanence_create():
    form = permanence_form(
        data={
            "valid_from": date.today(),
            "recurrence": "weekly",
            "sector_id": request.args.get("secteur", ""),
        }
    )
    if not form.validate_on_submit():
        return render_permanence(form)
    permanence = permanences.save(settings(), None, form.populate_obj, form.new_place())
    flash(
        f"La permanence « {permanence.title} » est enregistrée. Vous pouvez ajouter ses fermetures "
        "exceptionnelles plus bas.",
        "success",
    )
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence.id))


@bp.route("/permanences/<int:permanence_id>", methods=["GET", "POST"])
def permanence_edit(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    form = permanence_form(obj=permanence) if request.method == "GET" else permanence_form()
    if not form.validate_on_submit():
        return render_permanence(form, permanence)
    permanences.save(settings(), permanence_id, form.populate_obj, form.new_place())
    flash("Les modifications de la permanence sont enregistrées.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id))


@bp.post("/permanences/<int:permanence_id>/suppression")
def permanence_delete(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    if request.form.get("confirmation") != "oui":
        flash("Cochez la case de confirmation pour supprimer la permanence.", "error")
        return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id))
    permanences.delete(settings(), permanence_id)
    flash(f"La permanence « {permanence.title} » est supprimée.", "success")
    return redirect(url_for("admin.permanence_list"))


# -- closures (fermetures exceptionnelles) ------------------------------------------


@bp.post("/permanences/<int:permanence_id>/fermetures")
def closure_add(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    closure_form = ClosureForm(prefix="closure")
    if not closure_form.validate_on_submit():
        return render_permanence(permanence_form(formdata=None, obj=permanence), permanence, closure_form)
    permanences.add_closure(
        settings(),
        permanence_id,
        closure_form.start_date.data,
        closure_form.end_date.data,
        closure_form.reason.data,
    )
    flash("La fermeture exceptionnelle est ajoutée.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="fermetures"))


@bp.post("/permanences/<int:permanence_id>/fermetures/<int:closure_id>/suppression")
def closure_delete(permanence_id, closure_id):
    permanences.delete_attached(settings(), Closure, closure_id, permanence_id)
    flash("La fermeture exceptionnelle est supprimée.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="fermetures"))


# -- changed occurrences (horaires ou lieu exceptionnels) -----------------------------


@bp.post("/permanences/<int:permanence_id>/exceptions")
def change_add(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    exception_form = change_form(permanence)
    if not exception_form.validate_on_submit():
        form = permanence_form(formdata=None, obj=permanence)
        return render_permanence(form, permanence, exception_form=exception_form)
    permanences.set_change(settings(), permanence_id, exception_form.day.data, exception_form.populate_obj)
    flash("Les horaires exceptionnels sont enregistrés.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="exceptions"))


@bp.post("/permanences/<int:permanence_id>/exceptions/<int:change_id>/suppression")
def change_delete(permanence_id, change_id):
    permanences.delete_attached(settings(), OccurrenceChange, change_id, permanence_id)
    flash(
        "Les horaires exceptionnels sont supprimés : la permanence reprend ses horaires habituels ce jour-là.",
        "success",
    )
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="exceptions"))


# -- places ------------------------------------------------------------------------


@bp.get("/lieux")
def place_list():
    used = fn.COUNT(Permanence.id).alias("permanence_count")
    query = (
        Place.select(Place, Sector, used)
        .join(Sector, JOIN.LEFT_OUTER)
        .switch(Place)
        .join(Permanence, JOIN.LEFT_OUTER)
        .group_by(Place.id, Sector.id)
        .order_by(fn.LOWER(Place.name))
    )
    return render_template("admin/places.html", places=list(query))


@bp.route("/lieux/nouveau", methods=["GET", "POST"], defaults={"place_id": None})
@bp.route("/lieux/<int:place_id>", methods=["GET", "POST"])
def place_edit(place_id):
    place = get_or_404(Place, place_id) if place_id else None
    form = PlaceForm(obj=place).set_choices(sectors())
    if not form.validate_on_submit():
        return render_template("admin/place_form.html", form=form, place=place), status_of(form)
    stored = permanences.save_place(settings(), place_id, form.populate_obj)
    flash(f"Le lieu « {stored.name} » est enregistré.", "success")
    return redirect(url_for("admin.place_list"))


# -- sectors -----------------------------------------------------------------------


@bp.get("/secteurs")
def sector_list():
    return render_template("admin/sectors.html", sectors=list(sectors()))


@bp.route("/secteurs/nouveau", methods=["GET", "POST"], defaults={"sector_id": None})
@bp.route("/secteurs/<int:sector_id>", methods=["GET", "POST"])
def sector_edit(sector_id):
    sector = get_or_404(Sector, sector_id) if sector_id else None
    form = SectorForm(obj=sector)
    if not form.validate_on_submit():
        return render_template("admin/sector_form.html", form=form, sector=sector), status_of(form)
    stored = permanences.save_sector(settings(), sector_id, form.populate_obj)
    flash(f"Le quartier « {stored.name} » est enregistré.", "success")
    return redirect(url_for("admin.sector_list"))
