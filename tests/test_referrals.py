"""Referrals: the closed loop from the mediator's hand-off to the person's prise en charge."""

import csv
import io
import re
import threading
from datetime import date, timedelta

import pytest

from portal.mail import sender as mail
from portal.services import referrals as referral_flow
from portal.services import tokens
from portal.services.actors import SYSTEM, Actor
from portal.services.errors import Refused
from portal.services.maintenance import run_maintenance
from portal.services.referrals import TRANSITIONS, actor_for, link_actor
from portal.services.stats import facts, summary
from portal.settings import Settings
from portal.store.db import utcnow
from portal.store.models import (
    Outbox,
    Partner,
    Referral,
    ReferralAccess,
    ReferralTransition,
    Sector,
    Theme,
    User,
)
from tests import factories
from tests.conftest import csrf_token

PASSWORD = "mot-de-passe-solide"
LINK = re.compile(r"http://relais\.test(/portail/orientations/reponse/\S+)")
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


# -- a small network: two teams, two partners, one account each ---------------------


def settings():
    """The app's Settings, as the views pass them to the services (inside an app context)."""
    from flask import current_app

    return Settings.from_config(current_app.config)


def transition(*args, **kwargs):
    return referral_flow.transition(settings(), *args, **kwargs)


def build_world():
    """Inside an app context: sectors, partners, accounts. Returns a namespace dict."""
    viguier = factories.sector("Viguier et Saint Jacques", slug="viguier", position=1)
    ozanam = factories.sector("Ozanam et Albignac", slug="ozanam", position=2)
    maison = factories.partner(
        "Maison de l'habitat",
        slug="maison-habitat",
        contact_email="accueil@habitat.example",
        contact_name="Léa",
        themes=["logement-hebergement"],
        sectors=[viguier],
    )
    cmp = factories.partner(
        "CMP Les Capucins",
        slug="cmp",
        email="cmp@sante.example",
        themes=["sante--sante-mentale"],
        sectors=[ozanam],
    )
    factories.partner("Sans adresse", slug="sans-adresse")

    def account(email, role, team="", partner=None, name=""):
        return factories.user(role, email, team=team, partner=partner, name=name, password=PASSWORD)

    return {
        "viguier": viguier,
        "ozanam": ozanam,
        "housing": Theme.get(Theme.slug == "logement-hebergement"),
        "health": Theme.get(Theme.slug == "sante"),
        "maison": maison,
        "cmp": cmp,
        "samira": account("samira@relais.example", "mediator", "nord", name="Samira"),
        "karim": account("karim@relais.example", "mediator", "nord", name="Karim"),
        "other": account("autre@relais.example", "mediator", "sud", name="Équipe sud"),
        "admin": account("admin@relais.example", "admin", "direction", name="Claire"),
        "maison_user": account("gerard@habitat.example", "partner", partner=maison, name="Gérard"),
        "cmp_user": account("cmp-user@sante.example", "partner", partner=cmp, name="Inès"),
    }


