"""Topics of inter-partner meetings: partners propose, the team decides.

A proposal waits as "proposed"; a mediator accepts it (the public site then
lists it), declines it (with a reason only the team reads), or merges it
into an accepted topic that already covers it. An accepted topic becomes
"held" once one of its meetings has taken place and the team records who
came (``meeting_took_place``): the site then lists it among the topics
already discussed. Every change of state goes through ``move()``: one
transaction under the write lock that re-reads the row, checks the move
against ``TRANSITIONS`` and writes its ``TopicTransition`` log row (who, when,
from, to, why), so two mediators deciding at once cannot both win, and every
decision stays on record. ``actor`` is a ``portal.services.actors.Actor``
(``actor_for(user)``, ``link_actor(partner)`` or ``SYSTEM``).
"""

from peewee import fn

from portal.mail import outbox as mail
from portal.services.actors import SYSTEM
from portal.services.errors import Refused
from portal.services.rows import locked
from portal.store.db import for_update, utcnow, write_lock
from portal.store.models import Topic, TopicTransition

# From each state, where a topic may go.
TRANSITIONS = {
    "proposed": {"accepted", "declined", "merged"},
    "accepted": {"held"},
    "held": set(),
    "declined": set(),
    "merged": set(),
}
PUBLIC = ("accepted", "held")  # the states the public site lists


def accepted_topics():
    return Topic.select().where(Topic.status == "accepted").order_by(fn.LOWER(Topic.title))


def log(topic, actor, before, after, reason="", now=None):
    TopicTransition.create(
        topic=topic,
        actor=actor.user if actor else None,
        actor_label=(actor.label if actor else "")[:200],
        from_status=before,
        to_status=after,
        reason=reason or "",
        created_at=now or utcnow(),
    )


def propose(settings, partner, title, description, actor=None):
    """A partner's proposal; each active mediator and admin is told by email."""
    with write_lock():
        topic = Topic.create(title=title, description=description, proposed_by=partner, status="proposed")
        log(topic, actor, None, "proposed")
        mail.queue_to_staff(
            f"Nouveau thème de rencontre proposé : {topic.title}",
            "staff_new_topic",
            topic=topic,
            partner=partner,
            link=settings.portal_url("topics.index"),
            base_url=settings.base_url,
        )
    return topic


def check_move(topic, target):
    """Refused (in French) unless ``TRANSITIONS`` allows the move."""
    if target not in TRANSITIONS[topic.status]:
        if topic.status != "proposed" and target in TRANSITIONS["proposed"]:
            raise Refused("Ce thème a déjà été traité par quelqu'un d'autre.")
        raise Refused("Ce changement n'est pas possible pour ce thème.")


def move(settings, topic_id, target, reason="", merged_into=None, actor=None, now=None):
    """The one way a topic changes state; returns the topic as saved."""
    with write_lock():
        topic = locked(Topic, topic_id)
        check_move(topic, target)
        before = topic.status
        if target == "merged":
            into = for_update(accepted_topics().where(Topic.id == merged_into)).get_or_none()
            if into is None:
                raise Refused(
                    "Le thème choisi n'est plus retenu : rechargez la page et choisissez-en un autre."
                )
            topic.merged_into = into
            reason = f"regroupé avec « {into.title} »"
        if target == "declined":
            topic.decline_reason = reason or ""
        topic.status = target
        topic.save()
        log(topic, actor, before, target, reason, now)
    if target in PUBLIC:  # the public site lists accepted and held topics
        settings.public_content_changed()
    return topic


def accept(settings, topic_id, actor=None):
    return move(settings, topic_id, "accepted", actor=actor)


def decline(settings, topic_id, reason="", actor=None):
    return move(settings, topic_id, "declined", reason=reason, actor=actor)


def merge(settings, topic_id, into_id, actor=None):
    return move(settings, topic_id, "merged", merged_into=into_id, actor=actor)


def meeting_took_place(settings, event, now):
    """An accepted topic whose meeting has begun becomes "held" (called when
    the team records attendance). Returns the topic moved, or None."""
    if event.topic_id is None or event.status == "cancelled" or event.starts_at > now:
        return None
    topic = Topic.get_or_none(Topic.id == event.topic_id)
    if topic is None or "held" not in TRANSITIONS[topic.status]:
        return None
    return move(settings, topic.id, "held", actor=SYSTEM, now=now)
