"""Staff pages: list, search and edit partners, permanences (and their
closures), places and sectors, so the team never needs a shell for daily work.

Staff are the moderators: what they save applies at once, and every change
to published content asks for a rebuild of the public site.
"""

from datetime import date
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from peewee import JOIN, fn

from portal.services import schedule
from portal.site.publish import request_rebuild
from portal.store.db import for_update, utcnow, write_lock
from portal.store.models import (
    PARTNER_STATUSES,
    WEEKDAYS,
    Closure,
    OccurrenceChange,
    Partner,
    PartnerSector,
    Permanence,
    Place,
    Sector,
    slugify,
)
from portal.web.admin.forms import ClosureForm, OccurrenceChangeForm, PermanenceForm, PlaceForm, SectorForm
from portal.web.helpers import page_number, roles_required, settings
from portal.web.partners.forms import StaffPartnerForm
from portal.web.partners.views import (
    CONTACT_FIELDS,
    apply_public_values,
    current_values,
    fill_partner_fields,
    new_nonce,
    public_values,
    theme_groups,
    vocabularies,
)

bp = Blueprint("admin", __name__, url_prefix="/portail/gestion")
PER_PAGE = 30


@bp.before_request
@roles_required("admin", "mediator")
def staff_only():
    """One check for the whole blueprint, so that no page can forget it."""


def get_or_404(model, object_id):
    return model.get_or_none(model.id == object_id) or abort(404)


def locked(model, object_id):
    """The row, locked until the end of the write_lock() transaction."""
    return for_update(model.select().where(model.id == object_id)).get_or_none() or abort(404)


def status_of(form):
    return 400 if form.errors else 200


def sectors():
    return Sector.select().order_by(Sector.position, Sector.name)


# -- partners -------------------------------------------------------------------


def search_partners(words, status, sector):
    query = Partner.select()
    if words:
        # contains() is a case-insensitive LIKE; the slug also finds "epicerie"
        # for "Épicerie", since people often type without accents.
        query = query.where(
            Partner.name.contains(words) | Partner.slug.contains(slugify(words, max_length=100))
        )
    if status:
        query = query.where(Partner.status == status)
    if sector:
        linked = PartnerSector.select(PartnerSector.partner).where(PartnerSector.sector == sector)
        query = query.where(Partner.id.in_(linked))
    return query.order_by(fn.LOWER(Partner.name), Partner.id)