@pytest.fixture
def world(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        world = build_world()
    world["smtp"] = smtp_server
    return world


def client_for(app, email):
    client = app.test_client()
    token = csrf_token(client, "/portail/connexion")
    response = client.post(
        "/portail/connexion", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, email
    return client


def send_mail(app):
    with app.app_context():
        return mail.send_pending()


def form_data(client, **changes):
    data = {
        "partner": "",
        "theme": "logement-hebergement--se-maintenir-dans-le-logement",
        "sector": "viguier",
        "person_name": "Awa D.",
        "person_phone": "06 39 98 12 34",
        "person_email": "",
        "need": "Dette de loyer de 3 mois, risque d'expulsion ; a besoin d'un dossier FSL.",
        "urgency": "urgent",
        "consent": "y",
        "consent_date": date.today().isoformat(),
        "consent_method": "oral_face",
    }
    data.update(changes)
    data["csrf_token"] = csrf_token(client, "/portail/orientations/nouvelle")
    return data


def create_referral(app, client, partner, **changes):
    response = client.post(
        "/portail/orientations/nouvelle", data=form_data(client, partner=str(partner.id), **changes)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return Referral.select().order_by(Referral.id.desc()).get()


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def last_link(smtp, to):
    for message in reversed(smtp.messages):
        if message["To"] == to and LINK.search(text_of(message)):
            return LINK.search(text_of(message))[1]
    raise AssertionError(f"aucun lien envoyé à {to}")


def any_csrf(client):
    """This session's CSRF token, from a page that shows no referral (no access logged)."""
    logged_in = client.get("/portail/connexion").status_code == 302
    return csrf_token(client, "/portail/deconnexion" if logged_in else "/portail/connexion")


def post_action(client, path, action, **fields):
    return client.post(f"{path}/{action}", data={"csrf_token": any_csrf(client), **fields})


def listed(referral, html):
    """The referral has a line in this list (a link to its page)."""
    return f'href="/portail/orientations/{referral.id}"' in html


def page(response):
    return response.get_data(as_text=True).replace("&#39;", "'")


# -- the whole loop -------------------------------------------------------------------


def test_the_whole_loop_through_real_smtp(app, world):
    smtp = world["smtp"]
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    assert referral.status == "sent" and referral.person_name == "Awa D." and referral.urgency == "urgent"
    assert referral.consent_at is not None and referral.consent_method == "oral_face"

    assert send_mail(app) == (2, 0)  # the contact address (link) and the partner account (inbox)
    first = next(m for m in smtp.messages if m["To"] == "accueil@habitat.example")
    assert "Nouvelle orientation" in first["Subject"]
    assert "Awa" not in text_of(first) and "FSL" not in text_of(first)  # no personal data by email
    path = last_link(smtp, "accueil@habitat.example")

    opened = client_for_link = app.test_client()
    response = opened.get(path)
    assert response.status_code == 200
    assert "Awa D." in page(response) and "dossier FSL" in page(response)
    with app.app_context():
        # Opening the link changes nothing (mail scanners open links too): the first answer marks it "vue".
        assert Referral.get_by_id(referral.id).status == "sent"

    response = post_action(
        client_for_link, path, "accepter", **{"accepted-comment": "On la rappelle demain."}
    )
    assert response.status_code == 200 and "réponse est enregistrée" in page(response)
    send_mail(app)
    notice = next(m for m in reversed(smtp.messages) if m["To"] == "samira@relais.example")
    assert "acceptée" in notice["Subject"] and "On la rappelle demain." in text_of(notice)

    path = last_link(smtp, "accueil@habitat.example")  # the next step's link
    in_care_day = date.today() + timedelta(days=3)
    response = post_action(
        client_for_link,
        path,
        "prise-en-charge",
        **{"in_care-first_appointment": in_care_day.isoformat()},
    )
    assert response.status_code == 200
    send_mail(app)
    notice = next(m for m in reversed(smtp.messages) if m["To"] == "samira@relais.example")
    assert "prise en charge" in notice["Subject"].lower() and in_care_day.strftime("%d/%m/%Y") in text_of(
        notice
    )

    path = last_link(smtp, "accueil@habitat.example")
    response = post_action(
        client_for_link,
        path,
        "cloturer",
        **{"closed-outcome": "resolved", "closed-comment": "Dossier FSL accordé."},
    )
    assert response.status_code == 200
    send_mail(app)
    notice = next(m for m in reversed(smtp.messages) if m["To"] == "samira@relais.example")
    assert "clôturée" in notice["Subject"] and "Résolue" in text_of(notice)

    timeline = page(samira.get(f"/portail/orientations/{referral.id}"))
    for step in ["Envoyée", "Vue", "Acceptée", "Prise en charge", "Clôturée", "Dossier FSL accordé."]:
        assert step in timeline
    assert "Consultations des informations" in timeline
    with app.app_context():
        steps = [
            t.to_status
            for t in ReferralTransition.select()
            .where(ReferralTransition.referral == referral.id)
            .order_by(ReferralTransition.id)
        ]
        assert steps == ["sent", "seen", "accepted", "in_care", "closed"]
        stored = Referral.get_by_id(referral.id)
        assert stored.outcome == "resolved" and stored.first_appointment == in_care_day
        # Every page showing the person: the partner's first opening, then the sender's.
        assert ReferralAccess.select().where(ReferralAccess.referral == referral.id).count() == 2


def test_a_partner_account_answers_from_its_inbox(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    gerard = client_for(app, "gerard@habitat.example")
    inbox = page(gerard.get("/portail/orientations/recues"))
    assert listed(referral, inbox) and "Awa" not in inbox  # lists show no personal data
    path = f"/portail/orientations/{referral.id}"
    assert "Awa D." in page(gerard.get(path))
    response = post_action(gerard, path, "refuser", **{"declined-decline_reason": "other"})
    assert response.status_code == 400 and "Expliquez la raison" in page(response)
    response = post_action(
        gerard,
        path,
        "refuser",
        **{"declined-decline_reason": "no_capacity", "declined-comment": "Liste d'attente pleine."},
    )
    assert response.status_code == 302
    with app.app_context():
        stored = Referral.get_by_id(referral.id)
        assert stored.status == "declined" and stored.decline_reason == "no_capacity"
        assert [t.actor_id for t in stored.transitions.order_by(ReferralTransition.id)][-1] == world[
            "maison_user"
        ].id
    send_mail(app)
    notice = world["smtp"].messages[-1]
    assert notice["To"] == "samira@relais.example" and "Pas de place actuellement" in text_of(notice)


def test_the_sender_withdraws_and_the_partner_is_told(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["cmp"], theme="sante--sante-mentale")
    karim = client_for(app, "karim@relais.example")  # same team
    response = post_action(
        karim,
        f"/portail/orientations/{referral.id}",
        "retirer",
        **{"withdrawn-comment": "La personne a déménagé."},
    )
    assert response.status_code == 302
    send_mail(app)
    told = [m for m in world["smtp"].messages if m["To"] == "cmp@sante.example"]
    assert "retirée" in told[-1]["Subject"] and "La personne a déménagé." in text_of(told[-1])
    with app.app_context():
        assert Referral.get_by_id(referral.id).status == "withdrawn"


# -- creating ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"person_phone": "", "person_email": ""}, "Indiquez au moins un moyen de joindre la personne"),
        ({"need": "x" * 2001}, "2000 caractères au maximum."),
        ({"need": ""}, "Décrivez le besoin"),
        ({"person_name": ""}, "Ce champ est obligatoire."),
        ({"consent": ""}, "Sans l'accord de la personne"),
        (
            {"consent_date": (date.today() + timedelta(days=1)).isoformat()},
            "ne peut pas être dans le futur",
        ),
        ({"consent_date": "31/02/2026"}, "Cette date n'est pas valide"),
        ({"consent_method": ""}, "Indiquez comment la personne a donné son accord"),
        ({"partner": "999999"}, "Ce choix n'existe pas"),
        ({"urgency": "extreme"}, "Ce choix n'existe pas"),
        ({"person_phone": "+44 20 7946 0000"}, "numéro français"),
        ({"person_email": "pas-un-email"}, "pas valide"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_sent(app, world, changes, message):
    samira = client_for(app, "samira@relais.example")
    data = form_data(samira, partner=str(world["maison"].id))
    data.update(changes)
    response = samira.post("/portail/orientations/nouvelle", data=data)
    assert response.status_code == 400
    assert message in page(response).replace("2 000", "2000")
    with app.app_context():
        assert Referral.select().count() == 0 and Outbox.select().count() == 0


def test_the_partner_list_is_filtered_by_theme_and_sector(app, world):
    samira = client_for(app, "samira@relais.example")
    everything = page(samira.get("/portail/orientations/nouvelle"))
    assert "Maison de l'habitat" in everything and "CMP Les Capucins" in everything
    assert "Sans adresse" not in everything  # nobody could be told
    assert "au-delà du strict nécessaire" in everything  # the health-data warning
    housing = page(
        samira.get("/portail/orientations/nouvelle?thematique=logement-hebergement&secteur=viguier")
    )
    assert "Maison de l'habitat" in housing and "CMP Les Capucins" not in housing
    health = page(samira.get("/portail/orientations/nouvelle?thematique=sante"))  # sub-themes count
    assert "CMP Les Capucins" in health and "Maison de l'habitat" not in health


# -- the rules, on both engines ------------------------------------------------------------


def fresh_referral(world, status="sent", now=None):
    """A referral put straight into ``status`` (with its log row), for rule tests."""
    now = now or utcnow()
    referral = referral_flow.create(
        settings(),
        world["samira"],
        {
            "partner": world["maison"],
            "theme": world["housing"],
            "sector": world["viguier"],
            "person_name": "Awa D.",
            "person_phone": "06 39 98 12 34",
            "need": "Dette de loyer.",
            "consent_at": now,
            "consent_method": "oral_face",
        },
        now=now,
    )
    Referral.update(status=status, status_changed_at=now).where(Referral.id == referral.id).execute()
    return Referral.get_by_id(referral.id)


DETAILS = {"declined": {"decline_reason": "out_of_area"}, "closed": {"outcome": "person_unreachable"}}
ACTOR_KINDS = ["partner", "sender", "system"]


def every_move():
    for status in TRANSITIONS:
        for kind in ACTOR_KINDS:
            for target in TRANSITIONS:
                if target != "sent":
                    yield status, kind, target


def actor_of(kind, world):
    return {
        "partner": actor_for(world["maison_user"]),
        "sender": actor_for(world["karim"]),
        "system": SYSTEM,
    }[kind]


def test_every_move_follows_the_table(any_app):
    world = build_world()
    for status, kind, target in every_move():
        referral = fresh_referral(world, status)
        allowed = target in TRANSITIONS[status].get(kind, set())
        try:
            transition(referral.id, target, actor_of(kind, world), **DETAILS.get(target, {}))
        except Refused as refused:
            assert not allowed, (status, kind, target)
            assert "orientation" in str(refused) or "structure" in str(refused)
        else:
            assert allowed, (status, kind, target)
            assert Referral.get_by_id(referral.id).status == target
            last = (
                ReferralTransition.select()
                .where(ReferralTransition.referral == referral.id)
                .order_by(ReferralTransition.id.desc())
                .get()
            )
            assert (last.from_status, last.to_status) == (status, target)


def test_details_each_answer_needs(any_app):
    world = build_world()
    referral = fresh_referral(world, "seen")
    partner = actor_for(world["maison_user"])
    with pytest.raises(Refused, match="motif"):
        transition(referral.id, "declined", partner)
    referral = fresh_referral(world, "accepted")
    with pytest.raises(Refused, match="prise en charge"):  # not "resolved" without a prise en charge
        transition(referral.id, "closed", partner, outcome="resolved")
    transition(referral.id, "closed", partner, outcome="person_unreachable")
    referral = fresh_referral(world, "in_care")
    with pytest.raises(Refused, match="résultat"):
        transition(referral.id, "closed", partner, outcome="n-importe-quoi")


def test_two_answers_at_once_only_one_wins(any_app):
    world = build_world()
    referral = fresh_referral(world, "seen")
    app = any_app
    partner = actor_for(world["maison_user"])
    barrier, outcomes = threading.Barrier(2), []

    def answer(target, details):
        with app.app_context():
            barrier.wait()
            try:
                transition(referral.id, target, partner, **details)
                outcomes.append(target)
            except Refused:
                outcomes.append("refused")
            finally:
                from portal.store.db import db

                db.close()

    threads = [
        threading.Thread(target=answer, args=("accepted", {})),
        threading.Thread(target=answer, args=("declined", {"decline_reason": "no_capacity"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "refused" or sorted(outcomes)[0] == "refused"
    assert outcomes.count("refused") == 1
    stored = Referral.get_by_id(referral.id)
    assert stored.status in ("accepted", "declined")
    assert stored.transitions.where(ReferralTransition.from_status == "seen").count() == 1


def test_invalid_moves_over_http_are_409_in_french(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    path = f"/portail/orientations/{referral.id}"
    response = post_action(samira, path, "accepter")
    assert response.status_code == 409 and "Seule la structure" in page(response)
    gerard = client_for(app, "gerard@habitat.example")
    response = post_action(gerard, path, "retirer")
    assert response.status_code == 409 and "Seule l'équipe" in page(response)
    response = post_action(gerard, path, "prise-en-charge")
    assert response.status_code == 409 and "elle ne peut pas être marquée « prise en charge »" in page(
        response
    )
    assert (
        post_action(gerard, path, "refuser", **{"declined-decline_reason": "out_of_area"}).status_code == 302
    )
    for action in ["accepter", "refuser", "cloturer", "prise-en-charge"]:
        response = post_action(
            gerard, path, action, **{"declined-decline_reason": "out_of_area", "closed-outcome": "resolved"}
        )
        assert response.status_code == 409 and "« Refusée »" in page(response)
    response = post_action(samira, path, "retirer")
    assert response.status_code == 409 and "« Refusée »" in page(response)
    assert post_action(gerard, path, "n-existe-pas").status_code == 404


# -- the emailed link ---------------------------------------------------------------------


def test_a_used_link_offers_a_new_one(app, world):
    smtp = world["smtp"]
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    send_mail(app)
    path = last_link(smtp, "accueil@habitat.example")
    browser = app.test_client()
    browser.get(path)
    assert (
        post_action(browser, path, "refuser", **{"declined-decline_reason": "out_of_scope"}).status_code
        == 200
    )
    response = browser.get(path)
    assert response.status_code == 400 and "déjà servi" in page(response)
    assert "nouveau lien" not in page(response)  # declined: nothing left to answer
    response = post_action(browser, path, "accepter")
    assert response.status_code == 400 and "déjà servi" in page(response)
    with app.app_context():
        assert Referral.get_by_id(referral.id).status == "declined"

    other = create_referral(app, samira, world["maison"])
    send_mail(app)
    path = last_link(smtp, "accueil@habitat.example")
    post_action(browser, path, "accepter")
    response = browser.get(path)
    assert response.status_code == 400 and "Recevoir un nouveau lien" in page(response)
    send_mail(app)
    sent_before = len(smtp.messages)
    response = browser.post(f"{path}/nouveau-lien", data={"csrf_token": any_csrf(browser)})
    assert response.status_code == 200 and "Nouveau lien envoyé" in page(response)
    send_mail(app)
    assert len(smtp.messages) == sent_before + 1 and smtp.messages[-1]["To"] == "accueil@habitat.example"
    fresh = last_link(smtp, "accueil@habitat.example")
    assert fresh != path and "Awa D." in page(browser.get(fresh))
    assert post_action(browser, fresh, "prise-en-charge").status_code == 200
    with app.app_context():
        assert Referral.get_by_id(other.id).status == "in_care"


def test_an_expired_link_offers_a_new_one(app, world, monkeypatch):
    samira = client_for(app, "samira@relais.example")
    create_referral(app, samira, world["maison"])
    send_mail(app)
    path = last_link(world["smtp"], "accueil@habitat.example")
    monkeypatch.setattr("portal.services.referrals.LINK_MAX_AGE", -1)
    browser = app.test_client()
    response = browser.get(path)
    assert (
        response.status_code == 400
        and "expiré" in page(response)
        and "Recevoir un nouveau lien" in page(response)
    )
    assert "Awa" not in page(response)
    assert post_action(browser, path, "accepter").status_code == 400


def test_forged_and_foreign_tokens_open_nothing(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    send_mail(app)
    path = last_link(world["smtp"], "accueil@habitat.example")
    browser = app.test_client()
    forged = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    response = browser.get(forged)
    assert response.status_code == 400 and "pas valide" in page(response) and "Awa" not in page(response)
    with app.app_context():
        partner = Partner.get_by_id(world["maison"].id)
        self_service = tokens.make(
            "test-secret", "self-service", partner.id, partner.token_nonce
        )  # another purpose
        stored = Referral.get_by_id(referral.id)
        other_key = tokens.make("une-autre-cle", "referral", stored.id, stored.token_nonce)
    for token in (self_service, other_key, "n-importe-quoi"):
        response = browser.get(f"/portail/orientations/reponse/{token}")
        assert response.status_code == 400 and "Awa" not in page(response)
        assert (
            browser.post(
                f"/portail/orientations/reponse/{token}/nouveau-lien", data={"csrf_token": any_csrf(browser)}
            ).status_code
            == 400
        )
    # Another partner's link shows that partner's referral only, and the
    # other partner's account still cannot open this one.
    cmp_referral = create_referral(app, samira, world["cmp"], person_name="Autre personne")
    send_mail(app)
    cmp_path = last_link(world["smtp"], "cmp@sante.example")
    shown = page(browser.get(cmp_path))
    assert "Autre personne" in shown and "Awa D." not in shown and f"n° {cmp_referral.id}" in shown
    ines = client_for(app, "cmp-user@sante.example")
    assert ines.get(f"/portail/orientations/{referral.id}").status_code == 404


# -- isolation ------------------------------------------------------------------------------


def test_nobody_reaches_another_teams_or_partners_referral(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    path = f"/portail/orientations/{referral.id}"
    expected = {
        "samira@relais.example": 200,
        "karim@relais.example": 200,
        "admin@relais.example": 200,
        "gerard@habitat.example": 200,
        "autre@relais.example": 404,
        "cmp-user@sante.example": 404,
    }
    actions = ["accepter", "refuser", "prise-en-charge", "cloturer", "retirer"]
    for email, code in expected.items():
        client = client_for(app, email)
        assert client.get(path).status_code == code, email
        token = csrf_token(client, "/portail/")
        for action in actions:
            answer = client.post(f"{path}/{action}", data={"csrf_token": token})
            if code == 404:
                assert answer.status_code == 404, (email, action)
        assert client.get(f"/portail/orientations/{referral.id + 1000}").status_code == 404
    with app.app_context():  # no move went through a 404
        assert Referral.get_by_id(referral.id).status in ("sent", "seen", "accepted", "declined", "withdrawn")
        unexpected = (
            ReferralTransition.select()
            .where(ReferralTransition.actor.in_([world["other"].id, world["cmp_user"].id]))
            .count()
        )
        assert unexpected == 0
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 302
    assert "/portail/connexion" in anonymous.get(path).headers["Location"]
    for url in [
        "/portail/orientations/",
        "/portail/orientations/nouvelle",
        "/portail/orientations/recues",
        "/portail/statistiques",
        "/portail/statistiques.csv",
    ]:
        assert anonymous.get(url).status_code == 302, url


def test_pages_per_role(app, world):
    gerard = client_for(app, "gerard@habitat.example")
    for url in [
        "/portail/orientations/",
        "/portail/orientations/nouvelle",
        "/portail/statistiques",
        "/portail/statistiques.csv",
    ]:
        assert gerard.get(url).status_code == 403, url
    samira = client_for(app, "samira@relais.example")
    assert samira.get("/portail/orientations/recues").status_code == 403


def test_lists_and_counts_respect_teams(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    other = client_for(app, "autre@relais.example")
    assert not listed(referral, page(other.get("/portail/orientations/")))
    assert "<strong>0</strong> orientations en cours" in page(other.get("/portail/"))
    karim = client_for(app, "karim@relais.example")
    assert listed(referral, page(karim.get("/portail/orientations/")))
    assert "<strong>1</strong> orientations en cours" in page(karim.get("/portail/"))
    admin = client_for(app, "admin@relais.example")
    assert listed(referral, page(admin.get("/portail/orientations/")))
    ines = client_for(app, "cmp-user@sante.example")
    assert not listed(referral, page(ines.get("/portail/orientations/recues")))


def test_each_look_at_personal_data_is_logged(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    with app.app_context():
        before = ReferralAccess.select().where(ReferralAccess.referral == referral.id).count()
    samira.get("/portail/orientations/")  # lists show no personal data: not logged
    samira.get(f"/portail/orientations/{referral.id}")
    client_for(app, "gerard@habitat.example").get(f"/portail/orientations/{referral.id}")
    with app.app_context():
        logged = list(
            ReferralAccess.select().where(ReferralAccess.referral == referral.id).order_by(ReferralAccess.id)
        )[before:]
        assert [a.user_id for a in logged] == [world["samira"].id, world["maison_user"].id]
        assert all(a.created_at is not None for a in logged)
    shown = page(samira.get(f"/portail/orientations/{referral.id}"))
    assert "Gérard (Maison de l'habitat)" in shown  # who looked, for the sender's team


# -- maintenance with a frozen clock --------------------------------------------------------


def mails_to(address):
    return Outbox.select().where(Outbox.to_addr == address).count()


def test_maintenance_reminds_expires_and_anonymises_once(any_app):
    world = build_world()
    start = utcnow() - timedelta(days=1000)
    waiting = fresh_referral(world, "sent", now=start)
    accepted = fresh_referral(world, "sent", now=start)
    transition(accepted.id, "accepted", actor_for(world["maison_user"]), now=start + timedelta(days=2))
    partner_mails, sender_mails = mails_to("accueil@habitat.example"), mails_to("samira@relais.example")

    def at(days):
        return dict(run_maintenance(settings(), now=start + timedelta(days=days)))

    assert sum(at(9).values()) == 0
    assert at(10)["relance(s) envoyée(s) aux structures"] == 1
    assert sum(at(10).values()) == 0 and sum(at(11).values()) == 0  # once
    assert mails_to("accueil@habitat.example") == partner_mails + 1
    reminder = Outbox.select().order_by(Outbox.id.desc()).get()
    assert "/portail/orientations/reponse/" in reminder.body_text

    result = at(32)  # accepted at day 2: 30 days without prise en charge
    assert result["rappel(s) envoyé(s) aux médiateurs (acceptée sans prise en charge)"] == 1
    assert result["orientation(s) expirée(s) sans réponse"] == 1
    assert Referral.get_by_id(waiting.id).status == "expired"
    assert sum(at(32).values()) == 0 and sum(at(40).values()) == 0
    assert mails_to("samira@relais.example") == sender_mails + 2  # the expiry and the reminder

    transition(
        accepted.id,
        "closed",
        actor_for(world["maison_user"]),
        outcome="person_unreachable",
        comment="Appelée trois fois, sans réponse (Awa).",
        now=start + timedelta(days=40),
    )
    stats_before = summary(facts(list(Referral.select())))
    rows_before = [{k: v for k, v in row.items()} for row in facts(list(Referral.select()))]
    assert at(32 + 729)["orientation(s) anonymisée(s) (durée de conservation écoulée)"] == 0
    assert (
        at(32 + 730)["orientation(s) anonymisée(s) (durée de conservation écoulée)"] == 1
    )  # the expired one
    assert at(40 + 730)["orientation(s) anonymisée(s) (durée de conservation écoulée)"] == 1  # the closed one
    assert sum(at(40 + 731).values()) == 0
    for referral_id in (waiting.id, accepted.id):
        stored = Referral.get_by_id(referral_id)
        assert (stored.person_name, stored.person_phone, stored.person_email, stored.need) == ("", "", "", "")
        assert stored.anonymised_at is not None
        assert all(t.comment == "" for t in stored.transitions)
    assert summary(facts(list(Referral.select()))) == stats_before
    assert facts(list(Referral.select())) == rows_before


def test_maintenance_command_and_partner_purge(app, runner, world):
    with app.app_context():
        stale = Partner.create(name="Jamais confirmée", slug="jamais", status="pending")
        Partner.update(created_at=utcnow() - timedelta(days=8)).where(Partner.id == stale.id).execute()
    result = runner.invoke(args=["maintenance"])
    assert result.exit_code == 0, result.output
    assert "1 inscription(s) de partenaire jamais confirmée(s) effacée(s)." in result.output
    assert "Maintenance terminée" in result.output
    with app.app_context():
        assert Partner.get_or_none(Partner.id == stale.id) is None


# -- text stays text ---------------------------------------------------------------------------


def test_html_in_every_text_field_stays_text(app, world):
    smtp = world["smtp"]
    with app.app_context():
        Partner.update(name=EVIL).where(Partner.id == world["maison"].id).execute()
        Sector.update(name=EVIL).where(Sector.id == world["viguier"].id).execute()
        User.update(name=EVIL).where(User.id == world["samira"].id).execute()
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(
        app, samira, world["maison"], person_name=EVIL[:80], need=EVIL, person_email="awa@exemple.fr"
    )
    pages = [
        samira.get(f"/portail/orientations/{referral.id}"),
        samira.get("/portail/orientations/"),
        samira.get("/portail/orientations/nouvelle"),
        samira.get("/portail/statistiques"),
    ]
    send_mail(app)
    path = last_link(smtp, "accueil@habitat.example")
    browser = app.test_client()
    pages.append(browser.get(path))
    post_action(browser, path, "accepter", **{"accepted-comment": EVIL})
    pages.append(browser.get(path))  # the used link's page, which names the partner
    pages.append(browser.post(f"{path}/nouveau-lien", data={"csrf_token": any_csrf(browser)}))
    send_mail(app)
    path = last_link(smtp, "accueil@habitat.example")
    post_action(browser, path, "prise-en-charge", **{"in_care-comment": EVIL})
    gerard = client_for(app, "gerard@habitat.example")
    pages += [gerard.get(f"/portail/orientations/{referral.id}"), gerard.get("/portail/orientations/recues")]
    post_action(
        gerard,
        f"/portail/orientations/{referral.id}",
        "cloturer",
        **{"closed-outcome": "resolved", "closed-comment": EVIL},
    )
    other = create_referral(app, samira, world["maison"])
    post_action(samira, f"/portail/orientations/{other.id}", "retirer", **{"withdrawn-comment": EVIL})
    third = create_referral(app, samira, world["maison"])
    post_action(
        gerard,
        f"/portail/orientations/{third.id}",
        "refuser",
        **{"declined-decline_reason": "other", "declined-comment": EVIL},
    )
    pages += [
        samira.get(f"/portail/orientations/{referral.id}"),
        samira.get(f"/portail/orientations/{third.id}"),
        samira.get("/portail/statistiques"),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 400)
        assert EVIL not in html
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in pages[0].get_data(as_text=True)
    send_mail(app)
    assert len(smtp.messages) >= 8
    for message in smtp.messages:
        assert "<script>alert" not in html_of(message) and "<img src=x" not in html_of(message)
    assert any(EVIL in text_of(message) for message in smtp.messages)  # plain text stays as typed
    export = samira.get("/portail/statistiques.csv")  # a download, never shown as a page
    assert export.mimetype == "text/csv" and export.headers["Content-Disposition"].startswith("attachment;")


# -- statistics ---------------------------------------------------------------------------------


def test_statistics_count_what_became_of_each_referral(app, world):
    samira = client_for(app, "samira@relais.example")
    gerard = client_for(app, "gerard@habitat.example")
    first = create_referral(app, samira, world["maison"])
    second = create_referral(app, samira, world["maison"], sector="ozanam")
    create_referral(app, samira, world["cmp"], theme="sante--sante-mentale", sector="ozanam")
    for referral in (first, second):
        post_action(gerard, f"/portail/orientations/{referral.id}", "accepter")
    post_action(gerard, f"/portail/orientations/{first.id}", "prise-en-charge")
    with app.app_context():
        Partner.update(name='=HYPERLINK("http://evil.example")').where(
            Partner.id == world["cmp"].id
        ).execute()
    shown = page(samira.get("/portail/statistiques"))
    assert "<strong>3</strong> orientations envoyées" in shown
    assert (
        "<strong>1</strong> personne réellement prise en charge" in shown and "<strong>33 %</strong>" in shown
    )
    assert "<svg" in shown and "Logement et hébergement" in shown and "Santé" in shown
    ozanam = page(samira.get("/portail/statistiques?secteur=ozanam"))
    assert "<strong>2</strong> orientations envoyées" in ozanam
    past = page(samira.get("/portail/statistiques?du=2020-01-01&au=2020-12-31"))
    assert "<strong>0</strong> orientation envoyée" in past
    response = samira.get("/portail/statistiques.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert lines[0][:4] == ["numero", "date_envoi", "mois", "thematique"]
    assert len(lines) == 4
    assert '\'=HYPERLINK("http://evil.example")' in [row[6] for row in lines]  # formula injection neutralised
    assert "Awa" not in text  # no personal data
    other = client_for(app, "autre@relais.example")  # another team's figures are not theirs
    assert "<strong>0</strong> orientation envoyée" in page(other.get("/portail/statistiques"))


def test_statistics_of_meetings_and_permanences(app, world):
    from datetime import time

    from portal.store.models import Event, Permanence, Place, Registration

    with app.app_context():
        place = Place.create(name="Maison de quartier", sector=world["viguier"])
        held = Event.create(
            kind="partner_meeting",
            title="Rencontre logement",
            starts_at=utcnow() - timedelta(days=3),
            ends_at=utcnow() - timedelta(days=3) + timedelta(hours=2),
            sector=world["viguier"],
        )
        Event.create(
            kind="partner_meeting",
            title="À venir",
            starts_at=utcnow() + timedelta(days=3),
            ends_at=utcnow() + timedelta(days=3, hours=2),
        )
        for seats, attended in ((2, True), (1, False), (3, None)):
            Registration.create(
                event=held,
                organisation="Asso",
                contact_name="X",
                contact_email=f"x{seats}@y.example",
                seats=seats,
                status="confirmed",
                cancel_token=f"t{seats}",
                attended=attended,
            )
        Permanence.create(
            sector=world["viguier"],
            place=place,
            title="Accueil",
            weekdays="MO,TU,WE,TH,FR",
            opens_at=time(9),
            closes_at=time(12),
            valid_from=date.today() - timedelta(days=13),
        )
    samira = client_for(app, "samira@relais.example")
    start = (date.today() - timedelta(days=20)).isoformat()
    shown = page(samira.get(f"/portail/statistiques?du={start}"))
    assert re.search(r"Rencontre inter-partenaires</th><td>1</td>\s*<td>6</td><td>2</td><td>2</td>", shown)
    assert re.search(r"Viguier et Saint Jacques</th><td>\d+</td><td>\d+</td>", shown)


# -- the schema step --------------------------------------------------------------------------


def test_the_v1_database_gets_the_referral_columns(sqlite_url):
    """A version-1 database with a referral: its state's age is its last transition's time."""
    import sqlite3

    from portal.store import migrations
    from portal.store.db import db
    from tests.conftest import ROOT, make_app

    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.executescript((ROOT / "tests" / "fixtures" / "relais-v1.sql").read_text(encoding="utf-8"))
        connection.execute(
            "INSERT INTO referral VALUES (1, '2026-01-05 10:00:00', '2026-01-20 10:00:00', 2, 9, "
            "NULL, NULL, 'A. B.', '', '', 'besoin', NULL, '', 'normale', 'accepted', NULL, NULL, "
            "NULL, NULL)"
        )
        connection.execute(
            "INSERT INTO referral_transition VALUES (1, 1, 2, '', NULL, 'sent', '', '2026-01-05 10:00:00')"
        )
        connection.execute(
            "INSERT INTO referral_transition VALUES (2, 1, 3, '', 'sent', 'accepted', '', "
            "'2026-01-07 09:30:00')"
        )
    app = make_app(sqlite_url)
    with app.app_context():
        assert migrations.current_version() >= 3
        stored = Referral.get_by_id(1)
        assert stored.status_changed_at.isoformat() == "2026-01-07T09:30:00+00:00"
        assert stored.token_nonce == "" and stored.reminded_at is None
        assert User.get_by_id(2).team == ""
        assert ReferralAccess.select().count() == 0
    db.close()


def test_link_actor_names_the_partner_address(app, world):
    with app.app_context():
        referral = fresh_referral(world)
        assert link_actor(referral) == Actor(
            "partner", None, "Maison de l'habitat (lien envoyé à accueil@habitat.example)"
        )


def test_an_erased_partner_gets_no_email_and_nothing_breaks(app, world):
    from portal.services import partners
    from portal.web.helpers import settings

    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    with app.app_context():
        maison = Partner.get_by_id(world["maison"].id)
        # kept (it has referrals), its addresses blanked
        partners.erase(maison.id, partners.link_actor(maison), settings=settings())
        queued = Outbox.select().count()
    response = post_action(samira, f"/portail/orientations/{referral.id}", "retirer")
    assert response.status_code == 302
    with app.app_context():
        assert Referral.get_by_id(referral.id).status == "withdrawn"
        assert Outbox.select().count() == queued


# -- the service without Flask ------------------------------------------------------------------


def test_the_referral_service_works_without_an_app_context(app, world):
    """What cron and the CLI do: Settings in, NotFound/Refused out, emails with absolute links."""
    from flask import has_app_context

    from portal.services.errors import NotFound

    with app.app_context():
        config = Settings.from_config(app.config)
    assert not has_app_context()
    start = utcnow() - timedelta(days=40)
    referral = referral_flow.create(
        config,
        world["samira"],
        {"partner": world["maison"], "theme": world["housing"], "person_name": "Awa D.", "need": "Loyer."},
        now=start,
    )
    link = Outbox.select().where(Outbox.to_addr == "accueil@habitat.example").get()
    assert "http://relais.test/portail/orientations/reponse/" in link.body_text
    with pytest.raises(Refused, match="Seule l'équipe"):
        referral_flow.transition(config, referral.id, "withdrawn", actor_for(world["maison_user"]))
    with pytest.raises(NotFound):
        referral_flow.transition(config, 10**20, "withdrawn", actor_for(world["samira"]))
    with pytest.raises(NotFound):
        referral_flow.visible(world["samira"], 10**20)
    done = dict(run_maintenance(config, now=utcnow()))
    assert done["orientation(s) expirée(s) sans réponse"] == 1
    notice = Outbox.select().where(Outbox.to_addr == "samira@relais.example").get()
    assert f"http://relais.test/portail/orientations/{referral.id}" in notice.body_text
    assert Referral.get_by_id(referral.id).status == "expired"


# -- issue 14: caches, Referer, prefetching scanners, teams, extreme addresses ----------------


def test_pages_with_a_persons_data_are_never_cached(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    send_mail(app)
    path = last_link(world["smtp"], "accueil@habitat.example")
    gerard = client_for(app, "gerard@habitat.example")
    logged_in = [
        samira.get(f"/portail/orientations/{referral.id}"),
        samira.get("/portail/orientations/"),
        samira.get("/portail/orientations/nouvelle"),
        gerard.get("/portail/orientations/recues"),
        post_action(samira, f"/portail/orientations/{referral.id}", "refuser"),  # a 409 page
    ]
    for response in logged_in:
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    browser = app.test_client()
    by_link = [
        browser.get(path),
        post_action(browser, path, "refuser"),  # the page again, with the form's error (400)
        post_action(browser, path, "retirer"),  # refused (409)
        post_action(browser, path, "accepter"),
        browser.get(path),  # now used: the problem page, with the token in its address
        browser.get(path[:-3] + "abc"),
    ]
    assert [r.status_code for r in by_link] == [200, 400, 409, 200, 400, 400]
    for response in by_link:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    # Pages without a token in their address keep the portal's usual policy.
    assert logged_in[0].headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_opening_the_emailed_link_is_not_seeing_it(app, world):
    """Mail scanners open links before people do: a GET changes nothing; a
    click ("I have read it", or an answer) marks the referral "vue"."""
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    send_mail(app)
    path = last_link(world["smtp"], "accueil@habitat.example")
    browser = app.test_client()
    for _ in range(2):
        shown = page(browser.get(path))
        assert "Awa D." in shown and "J'ai pris connaissance de l'orientation" in shown
    with app.app_context():
        assert Referral.get_by_id(referral.id).status == "sent"
        queued = Outbox.select().count()
    for _ in range(2):  # twice: one "vue" only
        response = browser.post(f"{path}/vue", data={"csrf_token": any_csrf(browser)})
        assert response.status_code == 302 and response.headers["Location"].endswith(path)
    shown = page(browser.get(path))
    assert "pris connaissance de l'orientation." in shown  # the flashed confirmation
    assert "J'ai pris connaissance de l'orientation" not in shown  # no button any more
    with app.app_context():
        stored = Referral.get_by_id(referral.id)
        seen = stored.transitions.where(ReferralTransition.to_status == "seen")
        assert stored.status == "seen" and seen.count() == 1
        assert "lien envoyé à accueil@habitat.example" in seen.get().actor_label
        assert Outbox.select().count() == queued  # "vue" emails nobody
    assert post_action(browser, path, "accepter").status_code == 200  # the link still answers
    assert browser.post(f"{path}/vue", data={"csrf_token": any_csrf(browser)}).status_code == 400  # used


def test_a_mediator_without_a_team_sees_only_their_own_referrals(app, world):
    with app.app_context():
        for email in ("seule@relais.example", "isole@relais.example"):
            User.register(email=email, password=PASSWORD, role="mediator", name=email)  # team ""
    alone = client_for(app, "seule@relais.example")
    mine = create_referral(app, alone, world["maison"])
    theirs = create_referral(app, client_for(app, "isole@relais.example"), world["maison"])
    assert listed(mine, page(alone.get("/portail/orientations/")))
    assert not listed(theirs, page(alone.get("/portail/orientations/")))
    assert alone.get(f"/portail/orientations/{theirs.id}").status_code == 404
    assert post_action(alone, f"/portail/orientations/{theirs.id}", "retirer").status_code == 404
    assert "<strong>1</strong> orientations en cours" in page(alone.get("/portail/"))
    assert "<strong>1</strong> orientation envoyée" in page(alone.get("/portail/statistiques"))
    with app.app_context():
        assert Referral.get_by_id(theirs.id).status == "sent"


def test_create_user_says_what_a_mediator_without_a_team_sees(runner):
    result = runner.invoke(args=["create-user", "--help"])
    assert result.exit_code == 0 and "sans équipe, un médiateur ne voit que les siennes" in " ".join(
        result.output.split()
    )


def test_a_referral_number_too_big_for_the_database_is_not_found(app, world):
    huge = "/portail/orientations/99999999999999999999"
    for email in ("samira@relais.example", "gerard@habitat.example", "admin@relais.example"):
        client = client_for(app, email)
        assert client.get(huge).status_code == 404, email
        assert post_action(client, huge, "retirer").status_code == 404, email


@pytest.mark.parametrize("query", ["?au=9999-12-31", "?du=0001-01-01", "?du=9999-12-31&au=0001-01-01"])
def test_days_outside_the_known_years_are_a_french_400(app, world, query):
    samira = client_for(app, "samira@relais.example")
    for path in ("/portail/statistiques", "/portail/statistiques.csv"):
        response = samira.get(path + query)
        assert response.status_code == 400, path
        assert "Choisissez une date entre le 01/01/2000 et le 31/12/2099" in page(response)


@pytest.mark.parametrize("query", ["?au=2099-12-31", "?du=2000-01-01&au=2099-12-31", "?du=2099-12-31"])
def test_a_period_beyond_next_year_is_brought_back(app, world, query):
    samira = client_for(app, "samira@relais.example")
    create_referral(app, samira, world["maison"])
    response = samira.get("/portail/statistiques" + query)
    assert response.status_code == 200
    shown = page(response)
    assert "la période demandée a été ramenée" in shown
    assert (
        f'value="{date.today().year + 1}-12-31"' in shown
        and "<strong>1</strong> orientation envoyée" in shown
    )
    export = samira.get("/portail/statistiques.csv" + query)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert f"-{date.today().year + 1}1231.csv" in export.headers["Content-Disposition"]
    assert len(export.get_data(as_text=True).splitlines()) == 2  # the header and the referral
    usual = page(samira.get("/portail/statistiques"))
    assert "ramenée" not in usual and "<strong>1</strong> orientation envoyée" in usual


def test_a_forged_outcome_or_reason_is_refused_in_french(app, world):
    samira = client_for(app, "samira@relais.example")
    referral = create_referral(app, samira, world["maison"])
    gerard = client_for(app, "gerard@habitat.example")
    path = f"/portail/orientations/{referral.id}"
    response = post_action(gerard, path, "refuser", **{"declined-decline_reason": "n-importe-quoi"})
    assert response.status_code == 400 and "Ce choix n'existe pas" in page(response)
    assert post_action(gerard, path, "accepter").status_code == 302
    response = post_action(
        gerard, path, "cloturer", **{"closed-outcome": "resolved"}
    )  # accepted: unreachable only
    assert response.status_code == 400 and "Ce choix n'existe pas" in page(response)
    with app.app_context():
        assert Referral.get_by_id(referral.id).status == "accepted"
