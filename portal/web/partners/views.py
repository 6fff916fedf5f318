"""Partners join the network themselves: register, confirm, then edit their own data.

Lifecycle: registered (pending, unconfirmed) → confirmed by email → approved by
a mediator (published) or rejected. Once published, changes to public fields
wait for moderation while the published version stays online. A partner can
withdraw from the directory at once, or have its data erased.
"""

import json
import secrets
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from itsdangerous import BadSignature, TimestampSigner
from peewee import fn

from portal.mail import outbox as mail
from portal.services import tokens
from portal.site.publish import request_rebuild
from portal.store.db import db, for_update, utcnow, write_lock
from portal.store.models import (
    SHAREABLE_FIELDS,
    Partner,
    PartnerSector,
    PartnerTheme,
    Referral,
    Sector,
    Theme,
    User,
)
from portal.web.extensions import limiter
from portal.web.helpers import settings
from portal.web.partners.forms import LinkRequestForm, RegistrationForm, SelfServiceForm

bp = Blueprint("partners", __name__, url_prefix="/portail/partenaires")

CONFIRM_MAX_AGE = 48 * tokens.HOUR
SELF_SERVICE_MAX_AGE = 7 * tokens.DAY
UNCONFIRMED_KEPT = timedelta(days=7)
# Form field (data·inclusion name) -> Partner column, for the public fields.
PUBLIC_FIELDS = {
    "nom": "name",
    "siret": "siret",
    "typologie": "kind",
    "adresse": "address",
    "complement_adresse": "address_extra",
    "code_postal": "postcode",
    "commune": "commune",
    "telephone": "phone",
    "courriel": "email",
    "site_web": "website",
    "presentation_resume": "summary",
    "presentation_detail": "description",
}
CONTACT_FIELDS = {
    "contact_nom": "contact_name",
    "contact_courriel": "contact_email",
    "contact_telephone": "contact_phone",
}


# -- what happens to a partner --------------------------------------------------


def public_values(form):
    values = {column: getattr(form, name).data or "" for name, column in PUBLIC_FIELDS.items()}
    values["siret"] = values["siret"] or None  # unique identifier: absent, not blank
    values["themes"], values["sectors"] = sorted(form.thematiques.data), sorted(form.secteurs.data)
    return values


def apply_public_values(partner, values):
    from portal.services.datainclusion import unique_slug

    for column in PUBLIC_FIELDS.values():
        setattr(partner, column, values[column])
    if not partner.slug:
        partner.slug = unique_slug(partner.name)
    partner.save()
    PartnerTheme.delete().where(PartnerTheme.partner == partner).execute()
    PartnerSector.delete().where(PartnerSector.partner == partner).execute()
    for theme in Theme.select().where(Theme.slug.in_(values["themes"])):
        PartnerTheme.create(partner=partner, theme=theme)
    for sector in Sector.select().where(Sector.slug.in_(values["sectors"])):
        PartnerSector.create(partner=partner, sector=sector)


def current_values(partner):
    values = {column: getattr(partner, column) for column in PUBLIC_FIELDS.values()}
    values["themes"] = sorted(theme.slug for theme in partner.themes)
    values["sectors"] = sorted(sector.slug for sector in partner.sectors)
    return values


def register(form):
    """A new partner, pending until its contact confirms by email."""
    with db.atomic():
        partner = Partner(status="pending", consent_at=utcnow(), token_nonce=new_nonce(), slug="")
        for name, column in CONTACT_FIELDS.items():
            setattr(partner, column, getattr(form, name).data or "")
        apply_public_values(partner, public_values(form))
        link = settings().portal_url(
            "partners.confirm", token=settings().make_token("confirm", partner.id, partner.token_nonce)
        )
        mail.queue(
            partner.contact_email,
            "Confirmez l'inscription de votre structure",
            "partner_confirm",
            partner=partner,
            link=link,
            base_url=settings().base_url,
        )
    return partner


def confirm(partner):
    with db.atomic():
        partner.confirmed_at = utcnow()
        partner.token_nonce = new_nonce()  # the confirmation link is single-use
        partner.save()
        for user in User.select().where(User.role.in_(["admin", "mediator"]) & User.active):
            mail.queue(
                user.email,
                f"Nouvelle inscription à valider : {partner.name}",
                "staff_new_partner",
                partner=partner,
                link=settings().portal_url("moderation.queue"),
                base_url=settings().base_url,
            )


def self_service_link(partner):
    return settings().portal_url(
        "partners.open_space", token=settings().make_token("self-service", partner.id, partner.token_nonce)
    )