@bp.get("/partenaires")
def partner_list():
    words = request.args.get("q", "").strip()[:100]
    status = request.args.get("statut", "") if request.args.get("statut") in PARTNER_STATUSES else ""
    sector = Sector.get_or_none(Sector.slug == request.args.get("secteur", ""))
    page = page_number()
    query = search_partners(words, status, sector)
    total = query.count()
    filters = {"q": words, "statut": status, "secteur": sector.slug if sector else ""}
    return render_template(
        "admin/partners.html",
        partners=list(query.paginate(page, PER_PAGE)),
        total=total,
        page=page,
        pages=max(-(-total // PER_PAGE), 1),
        filters=filters,
        statuses=PARTNER_STATUSES,
        sectors=sectors(),
    )


def partner_form(**kwargs):
    return StaffPartnerForm(**kwargs).set_choices(*vocabularies())


def fill_partner_form(form, partner):
    # The online version, not what the partner proposed.
    fill_partner_fields(form, partner, current_values(partner))
    form.statut.data = partner.status


def save_partner(partner, form):
    """Applies at once; changes the partner proposed are superseded."""
    for name, column in CONTACT_FIELDS.items():
        setattr(partner, column, getattr(form, name).data or "")
    partner.status, partner.pending_changes = form.statut.data, ""
    if partner.status == "published" and partner.published_at is None:
        partner.published_at = utcnow()
    apply_public_values(partner, public_values(form))
    return partner


def render_partner(form, partner=None):
    public_url = (
        settings().public_url("partner", partner) if partner and partner.status == "published" else None
    )
    return render_template(
        "admin/partner_form.html",
        form=form,
        partner=partner,
        groups=theme_groups(form),
        public_url=public_url,
    ), status_of(form)


@bp.route("/partenaires/nouveau", methods=["GET", "POST"])
def partner_create():
    form = partner_form(data={"statut": "published"})  # a partner the team knows: published at once
    if not form.validate_on_submit():
        return render_partner(form)
    with write_lock():
        partner = save_partner(Partner(slug="", token_nonce=new_nonce()), form)
    request_rebuild()
    flash(f"« {partner.name} » est enregistré.", "success")
    warn_duplicates(partner)
    return redirect(url_for("admin.partner_edit", partner_id=partner.id))


def warn_duplicates(partner):
    for other in partner.duplicates():
        flash(
            f"Doublon possible : « {other.name} » ({other.commune}) existe déjà avec le même nom ou le même SIRET.",
            "error",
        )


@bp.route("/partenaires/<int:partner_id>", methods=["GET", "POST"])
def partner_edit(partner_id):
    partner = get_or_404(Partner, partner_id)
    form = partner_form()
    if request.method == "GET":
        fill_partner_form(form, partner)
    if not form.validate_on_submit():
        return render_partner(form, partner)
    with write_lock():
        partner = save_partner(locked(Partner, partner_id), form)
    request_rebuild()
    flash(f"Les modifications de « {partner.name} » sont enregistrées.", "success")
    return redirect(url_for("admin.partner_edit", partner_id=partner.id))


# -- permanences -------------------------------------------------------------------


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


def fill_permanence_form(form, permanence):
    form.process(
        data={
            "titre": permanence.title,
            "partenaire": str(permanence.partner_id or ""),
            "secteur": str(permanence.sector_id),
            "lieu": str(permanence.place_id),
            "jours": permanence.weekday_codes,
            "heure_debut": permanence.opens_at,
            "heure_fin": permanence.closes_at,
            "recurrence": permanence.recurrence,
            "toutes_les_n_semaines": str(permanence.every_n_weeks),
            "semaine_du_mois": str(permanence.month_week or ""),
            "debut_validite": permanence.valid_from,
            "fin_validite": permanence.valid_to,
            "notes": permanence.notes,
        },
        formdata=None,
    )


def save_permanence(permanence, form):
    """Permanence.save() raises its iCalendar SEQUENCE when subscribers must see the change."""
    monthly = form.recurrence.data == "monthly"
    permanence.title, permanence.notes = form.titre.data, form.notes.data or ""
    permanence.partner_id = int(form.partenaire.data) if form.partenaire.data else None
    permanence.sector_id = int(form.secteur.data)
    permanence.place_id = int(form.lieu.data) if form.lieu.data else new_place(form).id
    permanence.weekdays = ",".join(code for code in WEEKDAYS if code in form.jours.data)  # Monday first
    permanence.opens_at, permanence.closes_at = form.heure_debut.data, form.heure_fin.data
    permanence.recurrence = form.recurrence.data
    permanence.every_n_weeks = 1 if monthly else int(form.toutes_les_n_semaines.data)
    permanence.month_week = int(form.semaine_du_mois.data) if monthly else None
    permanence.valid_from, permanence.valid_to = form.debut_validite.data, form.fin_validite.data
    permanence.save()
    return permanence


def new_place(form):
    place = Place(sector_id=int(form.secteur.data))
    fill_place(place, form)
    place.save()
    return place


def change_form(permanence, **kwargs):
    places = Place.select().order_by(fn.LOWER(Place.name))
    return OccurrenceChangeForm(**kwargs).set_choices(places, permanence)


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
        closure_form=closure_form or ClosureForm(formdata=None),
        changes=changes,
        exception_form=exception_form or (change_form(permanence, formdata=None) if permanence else None),
        describe=schedule.describe,
        hour=schedule.hour,
    ), status


@bp.route("/permanences/nouvelle", methods=["GET", "POST"])
def permanence_create():
    form = permanence_form(
        data={
            "debut_validite": date.today(),
            "recurrence": "weekly",
            "secteur": request.args.get("secteur", ""),
        }
    )
    if not form.validate_on_submit():
        return render_permanence(form)
    with write_lock():
        permanence = save_permanence(Permanence(), form)
    request_rebuild()
    flash(
        f"La permanence « {permanence.title} » est enregistrée. Vous pouvez ajouter ses fermetures "
        "exceptionnelles plus bas.",
        "success",
    )
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence.id))


