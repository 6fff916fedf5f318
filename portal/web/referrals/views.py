"""Referrals (orientations): a mediator hands a person over to a partner and
follows the hand-off until the person is really taken in charge.

Pages: the sender's dashboard, the creation form, a partner account's inbox,
the referral page (timeline and answers), and the page of the partner's
emailed link. The rules live in services/referrals.py; these views only check
who is asking, validate the forms and show what the rules answer.

Every page here shows a person's data or who they were sent to: none may be
kept in a cache (``no_store``); the emailed pages carry their token in the
address, which must not leak through a Referer (``no_referrer``).
"""

from datetime import datetime, time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.services import referrals as flow
from portal.services import tokens
from portal.services.errors import NotFound, Refused
from portal.services.schedule import PARIS
from portal.store.db import utcnow
from portal.store.models import (
    REFERRAL_STATUSES,
    Partner,
    Referral,
    ReferralAccess,
    ReferralTransition,
    Sector,
    Theme,
)
from portal.web.directory import filter_menus, search
from portal.web.extensions import limiter
from portal.web.helpers import no_referrer, no_store, roles_required, settings
from portal.web.referrals.forms import ACTIONS, ReferralForm, answer_forms, changes

bp = Blueprint("referrals", __name__, url_prefix="/portail/orientations")
STAFF = ("admin", "mediator")


@bp.app_template_filter("local_day")
def local_day(value):
    """A date, or an aware datetime seen from Paris, as 23/11/2026."""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS)
    return f"{value:%d/%m/%Y}"


# -- the sender's side --------------------------------------------------------------


@bp.get("/")
@roles_required(*STAFF)
@no_store
def index():
    now = utcnow()
    mine = flow.visible_to(current_user)
    open_rows = flow.rows(settings(), mine.where(Referral.status.in_(flow.OPEN)), now)
    groups = [
        (status, [row for row in open_rows if row["referral"].status == status]) for status in flow.OPEN
    ]
    finished = flow.rows(settings(), mine.where(Referral.status.in_(flow.FINISHED)).limit(50), now)
    return render_template(
        "referrals/index.html",
        groups=groups,
        finished=finished,
        open_total=len(open_rows),
        overdue_count=sum(row["overdue"] for row in open_rows),
    )


def partner_choices(theme, sector):
    """Published partners the filters find, that can receive an email."""
    found = search(theme=theme, sector=sector)
    return list(found.where((Partner.contact_email != "") | (Partner.email != "")))


def consent_moment(day):
    """The day the person agreed, as a moment: now if today, else noon that day (Paris)."""
    if day == datetime.now(PARIS).date():
        return utcnow()
    return datetime.combine(day, time(12), tzinfo=PARIS)


def referral_values(form):
    """The new referral's columns: the form's fields are named as them; the
    three chosen records are looked up, the day of consent becomes a moment."""
    values = {field.name: field.data for field in form if field.name in Referral._meta.fields}
    values.update(
        partner=Partner.get_by_id(int(form.partner.data)),
        theme=Theme.get(Theme.slug == form.theme.data),
        sector=Sector.get(Sector.slug == form.sector.data),
        person_phone=form.person_phone.data or "",
        person_email=form.person_email.data or "",
        consent_at=consent_moment(form.consent_date.data),
    )
    return values


@bp.route("/nouvelle", methods=["GET", "POST"])
@roles_required(*STAFF)
@no_store
def new():
    theme = Theme.get_or_none((Theme.slug == request.args.get("thematique", "")) & Theme.parent.is_null())
    sector = Sector.get_or_none(Sector.slug == request.args.get("secteur", ""))
    partners = partner_choices(theme, sector)
    form = ReferralForm().set_choices(partners, Theme.select(), Sector.ordered())
    if request.method == "GET":
        form.theme.data, form.sector.data = theme.slug if theme else "", sector.slug if sector else ""
        form.consent_date.data = datetime.now(PARIS).date()
    elif form.validate_on_submit():
        referral = flow.create(settings(), current_user._get_current_object(), referral_values(form))
        flash(
            f"Orientation envoyée à {referral.partner.name}. La structure la reçoit par e-mail ; "
            "vous serez prévenu de chacune de ses réponses.",
            "success",
        )
        return redirect(url_for("referrals.show", referral_id=referral.id))
    return render_template(
        "referrals/new.html",
        form=form,
        partners=partners,
        **filter_menus(theme, sector),
    ), (400 if form.errors else 200)