def purge_unconfirmed(now=None):
    """Registrations never confirmed are deleted after 7 days (nothing was published)."""
    limit = (now or utcnow()) - UNCONFIRMED_KEPT
    stale = Partner.select(Partner.id).where(
        (Partner.status == "pending") & Partner.confirmed_at.is_null() & (Partner.created_at < limit)
    )
    return Partner.delete().where(Partner.id.in_(stale)).execute()


def erase(partner):
    """RGPD erasure: delete the partner; if referrals must keep pointing to
    it (statistics), blank everything but its name and withdraw it."""
    with db.atomic():
        if Referral.select().where(Referral.partner == partner).exists():
            for column in list(PUBLIC_FIELDS.values()) + list(CONTACT_FIELDS.values()) + ["referral_notes"]:
                if column not in ("name", "kind"):
                    setattr(partner, column, None if column == "siret" else "")
            partner.status, partner.sharing, partner.pending_changes = "withdrawn", "{}", ""
            partner.token_nonce = new_nonce()
            partner.save()
            PartnerTheme.delete().where(PartnerTheme.partner == partner).execute()
        else:
            partner.delete_instance()


def new_nonce():
    return secrets.token_hex(8)


# -- registration -----------------------------------------------------------------


def vocabularies():
    themes = Theme.select().order_by(Theme.slug)
    return themes, Sector.select().order_by(Sector.position, Sector.name)


def registration_rate_limit():
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def registration():
    form = RegistrationForm().set_choices(*vocabularies())
    signer = TimestampSigner(current_app.config["SECRET_KEY"], salt="relais-form-start")
    if request.method == "GET":
        form.debut.data = signer.sign(b"registration").decode()
    elif form.validate_on_submit():
        if form.site_internet_bis.data:  # only robots fill the hidden field
            return redirect(url_for("partners.registered"))
        if filled_too_fast(signer, form.debut.data):
            form.nom.errors.append(
                "Le formulaire a été envoyé trop vite. Relisez-le, puis envoyez-le à nouveau."
            )
        else:
            register(form)
            return redirect(url_for("partners.registered"))
    form.debut.data = form.debut.data or signer.sign(b"registration").decode()
    status = 400 if form.errors else 200
    return render_template("partners/register.html", form=form, groups=theme_groups(form)), status


def filled_too_fast(signer, started):
    try:
        _, shown_at = signer.unsign(
            started or "", max_age=current_app.config["WTF_CSRF_TIME_LIMIT"], return_timestamp=True
        )
    except BadSignature:
        return True
    return (utcnow() - shown_at).total_seconds() < current_app.config["REGISTRATION_MIN_SECONDS"]


def theme_groups(form):
    """Checkboxes of the themes, grouped under their data·inclusion category."""
    groups, by_slug = [], {}
    for option in form.thematiques:
        parent = option.data.split("--")[0]
        if parent == option.data:
            by_slug[parent] = (option, [])
            groups.append(by_slug[parent])
        else:
            by_slug[parent][1].append(option)
    return groups


@bp.get("/inscription/merci")
def registered():
    return render_template("partners/registered.html")


@bp.route("/confirmer/<token>", methods=["GET", "POST"], endpoint="confirm")
def confirm_registration(token):
    """GET shows a button, POST confirms: mail scanners that open links
    must not confirm in the user's place."""
    try:
        partner_id, nonce = settings().read_token("confirm", token, CONFIRM_MAX_AGE)
    except tokens.LinkError as error:
        return render_template("partners/link_problem.html", message=str(error)), 400
    partner = Partner.get_or_none(Partner.id == partner_id)
    if partner is None:
        return render_template("partners/link_problem.html", message="Cette inscription n'existe plus."), 404
    if partner.confirmed_at is not None:
        return render_template("partners/confirmed.html", partner=partner, already=True)
    if nonce != partner.token_nonce:
        return render_template("partners/link_problem.html", message="Ce lien n'est plus valable."), 400
    if request.method == "POST":
        with write_lock():  # two clicks at once confirm once
            fresh = for_update(Partner.select().where(Partner.id == partner.id)).get()
            if fresh.confirmed_at is None:
                confirm(fresh)
        return render_template("partners/confirmed.html", partner=partner, already=False)
    return render_template("partners/confirm.html", partner=partner)


# -- self-service ------------------------------------------------------------------


def current_partner():
    """The partner being edited: a partner account's own, or the one whose
    emailed link was opened in this browser."""
    if current_user.is_authenticated and current_user.role == "partner":
        return current_user.partner
    partner_id, nonce = session.get("self_service") or (None, None)
    partner = Partner.get_or_none(Partner.id == partner_id) if partner_id else None
    if partner is None or partner.token_nonce != nonce or partner.status == "rejected":
        return None
    return partner


