"""Referrals (orientations): a mediator hands a person over to a partner and
follows the hand-off until the person is really taken in charge.

Pages: the sender's dashboard, the creation form, a partner account's inbox,
the referral page (timeline and answers), and the page of the partner's
emailed link. The rules live in ``referral_flow``; these views only check who
is asking and show what the rules answer.
"""

from datetime import datetime, time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.services import referrals as flow
from portal.services import tokens
from portal.services.schedule import PARIS
from portal.store.db import db, utcnow
from portal.store.models import (
    REFERRAL_STATUSES,
    Partner,
    Referral,
    ReferralAccess,
    ReferralTransition,
    Sector,
    Theme,
)
from portal.web.directory import search
from portal.web.extensions import limiter
from portal.web.helpers import roles_required, settings
from portal.web.referrals.forms import ACTIONS, ReferralForm, answer_forms

bp = Blueprint("referrals", __name__, url_prefix="/portail/orientations")
STAFF = ("admin", "mediator")


@bp.app_template_filter("local_day")
def local_day(value):
    """A date, or an aware datetime seen from Paris, as 23/11/2026."""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS)
    return f"{value:%d/%m/%Y}"


# -- the sender's side --------------------------------------------------------------


def age_days(moment, now):
    return max((now - moment).days, 0)


def overdue(referral, now):
    """Waiting too long for an answer, or accepted and never taken in charge."""
    if referral.status in flow.WAITING:
        return age_days(referral.created_at, now) >= current_app.config["REFERRAL_REMIND_DAYS"]
    if referral.status == "accepted":
        return age_days(referral.status_changed_at, now) >= current_app.config["REFERRAL_SENDER_REMIND_DAYS"]
    return False


def rows(query, now):
    """What a list shows of each referral: no personal data, so no access to log."""
    referrals = list(query.order_by(Referral.created_at.desc()))
    steps = flow.milestones([r.id for r in referrals])
    return [
        {
            "referral": r,
            "state_age": age_days(r.status_changed_at, now),
            "overdue": overdue(r, now),
            "in_care_days": delay(r, steps.get(r.id, {}), "in_care"),
        }
        for r in referrals
    ]


def delay(referral, steps, status):
    reached = steps.get(status)
    return age_days(referral.created_at, reached) if reached else None


@bp.get("/")
@roles_required(*STAFF)
def index():
    now = utcnow()
    mine = flow.visible_to(current_user)
    open_rows = rows(mine.where(Referral.status.in_(flow.OPEN)), now)
    groups = [
        (status, [row for row in open_rows if row["referral"].status == status]) for status in flow.OPEN
    ]
    finished = rows(mine.where(Referral.status.in_(flow.FINISHED)).limit(50), now)
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
    return {
        "partner": Partner.get_by_id(int(form.partenaire.data)),
        "theme": Theme.get(Theme.slug == form.thematique.data),
        "sector": Sector.get(Sector.slug == form.secteur.data),
        "person_name": form.prenom.data,
        "person_phone": form.telephone.data or "",
        "person_email": form.courriel.data or "",
        "need": form.besoin.data,
        "urgency": form.urgence.data,
        "consent_at": consent_moment(form.consentement_date.data),
        "consent_method": form.consentement_mode.data,
    }


@bp.route("/nouvelle", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    theme = Theme.get_or_none((Theme.slug == request.args.get("thematique", "")) & Theme.parent.is_null())
    sector = Sector.get_or_none(Sector.slug == request.args.get("secteur", ""))
    partners = partner_choices(theme, sector)
    form = ReferralForm().set_choices(
        partners, Theme.select(), Sector.select().order_by(Sector.position, Sector.name)
    )
    if request.method == "GET":
        form.thematique.data, form.secteur.data = theme.slug if theme else "", sector.slug if sector else ""
        form.consentement_date.data = datetime.now(PARIS).date()
    elif form.validate_on_submit():
        referral = flow.create(current_user._get_current_object(), referral_values(form))
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
        theme=theme,
        sector=sector,
        themes=Theme.select().where(Theme.parent.is_null()).order_by(Theme.label),
        sectors=Sector.select().order_by(Sector.position, Sector.name),
    ), (400 if form.errors else 200)


# -- the partner account's side ----------------------------------------------------------


@bp.get("/recues")
@roles_required("partner")
def inbox():
    now = utcnow()
    received = flow.visible_to(current_user)
    return render_template(
        "referrals/inbox.html",
        open_rows=rows(received.where(Referral.status.in_(flow.OPEN)), now),
        finished=rows(received.where(Referral.status.in_(flow.FINISHED)).limit(50), now),
    )


