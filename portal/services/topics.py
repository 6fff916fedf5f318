"""Topics of inter-partner meetings: partners propose, the team decides.

A proposal waits as "proposed"; a mediator accepts it (the public site then
lists it), declines it (with a reason only the team reads), or merges it
into an accepted topic that already covers it. An accepted topic becomes
"held" once one of its meetings has taken place and the team records who
came (``meeting_took_place``): the site then lists it among the topics
already discussed. Every change of state goes through ``move()``: one
transaction under the write lock that re-reads the row and checks the move
against ``TRANSITIONS``, so two mediators deciding at once cannot both win.
"""

from peewee import fn

from portal.mail import outbox as mail
from portal.services.errors import NotFound, Refused
from portal.store.db import db, for_update, write_lock
from portal.store.models import STAFF_ROLES, Topic, User

# From each state, where a topic may go.
TRANSITIONS = {
    "proposed": {"accepted", "declined", "merged"},
    "accepted": {"held"},
    "held": set(),
    "declined": set(),
    "merged": set(),
}
PUBLIC = ("accepted", "held")  # the states the public site lists
LARGEST_ID = 2**31 - 1


def accepted_topics():
    return Topic.select().where(Topic.status == "accepted").order_by(fn.LOWER(Topic.title))


def propose(settings, partner, title, description):
    """A partner's proposal; each active mediator and admin is told by email."""
    with db.atomic():
        topic = Topic.create(title=title, description=description, proposed_by=partner, status="proposed")
        for user in User.select().where(User.role.in_(STAFF_ROLES) & User.active):
            mail.queue(
                user.email,
                f"Nouveau thème de rencontre proposé : {topic.title}",
                "staff_new_topic",
                topic=topic,
                partner=partner,
                link=settings.portal_url("topics.index"),
                base_url=settings.base_url,
            )
    return topic


def locked_topic(topic_id):
    if not 0 < topic_id <= LARGEST_ID:
        raise NotFound()
    topic = for_update(Topic.select().where(Topic.id == topic_id)).get_or_none()
    if topic is None:
        raise NotFound()
    return topic


def check_move(topic, target):
    """Refused (in French) unless ``TRANSITIONS`` allows the move."""
    if target not in TRANSITIONS[topic.status]:
        if topic.status != "proposed" and target in TRANSITIONS["proposed"]:
            raise Refused("Ce thème a déjà été traité par quelqu'un d'autre.")
        raise Refused("Ce changement n'est pas possible pour ce thème.")


def move(settings, topic_id, target, reason="", merged_into=None):
    """The one way a topic changes state; returns the topic as saved."""
    with write_lock():
        topic = locked_topic(topic_id)
        check_move(topic, target)
        if target == "merged":
            into = for_update(accepted_topics().where(Topic.id == merged_into)).get_or_none()
            if into is None:
                raise Refused(
                    "Le thème choisi n'est plus retenu : rechargez la page et choisissez-en un autre."
                )
            topic.merged_into = into
        if target == "declined":
            topic.decline_reason = reason or ""
        topic.status = target
        topic.save()
    if target in PUBLIC:  # the public site lists accepted and held topics
        settings.public_content_changed()
    return topic


def accept(settings, topic_id):
    return move(settings, topic_id, "accepted")


def decline(settings, topic_id, reason=""):
    return move(settings, topic_id, "declined", reason=reason)


def merge(settings, topic_id, into_id):
    return move(settings, topic_id, "merged", merged_into=into_id)


def meeting_took_place(settings, event, now):
    """An accepted topic whose meeting has begun becomes "held" (called when
    the team records attendance). Returns the topic moved, or None."""
    if event.topic_id is None or event.status == "cancelled" or event.starts_at > now:
        return None
    topic = Topic.get_or_none(Topic.id == event.topic_id)
    if topic is None or "held" not in TRANSITIONS[topic.status]:
        return None
    return move(settings, topic.id, "held")