@bp.get("/espace/<token>")
def open_space(token):
    try:
        partner_id, nonce = settings().read_token("self-service", token, SELF_SERVICE_MAX_AGE)
    except tokens.LinkError as error:
        return render_template("partners/link_problem.html", message=str(error), offer_new=True), 400
    partner = Partner.get_or_none(Partner.id == partner_id)
    if partner is None or partner.token_nonce != nonce:
        return render_template(
            "partners/link_problem.html", message="Ce lien n'est plus valable.", offer_new=True
        ), 400
    session["self_service"] = [partner.id, nonce]
    return redirect(url_for("partners.edit"))


def fill_partner_fields(form, partner, values):
    """The public fields from ``values`` (online or proposed), the contact from the partner."""
    for name, column in PUBLIC_FIELDS.items():
        getattr(form, name).data = values[column]
    form.thematiques.data, form.secteurs.data = values["themes"], values["sectors"]
    for name, column in CONTACT_FIELDS.items():
        getattr(form, name).data = getattr(partner, column)


def fill_form(form, partner):
    values = json.loads(partner.pending_changes) if partner.pending_changes else current_values(partner)
    fill_partner_fields(form, partner, values)
    form.referral_notes.data = partner.referral_notes
    for field in SHAREABLE_FIELDS:
        getattr(form, f"share_{field}").data = partner.share_level(field)


def save_self_service(partner, form):
    """Contact and sharing choices apply at once; public fields of a
    published partner wait for moderation, the online version unchanged."""
    values = public_values(form)
    with db.atomic():
        for name, column in CONTACT_FIELDS.items():
            setattr(partner, column, getattr(form, name).data or "")
        partner.referral_notes = form.referral_notes.data or ""
        partner.sharing = json.dumps(
            {field: getattr(form, f"share_{field}").data for field in SHAREABLE_FIELDS}
        )
        if partner.status != "published":
            apply_public_values(partner, values)
            return "saved"
        if values == current_values(partner):
            partner.pending_changes = ""
            partner.save()
            return "saved"
        partner.pending_changes = json.dumps(values)
        partner.save()
        return "moderation"


@bp.route("/ma-structure", methods=["GET", "POST"])
def edit():
    partner = current_partner()
    if partner is None:
        flash("Pour modifier votre structure, demandez un lien par e-mail.", "info")
        return redirect(url_for("partners.request_link"))
    form = SelfServiceForm().set_choices(*vocabularies())
    if request.method == "GET":
        fill_form(form, partner)
    elif form.validate_on_submit():
        outcome = save_self_service(partner, form)
        if partner.status == "published":
            request_rebuild()  # sharing choices can change the public page
        flash(
            "Vos modifications sont enregistrées. Les changements des informations publiques seront "
            "en ligne après validation par l'équipe de médiation."
            if outcome == "moderation"
            else "Vos modifications sont enregistrées.",
            "success",
        )
        return redirect(url_for("partners.edit"))
    return render_template(
        "partners/edit.html",
        form=form,
        partner=partner,
        groups=theme_groups(form),
        public_url=settings().public_url("partner", partner),
    ), (400 if form.errors else 200)


@bp.post("/ma-structure/retrait")
def withdraw():
    partner = current_partner() or abort(403)
    with db.atomic():
        partner.status, partner.pending_changes = "withdrawn", ""
        partner.save()
    request_rebuild()
    flash(
        "Votre structure est retirée de l'annuaire. Elle n'apparaîtra plus sur le site après sa "
        "prochaine mise à jour, dans quelques minutes.",
        "success",
    )
    return redirect(url_for("partners.edit"))


@bp.post("/ma-structure/effacement")
def erase_data():
    partner = current_partner() or abort(403)
    if request.form.get("confirmation") != "oui":
        flash("Cochez la case de confirmation pour effacer les données de votre structure.", "error")
        return redirect(url_for("partners.edit"))
    erase(partner)
    session.pop("self_service", None)
    request_rebuild()
    return render_template("partners/erased.html")


@bp.route("/lien", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def request_link():
    """A new self-service link by email. The answer is the same whether the
    address is known or not, so nobody can learn who is registered."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        email = form.courriel.data.lower()
        with db.atomic():
            for partner in Partner.select().where(
                (fn.LOWER(Partner.contact_email) == email) & (Partner.status != "rejected")
            ):
                mail.queue(
                    partner.contact_email,
                    "Votre lien pour modifier votre structure",
                    "partner_link",
                    partner=partner,
                    link=self_service_link(partner),
                    base_url=settings().base_url,
                )
        return render_template("partners/link_sent.html", email=form.courriel.data)
    return render_template("partners/request_link.html", form=form), (400 if form.errors else 200)
