"""Partners join the network themselves: register, confirm, then edit their own data.

Lifecycle: registered (pending, unconfirmed) → confirmed by email → approved by
a mediator (published) or rejected. Once published, changes to public fields
wait for moderation while the published version stays online. A partner can
withdraw from the directory at once, or have its data erased.
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from itsdangerous import BadSignature, TimestampSigner

from portal.services import partners, tokens
from portal.services.errors import NotFound, Refused
from portal.store.db import utcnow
from portal.store.models import SHAREABLE_FIELDS, Partner, Sector, Theme
from portal.web.extensions import limiter
from portal.web.helpers import no_referrer, settings
from portal.web.partners.forms import LinkRequestForm, RegistrationForm, SelfServiceForm

bp = Blueprint("partners", __name__, url_prefix="/portail/partenaires")


def vocabularies():
    themes = Theme.select().order_by(Theme.slug)
    return themes, Sector.select().order_by(Sector.position, Sector.name)


def registration_rate_limit():
    return current_app.config["REGISTRATION_RATE_LIMIT"]


class LinkProblem(Exception):
    """An emailed link that cannot serve; its page says why (400, or 404 when
    what the link named is gone). ``extra`` goes to the template (offer_new)."""

    def __init__(self, message, status=400, **extra):
        super().__init__(message)
        self.status, self.extra = status, extra


@bp.errorhandler(LinkProblem)
def link_problem(problem):
    return render_template(
        "partners/link_problem.html", message=str(problem), **problem.extra
    ), problem.status


def linked_partner(purpose, token, max_age, **extra):
    """The partner an emailed link names (None if it was deleted since) and the
    link's nonce; an expired or forged link is a LinkProblem."""
    try:
        partner_id, nonce = settings().read_token(purpose, token, max_age)
    except tokens.LinkError as error:
        raise LinkProblem(str(error), **extra) from None
    return Partner.get_or_none(Partner.id == partner_id), nonce


# -- registration -----------------------------------------------------------------


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def registration():
    form = RegistrationForm().set_choices(*vocabularies())
    signer = TimestampSigner(current_app.config["SECRET_KEY"], salt="relais-form-start")
    if request.method == "GET":
        form.started.data = signer.sign(b"registration").decode()
    elif form.validate_on_submit():
        if form.url.data:  # only robots fill the hidden field
            return redirect(url_for("partners.registered"))
        if filled_too_fast(signer, form.started.data):
            form.name.errors.append(
                "Le formulaire a été envoyé trop vite. Relisez-le, puis envoyez-le à nouveau."
            )
        else:
            partners.register(form.data, settings=settings())
            return redirect(url_for("partners.registered"))
    form.started.data = form.started.data or signer.sign(b"registration").decode()
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
    for option in form.themes:
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
@no_referrer
def confirm_registration(token):
    """GET shows a button, POST confirms: mail scanners that open links
    must not confirm in the user's place."""
    partner, nonce = linked_partner("confirm", token, partners.CONFIRM_MAX_AGE)
    if partner is None:
        raise LinkProblem("Cette inscription n'existe plus.", 404)
    if partner.confirmed_at is not None:
        return render_template("partners/confirmed.html", partner=partner, already=True)
    if nonce != partner.token_nonce:
        raise LinkProblem("Ce lien n'est plus valable.")
    if request.method == "POST":
        try:
            partner, already = partners.confirm(partner.id, nonce, settings=settings())
        except (NotFound, Refused) as error:
            raise LinkProblem(str(error)) from None
        return render_template("partners/confirmed.html", partner=partner, already=already)
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


def current_actor(partner):
    if current_user.is_authenticated and current_user.role == "partner":
        return partners.actor_for(current_user)
    return partners.link_actor(partner)


@bp.get("/espace/<token>")
@no_referrer
def open_space(token):
    partner, nonce = linked_partner("self-service", token, partners.SELF_SERVICE_MAX_AGE, offer_new=True)
    if partner is None or partner.token_nonce != nonce:
        raise LinkProblem("Ce lien n'est plus valable.", offer_new=True)
    session["self_service"] = [partner.id, nonce]
    return redirect(url_for("partners.edit"))


def self_service_data(partner):
    """What the partner's form shows: its proposal if one waits, the address waiting for confirmation."""
    return {
        **partners.proposed_values(partner),
        "contact_name": partner.contact_name,
        "contact_email": partner.pending_contact_email or partner.contact_email,
        "contact_phone": partner.contact_phone,
        "referral_notes": partner.referral_notes,
        **{f"share_{field}": partner.share_level(field) for field in SHAREABLE_FIELDS},
    }


SAVED = {
    "moderation": "Les changements des informations publiques seront en ligne après validation par "
    "l'équipe de médiation.",
    "contact_email": "La nouvelle adresse de contact sera utilisée dès que vous aurez cliqué sur le lien "
    "que nous venons d'y envoyer ; d'ici là, nous écrivons à l'ancienne.",
}


@bp.route("/ma-structure", methods=["GET", "POST"])
def edit():
    partner = current_partner()
    if partner is None:
        flash("Pour modifier votre structure, demandez un lien par e-mail.", "info")
        return redirect(url_for("partners.request_link"))
    form = SelfServiceForm(data=self_service_data(partner)).set_choices(*vocabularies())
    if form.validate_on_submit():
        waiting = partners.edit(partner.id, form.data, current_actor(partner), settings=settings())
        flash(
            " ".join(["Vos modifications sont enregistrées."] + [SAVED[w] for w in sorted(waiting)]),
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
    partners.move(partner.id, "withdrawn", current_actor(partner), settings=settings())
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
    partners.erase(partner.id, current_actor(partner), settings=settings())
    session.pop("self_service", None)
    return render_template("partners/erased.html")


@bp.route("/adresse/<token>", methods=["GET", "POST"])
@no_referrer
def confirm_contact_email(token):
    """The link sent to a new contact address: GET shows a button, POST confirms."""
    partner, nonce = linked_partner("contact-email", token, partners.CONTACT_MAX_AGE)
    if partner is None:
        raise LinkProblem("Cette structure n'existe plus.", 404)
    if not partner.pending_contact_email or nonce != partners.contact_nonce(partner):
        raise LinkProblem("Ce lien n'est plus valable : l'adresse a déjà été confirmée, ou changée depuis.")
    if request.method == "POST":
        try:
            partner = partners.confirm_contact_email(partner.id, nonce)
        except Refused as error:
            raise LinkProblem(str(error)) from None
        return render_template("partners/contact_email.html", partner=partner, done=True)
    return render_template("partners/contact_email.html", partner=partner, done=False)


@bp.route("/lien", methods=["GET", "POST"])
@limiter.limit(registration_rate_limit, methods=["POST"])
def request_link():
    """A new self-service link by email. The answer is the same whether the
    address is known or not, so nobody can learn who is registered."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        partners.send_self_service_links(form.email.data, settings())
        return render_template("partners/link_sent.html", email=form.email.data)
    return render_template("partners/request_link.html", form=form), (400 if form.errors else 200)