@bp.route("/permanences/<int:permanence_id>", methods=["GET", "POST"])
def permanence_edit(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    form = permanence_form()
    if request.method == "GET":
        fill_permanence_form(form, permanence)
    if not form.validate_on_submit():
        return render_permanence(form, permanence)
    with write_lock():
        save_permanence(locked(Permanence, permanence_id), form)
    request_rebuild()
    flash("Les modifications de la permanence sont enregistrées.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id))


@bp.post("/permanences/<int:permanence_id>/suppression")
def permanence_delete(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    if request.form.get("confirmation") != "oui":
        flash("Cochez la case de confirmation pour supprimer la permanence.", "error")
        return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id))
    with write_lock():
        locked(Permanence, permanence_id).delete_instance()  # its closures go with it
    request_rebuild()
    flash(f"La permanence « {permanence.title} » est supprimée.", "success")
    return redirect(url_for("admin.permanence_list"))


# -- closures (fermetures exceptionnelles) ------------------------------------------


@bp.post("/permanences/<int:permanence_id>/fermetures")
def closure_add(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    closure_form = ClosureForm()
    if not closure_form.validate_on_submit():
        form = permanence_form(formdata=None)
        fill_permanence_form(form, permanence)
        return render_permanence(form, permanence, closure_form)
    start = closure_form.fermeture_debut.data
    with write_lock():
        # Closure.save() raises the permanence's SEQUENCE: calendars refetch it.
        Closure.create(
            permanence=locked(Permanence, permanence_id),
            start_date=start,
            end_date=closure_form.fermeture_fin.data or start,
            reason=closure_form.fermeture_motif.data or "",
        )
    request_rebuild()
    flash("La fermeture exceptionnelle est ajoutée.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="fermetures"))


def delete_attached(model, item_id, permanence_id):
    """Delete a closure or a changed occurrence of this permanence (another
    permanence's gives 404); its delete_instance() raises the SEQUENCE."""
    with write_lock():
        item = locked(model, item_id)
        if item.permanence_id != permanence_id:
            abort(404)
        item.delete_instance()
    request_rebuild()


@bp.post("/permanences/<int:permanence_id>/fermetures/<int:closure_id>/suppression")
def closure_delete(permanence_id, closure_id):
    delete_attached(Closure, closure_id, permanence_id)
    flash("La fermeture exceptionnelle est supprimée.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="fermetures"))


# -- changed occurrences (horaires ou lieu exceptionnels) -----------------------------


@bp.post("/permanences/<int:permanence_id>/exceptions")
def change_add(permanence_id):
    permanence = get_or_404(Permanence, permanence_id)
    exception_form = change_form(permanence)
    if not exception_form.validate_on_submit():
        form = permanence_form(formdata=None)
        fill_permanence_form(form, permanence)
        return render_permanence(form, permanence, exception_form=exception_form)
    data = exception_form.data
    with write_lock():
        permanence = locked(Permanence, permanence_id)
        # One change per day: a new one replaces the previous one.
        change = OccurrenceChange.get_or_none(
            (OccurrenceChange.permanence == permanence) & (OccurrenceChange.day == data["exception_jour"])
        ) or OccurrenceChange(permanence=permanence, day=data["exception_jour"])
        change.opens_at, change.closes_at = data["exception_debut"], data["exception_fin"]
        change.place_id = int(data["exception_lieu"]) if data["exception_lieu"] else None
        change.note = data["exception_note"] or ""
        change.save()  # raises the permanence's SEQUENCE: calendars refetch it
    request_rebuild()
    flash("Les horaires exceptionnels sont enregistrés.", "success")
    return redirect(url_for("admin.permanence_edit", permanence_id=permanence_id, _anchor="exceptions"))


@bp.post("/permanences/<int:permanence_id>/exceptions/<int:change_id>/suppression")
def change_delete(permanence_id, change_id):
    delete_attached(OccurrenceChange, change_id, permanence_id)
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


def fill_place(place, form):
    place.name, place.address = form.lieu_nom.data, form.lieu_adresse.data or ""
    place.postcode, place.commune = form.lieu_code_postal.data or "", form.lieu_commune.data or ""
    place.accessibility = form.lieu_accessibilite.data or ""


@bp.route("/lieux/nouveau", methods=["GET", "POST"], defaults={"place_id": None})
@bp.route("/lieux/<int:place_id>", methods=["GET", "POST"])
def place_edit(place_id):
    place = get_or_404(Place, place_id) if place_id else None
    form = PlaceForm().set_choices(sectors())
    if request.method == "GET" and place:
        form.process(
            data={
                "lieu_nom": place.name,
                "lieu_adresse": place.address,
                "lieu_code_postal": place.postcode,
                "lieu_commune": place.commune,
                "lieu_accessibilite": place.accessibility,
                "lieu_secteur": str(place.sector_id or ""),
            },
            formdata=None,
        )
    if not form.validate_on_submit():
        return render_template("admin/place_form.html", form=form, place=place), status_of(form)
    with write_lock():
        stored = locked(Place, place_id) if place_id else Place()
        fill_place(stored, form)
        stored.sector_id = int(form.lieu_secteur.data) if form.lieu_secteur.data else None
        stored.save()
    request_rebuild()
    flash(f"Le lieu « {stored.name} » est enregistré.", "success")
    return redirect(url_for("admin.place_list"))


# -- sectors -----------------------------------------------------------------------


@bp.get("/secteurs")
def sector_list():
    return render_template("admin/sectors.html", sectors=list(sectors()))


def unique_sector_slug(name):
    base = slug = slugify(name, max_length=75)  # room for a '-2' within the column's 80
    number = 1
    while Sector.select().where(Sector.slug == slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@bp.route("/secteurs/nouveau", methods=["GET", "POST"], defaults={"sector_id": None})
@bp.route("/secteurs/<int:sector_id>", methods=["GET", "POST"])
def sector_edit(sector_id):
    sector = get_or_404(Sector, sector_id) if sector_id else None
    form = SectorForm()
    if request.method == "GET" and sector:
        form.process(
            data={"nom": sector.name, "communes_quartiers": sector.areas, "ordre": sector.position},
            formdata=None,
        )
    if not form.validate_on_submit():
        return render_template("admin/sector_form.html", form=form, sector=sector), status_of(form)
    with write_lock():
        # The slug is only made once: public addresses and feeds depend on it.
        stored = locked(Sector, sector_id) if sector_id else Sector(slug=unique_sector_slug(form.nom.data))
        stored.name, stored.areas, stored.position = (
            form.nom.data,
            form.communes_quartiers.data or "",
            form.ordre.data,
        )
        stored.save()
    request_rebuild()
    flash(f"Le quartier « {stored.name} » est enregistré.", "success")
    return redirect(url_for("admin.sector_list"))
