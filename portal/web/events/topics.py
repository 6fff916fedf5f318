"""Topics of inter-partner meetings (the pages): partners propose from their
account or their emailed self-service link, the team decides. The rules
and the lifecycle are in portal/services/topics.py.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from peewee import JOIN, fn

from portal.services import partners, topics
from portal.store.models import TOPIC_STATUSES, Partner, Topic, TopicTransition
from portal.web.events.forms import TopicDeclineForm, TopicMergeForm, TopicProposalForm
from portal.web.helpers import get_object_or_404, settings, staff_required
from portal.web.partners.views import current_actor, current_partner

bp = Blueprint("topics", __name__, url_prefix="/portail/themes")
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
        topics.propose(
            settings(), partner, form.title.data, form.description.data, actor=current_actor(partner)
        )
        flash(
            "Merci ! Votre proposition est transmise à l'équipe de médiation, qui vous recontactera.",
            "success",
        )
        return redirect(url_for("topics.propose"))
    proposals = (
        Topic.select().where(Topic.proposed_by == partner).order_by(Topic.created_at.desc(), Topic.id.desc())
    )
    proposals = list(proposals)
    return render_template(
        "topics/propose.html",
        form=form,
        partner=partner,
        proposals=proposals,
        histories=histories(proposals),
        statuses=TOPIC_STATUSES,
    ), (400 if form.errors else 200)


# -- the team's side ------------------------------------------------------------------


def decision_forms(topic, merge_targets):
    return {
        "decline": TopicDeclineForm(prefix=f"refus-{topic.id}", formdata=None),
        "merge": TopicMergeForm(prefix=f"regroupement-{topic.id}", formdata=None).set_choices(merge_targets),
    }


@bp.get("/", endpoint="index")
@staff_required
def show_index(sent=None):
    """Proposals to decide, the accepted topics, the latest decisions.
    ``sent`` = (topic id, {name: form}) of a decision that came back with errors."""
    with_partner = Topic.select(Topic, Partner).join(Partner, JOIN.LEFT_OUTER)
    proposed = list(with_partner.where(Topic.status == "proposed").order_by(Topic.created_at, Topic.id))
    targets = list(topics.accepted_topics())
    forms = {topic.id: decision_forms(topic, targets) for topic in proposed}
    if sent and sent[0] in forms:
        forms[sent[0]].update(sent[1])
    current = Topic.select().where(Topic.status.in_(topics.PUBLIC)).order_by(fn.LOWER(Topic.title))
    decided = (
        with_partner.where(Topic.status.in_(["declined", "merged"]))
        .order_by(Topic.updated_at.desc(), Topic.id.desc())
        .limit(DECIDED_SHOWN)
    )
    current, decided = list(current), list(decided)
    return render_template(
        "topics/index.html",
        proposed=proposed,
        forms=forms,
        current=current,
        decided=decided,
        histories=histories(proposed + current + decided),
        statuses=TOPIC_STATUSES,
    ), (400 if sent else 200)


def histories(shown):
    """{topic id: its log rows, oldest first} for the topics on the page, in one query."""
    found = {topic.id: [] for topic in shown}
    rows = (
        TopicTransition.select()
        .where(TopicTransition.topic.in_(list(found)))
        .order_by(TopicTransition.created_at, TopicTransition.id)
    )
    for row in rows:
        found[row.topic_id].append(row)
    return found


def back_to_index():
    return redirect(url_for("topics.index"))


@bp.post("/<int:topic_id>/retenir")
@staff_required
def accept(topic_id):
    topic = topics.accept(settings(), topic_id, actor=partners.actor_for(current_user))
    flash(
        f"Le thème « {topic.title} » est retenu : il paraîtra sur le site public et peut être choisi "
        "pour une rencontre.",
        "success",
    )
    return back_to_index()


def still_proposed(topic_id):
    """404, or the 409 of a decision already taken (its form is no longer shown)."""
    topic = get_object_or_404(Topic, Topic.id == topic_id)
    topics.check_move(topic, "declined")


@bp.post("/<int:topic_id>/refuser")
@staff_required
def decline(topic_id):
    still_proposed(topic_id)
    form = TopicDeclineForm(prefix=f"refus-{topic_id}")
    if not form.validate_on_submit():
        return show_index(sent=(topic_id, {"decline": form}))
    topic = topics.decline(
        settings(), topic_id, form.reason.data or "", actor=partners.actor_for(current_user)
    )
    flash(f"Le thème « {topic.title} » n'est pas retenu.", "success")
    return back_to_index()


@bp.post("/<int:topic_id>/regrouper")
@staff_required
def merge(topic_id):
    still_proposed(topic_id)
    form = TopicMergeForm(prefix=f"regroupement-{topic_id}").set_choices(topics.accepted_topics())
    if not form.validate_on_submit():
        return show_index(sent=(topic_id, {"merge": form}))
    topic = topics.merge(
        settings(), topic_id, form.merged_into_id.data, actor=partners.actor_for(current_user)
    )
    flash(f"Le thème « {topic.title} » est regroupé avec « {topic.merged_into.title} ».", "success")
    return back_to_index()
