"""Topics of inter-partner meetings: partners propose, the team decides.

A proposal waits as "proposed"; a mediator accepts it (the public site then
lists it), declines it, or merges it into an accepted topic that already
covers it. Partners propose from their account or from their emailed
self-service link, like every other change to their own data.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from peewee import JOIN, fn

from portal.mail import outbox as mail
from portal.site.publish import request_rebuild
from portal.store.db import db, for_update, write_lock
from portal.store.models import TOPIC_STATUSES, Partner, Topic, User
from portal.web.events.forms import TopicDeclineForm, TopicMergeForm, TopicProposalForm
from portal.web.helpers import roles_required, settings
from portal.web.partners.views import current_partner

bp = Blueprint("topics", __name__, url_prefix="/portail/themes")
STAFF = ("admin", "mediator")
DECIDED_SHOWN = 20


# -- the partner's side ---------------------------------------------------------------


@bp.route("/proposer", methods=["GET", "POST"])
def propose():
    partner = current_partner()
    if partner is None:
        flash(
            "Pour proposer un thème de rencontre, connectez-vous avec le compte de votre structure, "
            "ou demandez ici un lien par e-mail.",
            "info",
        )
        return redirect(url_for("partners.request_link"))
    form = TopicProposalForm()
    if form.validate_on_submit():
        with db.atomic():
            topic = Topic.create(
                title=form.titre.data,
                description=form.description.data,
                proposed_by=partner,
                status="proposed",
            )
            tell_the_team(topic, partner)
        flash(
            "Merci ! Votre proposition est transmise à l'équipe de médiation, qui vous recontactera.",
            "success",
        )
        return redirect(url_for("topics.propose"))
    proposals = (
        Topic.select().where(Topic.proposed_by == partner).order_by(Topic.created_at.desc(), Topic.id.desc())
    )
    return render_template(
        "topics/propose.html", form=form, partner=partner, proposals=list(proposals), statuses=TOPIC_STATUSES
    ), (400 if form.errors else 200)


def tell_the_team(topic, partner):
    """Each active mediator and admin learns of the proposal, so that none waits unseen."""
    for user in User.select().where(User.role.in_(STAFF) & User.active):
        mail.queue(
            user.email,
            f"Nouveau thème de rencontre proposé : {topic.title}",
            "staff_new_topic",
            topic=topic,
            partner=partner,
            link=settings().portal_url("topics.index"),
            base_url=settings().base_url,
        )


# -- the team's side ------------------------------------------------------------------


def accepted_topics():
    return Topic.select().where(Topic.status == "accepted").order_by(fn.LOWER(Topic.title))


def decision_forms(topic, merge_targets):
    return {
        "decline": TopicDeclineForm(prefix=f"refus-{topic.id}", formdata=None),
        "merge": TopicMergeForm(prefix=f"regroupement-{topic.id}", formdata=None).set_choices(merge_targets),
    }


@bp.get("/", endpoint="index")
@roles_required(*STAFF)
def show_index(sent=None):
    """Proposals to decide, the accepted topics, the latest decisions.
    ``sent`` = (topic id, {name: form}) of a decision that came back with errors."""
    with_partner = Topic.select(Topic, Partner).join(Partner, JOIN.LEFT_OUTER)
    proposed = list(with_partner.where(Topic.status == "proposed").order_by(Topic.created_at, Topic.id))
    targets = list(accepted_topics())
    forms = {topic.id: decision_forms(topic, targets) for topic in proposed}
    if sent:
        forms[sent[0]].update(sent[1])
    current = Topic.select().where(Topic.status.in_(["accepted", "held"])).order_by(fn.LOWER(Topic.title))
    decided = (
        with_partner.where(Topic.status.in_(["declined", "merged"]))
        .order_by(Topic.updated_at.desc(), Topic.id.desc())
        .limit(DECIDED_SHOWN)
    )
    return render_template(
        "topics/index.html",
        proposed=proposed,
        forms=forms,
        current=list(current),
        decided=list(decided),
        statuses=TOPIC_STATUSES,
    ), (400 if sent else 200)


def locked_proposal(topic_id):
    """The topic, locked, if it still awaits a decision; else 404/409."""
    topic = for_update(Topic.select().where(Topic.id == topic_id)).get_or_none() or abort(404)
    if topic.status != "proposed":
        abort(409, "Ce thème a déjà été traité par quelqu'un d'autre.")
    return topic


def back_to_index():
    return redirect(url_for("topics.index"))


@bp.post("/<int:topic_id>/retenir")
@roles_required(*STAFF)
def accept(topic_id):
    with write_lock():
        topic = locked_proposal(topic_id)
        topic.status = "accepted"
        topic.save()
    request_rebuild()  # accepted topics are listed on the public site
    flash(
        f"Le thème « {topic.title} » est retenu : il paraîtra sur le site public et peut être choisi "
        "pour une rencontre.",
        "success",
    )
    return back_to_index()


@bp.post("/<int:topic_id>/refuser")
@roles_required(*STAFF)
def decline(topic_id):
    locked_proposal(topic_id)  # 404, or 409 if decided meanwhile: its form is no longer shown
    form = TopicDeclineForm(prefix=f"refus-{topic_id}")
    if not form.validate_on_submit():
        return show_index(sent=(topic_id, {"decline": form}))
    with write_lock():
        topic = locked_proposal(topic_id)
        topic.status = "declined"
        if form.motif.data:
            # No column for it: a declined topic is never public, so its
            # description is only read by the team from now on.
            topic.description = f"{topic.description}\n\nMotif du refus (équipe) : {form.motif.data}".strip()
        topic.save()
    flash(f"Le thème « {topic.title} » n'est pas retenu.", "success")
    return back_to_index()


@bp.post("/<int:topic_id>/regrouper")
@roles_required(*STAFF)
def merge(topic_id):
    locked_proposal(topic_id)  # 404, or 409 if decided meanwhile: its form is no longer shown
    form = TopicMergeForm(prefix=f"regroupement-{topic_id}").set_choices(accepted_topics())
    if not form.validate_on_submit():
        return show_index(sent=(topic_id, {"merge": form}))
    with write_lock():
        topic = locked_proposal(topic_id)
        target = for_update(accepted_topics().where(Topic.id == int(form.cible.data))).get_or_none()
        if target is None:
            abort(409, "Le thème choisi n'est plus retenu : rechargez la page et choisissez-en un autre.")
        topic.status, topic.merged_into = "merged", target
        topic.save()
    flash(f"Le thème « {topic.title} » est regroupé avec « {target.title} ».", "success")
    return back_to_index()