# -- the partner account's side ----------------------------------------------------------


@bp.get("/recues")
@roles_required("partner")
@no_store
def inbox():
    now = utcnow()
    received = flow.visible_to(current_user)
    return render_template(
        "referrals/inbox.html",
        open_rows=flow.rows(settings(), received.where(Referral.status.in_(flow.OPEN)), now),
        finished=flow.rows(settings(), received.where(Referral.status.in_(flow.FINISHED)).limit(50), now),
    )


# -- the referral page (logged in) ---------------------------------------------------------


def allowed_forms(referral, actor_kind, forms):
    """The answer forms this actor may use on this referral now."""
    targets = flow.allowed_targets(referral, actor_kind)
    shown = {action: form for action, form in forms.items() if ACTIONS[action][0] in targets}
    outcomes = flow.allowed_outcomes(referral)
    if "cloturer" in shown and outcomes is not None:
        close = shown["cloturer"].outcome
        close.choices = [c for c in close.choices if c.value in outcomes]
    return shown


def page(referral, actor, forms, action_url, status=200, **extra):
    """The referral page: shown personal data is logged as an access."""
    flow.log_access(referral, actor)
    accesses = None
    if actor.kind == "sender":
        accesses = referral.accesses.order_by(
            ReferralAccess.created_at.desc(), ReferralAccess.id.desc()
        ).limit(30)
    timeline = referral.transitions.order_by(ReferralTransition.created_at, ReferralTransition.id)
    return render_template(
        "referrals/show.html",
        referral=referral,
        timeline=timeline,
        accesses=accesses,
        forms=allowed_forms(referral, actor.kind, forms),
        action_url=action_url,
        viewer=actor.kind,
        **extra,
    ), status


@bp.get("/<int:referral_id>")
@login_required
@no_store
def show(referral_id):
    referral = flow.visible(current_user, referral_id)
    actor = flow.actor_for(current_user)
    if actor.kind == "partner" and referral.status == "sent":  # a logged-in person, not a mail scanner
        referral = flow.mark_seen(settings(), referral.id, actor)
    return page(
        referral,
        actor,
        answer_forms(),
        lambda action: url_for("referrals.act", referral_id=referral.id, action=action),
    )


def answer_with(referral, actor, action, nonce=None):
    """Validate the posted form of ``action``; returns (referral, None) or (None, forms with errors)."""
    if action not in ACTIONS:
        raise NotFound()
    flow.check(referral, ACTIONS[action][0], actor.kind)
    forms = answer_forms(request.form, only=action)
    form = allowed_forms(referral, actor.kind, forms)[action]
    if not form.validate_on_submit():
        return None, forms
    updated = flow.transition(
        settings(),
        referral.id,
        ACTIONS[action][0],
        actor,
        comment=form.comment.data,
        nonce=nonce,
        **changes(form),
    )
    return updated, None


@bp.post("/<int:referral_id>/<action>")
@login_required
@no_store
def act(referral_id, action):
    referral = flow.visible(current_user, referral_id)
    actor = flow.actor_for(current_user)
    updated, forms = answer_with(referral, actor, action)
    if updated is None:
        return page(
            referral,
            actor,
            forms,
            lambda name: url_for("referrals.act", referral_id=referral.id, action=name),
            status=400,
        )
    flash(f"C'est noté : l'orientation est maintenant « {REFERRAL_STATUSES[updated.status]} ».", "success")
    return redirect(url_for("referrals.show", referral_id=referral.id))


