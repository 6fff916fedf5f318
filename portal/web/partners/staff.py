"""Staff pages of partners: list, search, create, edit, and explicit status
actions (approve, reject with a reason, withdraw, republish) with their log.

The routes hang on the staff blueprint (``admin``, /portail/gestion/…), whose
before_request already refuses anyone but the team.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from peewee import fn

from portal.services import partners
from portal.services.partners.values import CONTACT_COLUMNS
from portal.store.models import PARTNER_STATUSES, Partner, PartnerSector, PartnerTransition, Sector, slugify
from portal.web.admin.views import bp
from portal.web.helpers import get_object_or_404, page_number, settings, staff_required
from portal.web.partners.forms import MoveForm, StaffPartnerForm
from portal.web.partners.views import theme_groups, vocabularies

PER_PAGE = 30
# The button of each staff action, by (from, to) status.
ACTIONS = {
    ("pending", "published"): "Valider et publier",
    ("pending", "rejected"): "Refuser l'inscription",
    ("published", "withdrawn"): "Retirer de l'annuaire",
    ("withdrawn", "published"): "Republier dans l'annuaire",
    ("rejected", "published"): "Publier malgré le refus",
}


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
@staff_required
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
        sectors=Sector.ordered(),
    )


def staff_form(**kwargs):
    return StaffPartnerForm(**kwargs).set_choices(*vocabularies())


def online_version(partner):
    """The form's data: the online version, not what the partner proposed."""
    return {**partners.current_values(partner), **{c: getattr(partner, c) for c in CONTACT_COLUMNS}}


def render_partner(form, partner=None, move_form=None):
    public_url = (
        settings().public_url("partner", partner) if partner and partner.status == "published" else None
    )
    actions = (
        [(target, ACTIONS[partner.status, target]) for target in partners.allowed_moves(partner)]
        if partner
        else []
    )
    log = (
        partner.transitions.order_by(PartnerTransition.created_at.desc(), PartnerTransition.id.desc())
        if partner
        else []
    )
    status = 400 if form.errors or (move_form and move_form.errors) else 200
    return render_template(
        "admin/partner_form.html",
        form=form,
        partner=partner,
        groups=theme_groups(form),
        public_url=public_url,
        actions=actions,
        move_form=move_form or MoveForm(formdata=None),
        log=list(log),
    ), status


@bp.route("/partenaires/nouveau", methods=["GET", "POST"])
@staff_required
def partner_create():
    form = staff_form()
    if not form.validate_on_submit():
        return render_partner(form)
    partner = partners.save_by_staff(None, form.data, partners.actor_for(current_user), settings=settings())
    flash(f"« {partner.name} » est enregistré et publié dans l'annuaire.", "success")
    warn_duplicates(partner)
    return redirect(url_for("admin.partner_edit", partner_id=partner.id))


def warn_duplicates(partner):
    for other in partner.duplicates():
        flash(
            f"Doublon possible : « {other.name} » ({other.commune}) existe déjà avec le même nom ou le même SIRET.",
            "error",
        )


@bp.route("/partenaires/<int:partner_id>", methods=["GET", "POST"])
@staff_required
def partner_edit(partner_id):
    partner = get_object_or_404(Partner, Partner.id == partner_id)
    form = staff_form(data=online_version(partner))
    if not form.validate_on_submit():
        return render_partner(form, partner)
    partner = partners.save_by_staff(
        partner_id, form.data, partners.actor_for(current_user), settings=settings()
    )
    flash(f"Les modifications de « {partner.name} » sont enregistrées.", "success")
    return redirect(url_for("admin.partner_edit", partner_id=partner.id))


@bp.post("/partenaires/<int:partner_id>/etat")
@staff_required
def partner_move(partner_id):
    """One explicit action on the status (the buttons of ACTIONS)."""
    partner = get_object_or_404(Partner, Partner.id == partner_id)
    move_form = MoveForm()
    if not move_form.validate_on_submit():
        return render_partner(staff_form(formdata=None, data=online_version(partner)), partner, move_form)
    target = move_form.target.data
    partner = partners.move(
        partner_id,
        target,
        partners.actor_for(current_user),
        reason=move_form.reason.data,
        settings=settings(),
    )
    told = " La structure est prévenue par e-mail." if partner.contact_email or partner.email else ""
    flash(f"« {partner.name} » : {PARTNER_STATUSES[target].lower()}.{told}", "success")
    return redirect(url_for("admin.partner_edit", partner_id=partner_id))
