"""Every move of a topic leaves one row in its log (who, when, from, to, why),
written in the same transaction as the move; a refused move leaves none; the
team's topics page shows each topic's history, as text."""

from datetime import timedelta

import pytest

from portal.services import partners, topics
from portal.services.errors import Refused
from portal.store.db import utcnow
from portal.store.models import Topic, TopicTransition, User
from portal.web.helpers import settings
from tests import test_events as events
from tests.test_events import EVIL, make_event, open_space, post, propose

# The event tests' fixtures, shared (pytest finds them as attributes of this module).
app_context, rebuilds, staff, world = events.app_context, events.rebuilds, events.staff, events.world


def log_of(topic_id):
    rows = TopicTransition.select().where(TopicTransition.topic == topic_id).order_by(TopicTransition.id)
    return [(r.actor_label, r.actor_id, r.from_status, r.to_status, r.reason) for r in rows]


def test_a_proposal_through_the_emailed_link_starts_the_log(app, client, world):
    open_space(app, client, world["builder"])
    assert propose(client).status_code == 302
    topic = Topic.get(Topic.title == "Précarité énergétique")
    [(label, actor_id, before, after, reason)] = log_of(topic.id)
    assert (actor_id, before, after, reason) == (None, None, "proposed", "")
    assert label.startswith("Occitan Construction (lien envoyé à")


def test_staff_decisions_are_logged_with_who_and_why(app, staff, world):
    mediator = User.get(User.email == "mediator@relais.example")
    first, second, third = (
        Topic.create(title=title, proposed_by=world["builder"]) for title in ("Santé", "Jeux", "Alcool")
    )
    post(staff, f"/portail/themes/{first.id}/retenir", {}, form_url="/portail/themes/")
    post(
        staff,
        f"/portail/themes/{second.id}/refuser",
        {f"refus-{second.id}-reason": "Déjà traité l'an dernier."},
        form_url="/portail/themes/",
    )
    post(
        staff,
        f"/portail/themes/{third.id}/regrouper",
        {f"regroupement-{third.id}-merged_into_id": str(world["topic"])},
        form_url="/portail/themes/",
    )
    who = str(mediator)
    assert log_of(first.id) == [(who, mediator.id, "proposed", "accepted", "")]
    assert log_of(second.id) == [(who, mediator.id, "proposed", "declined", "Déjà traité l'an dernier.")]
    assert log_of(third.id) == [(who, mediator.id, "proposed", "merged", "regroupé avec « Addictions »")]
    page = staff.get("/portail/themes/").get_data(as_text=True)
    assert "Proposé → Non retenu (Déjà traité l&#39;an dernier.)" in page
    assert "Proposé → Retenu" in page and who in page


def test_the_partner_sees_the_history_of_its_proposals(app, client, staff, world):
    open_space(app, client, world["builder"])
    propose(client)
    topic = Topic.get(Topic.title == "Précarité énergétique")
    post(
        staff,
        f"/portail/themes/{topic.id}/refuser",
        {f"refus-{topic.id}-reason": "Une <b>rencontre</b> a eu lieu en mai."},
        form_url="/portail/themes/",
    )
    page = client.get("/portail/themes/proposer").get_data(as_text=True)
    assert "Historique" in page and "Proposé → Non retenu" in page
    # The reason is the team's note, and the team's names are not the partner's to read.
    assert "a eu lieu en mai" not in page
    assert "mediator@relais.example" not in page and str(User.get(User.role == "mediator")) not in page


def test_a_held_topic_is_logged_as_the_system(app, staff, world):
    past = make_event(world, start=utcnow() - timedelta(days=2), title="Passée", topic=world["topic"])
    url = f"/portail/rencontres/{past.id}/participants"
    post(staff, f"/portail/rencontres/{past.id}/presences", {}, form_url=url)
    assert log_of(world["topic"]) == [(partners.SYSTEM.label, None, "accepted", "held", "")]
    # Recording attendance again moves nothing, and logs nothing.
    post(staff, f"/portail/rencontres/{past.id}/presences", {}, form_url=url)
    assert len(log_of(world["topic"])) == 1


def test_a_refused_move_leaves_no_row(app, staff, world):
    declined = Topic.create(title="Refusé", status="declined")
    with pytest.raises(Refused):
        topics.accept(settings(), declined.id)
    with pytest.raises(Refused):
        topics.move(settings(), world["topic"], "proposed")
    proposal = Topic.create(title="Proposé")
    with pytest.raises(Refused):  # merging into a topic that is not accepted
        topics.merge(settings(), proposal.id, declined.id)
    again = post(staff, f"/portail/themes/{declined.id}/retenir", {}, form_url="/portail/themes/")
    assert again.status_code == 409
    assert TopicTransition.select().count() == 0
    assert Topic.get_by_id(proposal.id).status == "proposed"


def test_what_people_wrote_stays_text_in_the_history(app, staff, world):
    topic = Topic.create(title="Sujet", proposed_by=world["builder"])
    post(
        staff,
        f"/portail/themes/{topic.id}/refuser",
        {f"refus-{topic.id}-reason": EVIL},
        form_url="/portail/themes/",
    )
    TopicTransition.create(topic=world["topic"], actor_label=EVIL, from_status=None, to_status="proposed")
    page = staff.get("/portail/themes/").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;") >= 3  # the decision's reason, its log row, the label


def test_a_topic_deleted_takes_its_log_with_it(app, world):
    topic = topics.propose(settings(), None, "Éphémère", "", actor=partners.SYSTEM)
    assert len(log_of(topic.id)) == 1
    Topic.delete_by_id(topic.id)
    assert TopicTransition.select().count() == 0