# -- the partner's emailed link ----------------------------------------------------------


def read_link(token):
    """(referral, nonce, None) for a usable link, else (referral or None, None, problem page)."""
    try:
        referral_id, nonce = settings().read_token(
            flow.LINK_PURPOSE, token, max_age=None
        )  # authentic at all?
    except tokens.LinkError as error:
        return None, None, link_problem(str(error), None, 400)
    referral = Referral.get_or_none(Referral.id == referral_id)
    if referral is None:
        return None, None, link_problem("Cette orientation n'existe plus.", None, 404)
    try:
        settings().read_token(flow.LINK_PURPOSE, token, max_age=flow.LINK_MAX_AGE)
    except tokens.LinkError as error:
        return referral, None, link_problem(str(error), referral, 400, token)
    if nonce != referral.token_nonce:
        return (
            referral,
            None,
            link_problem("Ce lien a déjà servi : une réponse a été donnée avec lui.", referral, 400, token),
        )
    return referral, nonce, None


def link_problem(message, referral, status, token=None):
    """A French page; it offers a new link while the partner still has something to answer."""
    offer = referral is not None and referral.status in flow.OPEN and token is not None
    return render_template(
        "referrals/link_problem.html",
        message=message,
        referral=referral,
        offer_token=token if offer else None,
    ), status


def link_page(token, referral, forms, status=200):
    return page(
        referral,
        flow.link_actor(referral),
        forms,
        lambda action: url_for("referrals.answer_action", token=token, action=action),
        status=status,
        via_link=True,
        token=token,
    )


@bp.get("/reponse/<token>")
@no_store
@no_referrer
def answer(token):
    """The emailed page. A GET leaves the state alone (mail scanners open links
    before people do; the access is logged, the data was shown): "vue" comes
    with the partner's first click."""
    referral, _, problem = read_link(token)
    return problem or link_page(token, referral, answer_forms())


@bp.post("/reponse/<token>/vue")
@no_store
@no_referrer
def mark_seen(token):
    """The explicit "I have read it" button of the emailed page."""
    referral, nonce, problem = read_link(token)
    if problem:
        return problem
    flow.mark_seen(settings(), referral.id, flow.link_actor(referral), nonce=nonce)
    flash(
        "C'est noté : l'équipe de médiation voit que vous avez pris connaissance de l'orientation.", "success"
    )
    return redirect(url_for("referrals.answer", token=token))


@bp.post("/reponse/<token>/<action>")
@no_store
@no_referrer
def answer_action(token, action):
    referral, nonce, problem = read_link(token)
    if problem:
        return problem
    actor = flow.link_actor(referral)
    if action in ACTIONS and ACTIONS[action][0] in flow.allowed_targets(referral, actor.kind):
        # The partner's first real action: a person has seen the referral.
        referral = flow.mark_seen(settings(), referral.id, actor, nonce=nonce)
    updated, forms = answer_with(referral, actor, action, nonce=nonce)
    if updated is None:
        return link_page(token, referral, forms, status=400)
    return render_template(
        "referrals/answered.html", referral=updated, next_link_sent=updated.status in ("accepted", "in_care")
    )


def link_rate_limit():
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.post("/reponse/<token>/nouveau-lien")
@limiter.limit(link_rate_limit)
@no_store
@no_referrer
def renew_link(token):
    """A used or expired (but authentic) link asks for a fresh one, sent to the
    partner's own address: whoever clicks cannot choose where it goes."""
    try:
        referral_id, _ = settings().read_token(flow.LINK_PURPOSE, token, max_age=None)
    except tokens.LinkError as error:
        return link_problem(str(error), None, 400)
    try:
        referral = flow.renew_link(settings(), referral_id)
    except Refused as refused:
        return link_problem(str(refused), Referral.get_by_id(referral_id), 409)
    return render_template("referrals/link_sent.html", referral=referral)