# -- the referral page (logged in) ---------------------------------------------------------


def visible_or_404(referral_id):
    """Another team's or partner's referral looks exactly like a missing one."""
    return flow.visible_to(current_user).where(Referral.id == referral_id).get_or_none() or abort(404)


def allowed_forms(referral, actor_kind, forms):
    """The answer forms this actor may use on this referral now."""
    targets = flow.TRANSITIONS[referral.status].get(actor_kind, set())
    shown = {action: form for action, form in forms.items() if ACTIONS[action][0] in targets}
    if "cloturer" in shown and referral.status == "accepted":
        close = shown["cloturer"].resultat
        close.choices = [c for c in close.choices if c.value in flow.CLOSE_FROM_ACCEPTED]
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


def mark_seen(referral, actor, nonce=None):
    """The partner opened it: logged as "vue" the first time."""
    if referral.status == "sent":
        return flow.transition(referral.id, "seen", actor, nonce=nonce)
    return referral


@bp.get("/<int:referral_id>")
@login_required
def show(referral_id):
    referral = visible_or_404(referral_id)
    actor = flow.actor_for(current_user)
    if actor.kind == "partner":
        referral = mark_seen(referral, actor)
    return page(
        referral,
        actor,
        answer_forms(),
        lambda action: url_for("referrals.act", referral_id=referral.id, action=action),
    )


def changes_from(form):
    """Model fields an answer form sets (besides its comment)."""
    values = {"motif": "decline_reason", "resultat": "outcome", "premier_rendez_vous": "first_appointment"}
    return {column: getattr(form, name).data for name, column in values.items() if hasattr(form, name)}


def answer_with(referral, actor, action, nonce=None):
    """Validate the posted form of ``action``; returns (referral, None) or (None, forms with errors)."""
    if action not in ACTIONS:
        abort(404)
    target = ACTIONS[action][0]
    reason = flow.refusal(referral.status, target, actor.kind)
    if reason:  # checked again under the lock; here so that a refused move is a 409, not a form error
        abort(409, reason)
    forms = answer_forms(request.form, only=action)
    form = allowed_forms(referral, actor.kind, forms)[action]
    if not form.validate_on_submit():
        return None, forms
    return flow.transition(
        referral.id, target, actor, comment=form.commentaire.data, nonce=nonce, **changes_from(form)
    ), None


@bp.post("/<int:referral_id>/<action>")
@login_required
def act(referral_id, action):
    referral = visible_or_404(referral_id)
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


@bp.get("/reponse/<token>")
def answer(token):
    referral, nonce, problem = read_link(token)
    if problem:
        return problem
    actor = flow.link_actor(referral)
    referral = mark_seen(referral, actor, nonce)
    return page(
        referral,
        actor,
        answer_forms(),
        lambda action: url_for("referrals.answer_action", token=token, action=action),
        via_link=True,
    )


@bp.post("/reponse/<token>/<action>")
def answer_action(token, action):
    referral, nonce, problem = read_link(token)
    if problem:
        return problem
    actor = flow.link_actor(referral)
    updated, forms = answer_with(referral, actor, action, nonce=nonce)
    if updated is None:
        return page(
            referral,
            actor,
            forms,
            lambda name: url_for("referrals.answer_action", token=token, action=name),
            status=400,
            via_link=True,
        )
    return render_template(
        "referrals/answered.html", referral=updated, next_link_sent=updated.status in ("accepted", "in_care")
    )


def link_rate_limit():
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.post("/reponse/<token>/nouveau-lien")
@limiter.limit(link_rate_limit)
def renew_link(token):
    """A used or expired (but authentic) link asks for a fresh one, sent to the
    partner's own address: whoever clicks cannot choose where it goes."""
    try:
        referral_id, _ = settings().read_token(flow.LINK_PURPOSE, token, max_age=None)
    except tokens.LinkError as error:
        return link_problem(str(error), None, 400)
    referral = Referral.get_or_none(Referral.id == referral_id) or abort(404)
    if referral.status not in flow.OPEN:
        return link_problem(
            f"Cette orientation est « {REFERRAL_STATUSES[referral.status]} » : "
            "il n'y a plus rien à y répondre.",
            referral,
            409,
        )
    with db.atomic():
        flow.send_link(referral, "Voici un nouveau lien pour voir l'orientation et y répondre :")
    return render_template("referrals/link_sent.html", referral=referral)
