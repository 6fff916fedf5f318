"""Partners join the network themselves: register, confirm, moderation, self-service."""

import json
import re
from datetime import timedelta

import pytest

from portal.mail import sender as mail
from portal.services.partners import purge_unconfirmed
from portal.site import publish
from portal.store.db import utcnow
from portal.store.models import Partner, Sector
from tests.conftest import csrf_token

FORM = {
    "name": "Les Jardins du Viguier",
    "kind": "association",
    "siret": "",
    "address": "4 rue des Lilas",
    "address_extra": "",
    "postcode": "11000",
    "commune": "Carcassonne",
    "phone": "04.65.71.20.20",
    "email": "bonjour@jardins.example",
    "website": "https://jardins.example",
    "summary": "Jardins partagés au pied des immeubles.",
    "description": "Ouvert à tous.",
    "themes": ["equipement-et-alimentation--alimentation"],
    "sectors": ["viguier"],
    "contact_name": "Samia Testeuse",
    "contact_email": "samia@jardins.example",
    "contact_phone": "",
    "consent": "y",
}


@pytest.fixture
def setup(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, SITE_REBUILD_DELAY=0.1)
    with app.app_context():
        Sector.create(name="Viguier et Saint Jacques", slug="viguier")
    return smtp_server


def send_mail(app):
    with app.app_context():
        return mail.send_pending()


def register(client, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/portail/partenaires/inscription")}
    html = client.get("/portail/partenaires/inscription").get_data(as_text=True)
    data.setdefault("started", re.search(r'name="started" type="hidden" value="([^"]+)"', html)[1])
    return client.post("/portail/partenaires/inscription", data=data)


def link_in(message):
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://relais\.test(/portail/\S+)", body)[1]


def login_as(client, make_user, role="mediator"):
    make_user(role, email=f"{role}@relais.example")
    token = csrf_token(client, "/portail/connexion")
    client.post(
        "/portail/connexion",
        data={"csrf_token": token, "email": f"{role}@relais.example", "password": "mot-de-passe-solide"},
    )


def review(client, partner_id):
    """(CSRF token, version) of a request as the moderation queue shows it."""
    html = client.get("/portail/moderation/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)[1]
    form = re.search(rf'action="/portail/moderation/{partner_id}/approuver">(.*?)</form>', html, re.S)[1]
    return token, re.search(r'name="version" value="([^"]+)"', form)[1]


def moderate(client, partner_id, action, **data):
    """Approve ("approuver") or reject ("refuser") the version the queue shows now."""
    token, version = review(client, partner_id)
    return client.post(
        f"/portail/moderation/{partner_id}/{action}", data={"csrf_token": token, "version": version, **data}
    )


def confirm(client, path):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token})


def test_join_confirm_moderate_publish(app, client, setup, make_user, tmp_path):
    smtp = setup
    app.config.update(SITE_DIR=str(tmp_path / "site"), SITE_AUTO_REBUILD=True)
    response = register(client)
    assert response.status_code == 302
    assert "il reste une étape" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        partner = Partner.get(Partner.name == "Les Jardins du Viguier")
        assert partner.status == "pending" and partner.phone == "04 65 71 20 20"
        assert Partner.awaiting_moderation().count() == 0  # not before the email is confirmed

    assert send_mail(app)[0] == 1
    message = smtp.messages[-1]
    assert message["To"] == "samia@jardins.example"
    path = link_in(message)
    assert "Je confirme" in client.get(path).get_data(as_text=True)  # opening alone changes nothing
    assert "Inscription confirmée" in confirm(client, path).get_data(as_text=True)
    assert "déjà confirmée" in client.get(path).get_data(as_text=True)  # single use

    login_as(client, make_user)
    queue = client.get("/portail/moderation/").get_data(as_text=True)
    assert "Les Jardins du Viguier" in queue and "Samia Testeuse" in queue
    with app.app_context():
        partner_id = Partner.get(Partner.name == "Les Jardins du Viguier").id
    token, version = review(client, partner_id)
    response = moderate(client, partner_id, "approuver")
    assert response.status_code == 302
    response = client.post(
        f"/portail/moderation/{partner_id}/approuver", data={"csrf_token": token, "version": version}
    )
    assert response.status_code == 409 and "déjà été traitée" in response.get_data(as_text=True)

    send_mail(app)
    approved = smtp.messages[-1]
    assert "est publiée" in approved["Subject"]
    text = approved.get_body(("plain",)).get_content()
    assert "http://relais.test/partenaires/les-jardins-du-viguier/" in text
    assert "/portail/partenaires/espace/" in text

    publish._worker.join(timeout=60)  # the rebuild asked for by the approval
    page = (tmp_path / "site" / "partenaires" / "les-jardins-du-viguier" / "index.html").read_text()
    assert "Jardins partagés au pied des immeubles." in page
    assert "Samia Testeuse" not in page  # the contact person stays private


def confirmed_partner(app, client, setup, **changes):
    register(client, **changes)
    send_mail(app)
    confirm(client, link_in(setup.messages[-1]))
    with app.app_context():
        return Partner.get(Partner.name == changes.get("name", FORM["name"]))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Ce champ est obligatoire."),
        ("name", "x" * 201, "200 caractères au maximum."),
        ("siret", "123 456 789 00013", "clé de contrôle"),
        ("siret", "12345", "14 chiffres"),
        ("website", "javascript:alert(1)", "http:// ou https://"),
        ("postcode", "ABCDE", "5 chiffres"),
        ("phone", "+44 20 7946 0000", "numéro français"),
        ("email", "pas-un-email", "pas valide"),
        ("contact_email", "", "Ce champ est obligatoire."),
        ("summary", "x" * 281, "280 caractères au maximum."),
        ("themes", [], "Choisissez au moins une thématique."),
        ("themes", ["n-existe-pas"], "Un des choix envoyés n'existe pas"),
        ("sectors", [], "Choisissez au moins un quartier."),
        ("consent", "", "Cochez cette case"),
    ],
)
def test_bad_input_is_explained_and_kept(app, client, setup, field, value, message):
    response = register(client, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page.replace("&#39;", "'")
    assert "Les Jardins du Viguier" in page or field == "name"  # what was typed is kept
    with app.app_context():
        assert Partner.select().count() == 0


def test_html_and_script_stay_text(app, client, setup):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = register(client, name=evil, summary="x" * 281, description=evil)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    register(client, name=evil, description=evil, contact_name=evil)
    send_mail(app)
    message = setup.messages[-1]
    assert evil in message.get_body(("plain",)).get_content()
    assert "<script>" not in message.get_body(("html",)).get_content()


def test_huge_body_is_refused(client, setup):
    response = client.post("/portail/partenaires/inscription", data={"name": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused(app, client, setup):
    response = client.post("/portail/partenaires/inscription", data=FORM)
    assert response.status_code == 400
    with app.app_context():
        assert Partner.select().count() == 0


def test_honeypot_and_speed_stop_robots(app, client, setup):
    assert register(client, url="http://spam.example").status_code == 302
    with app.app_context():
        assert Partner.select().count() == 0  # a robot is thanked, and nothing is created
    app.config["REGISTRATION_MIN_SECONDS"] = 60
    response = register(client)
    assert response.status_code == 400 and "trop vite" in response.get_data(as_text=True)
    assert register(client, started="forged").status_code == 400


def test_registration_is_rate_limited(app, client, setup):
    app.config["REGISTRATION_RATE_LIMIT"] = "2 per hour"
    codes = [register(client, name=f"Structure {n}").status_code for n in range(3)]
    assert codes == [302, 302, 429]


def test_smtp_down_loses_nothing(app, client, setup):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 9  # nothing listens there
    assert register(client).status_code == 302
    assert send_mail(app) == (0, 1)
    app.config["MAIL_PORT"] = port
    with app.app_context():
        assert mail.send_pending(now=utcnow() + timedelta(hours=1)) == (1, 0)
    assert setup.messages[-1]["To"] == "samia@jardins.example"


def test_bad_links(app, client, setup):
    partner = confirmed_partner(app, client, setup)
    path = link_in(setup.messages[0])
    forged = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert "pas valide" in client.get(forged).get_data(as_text=True)
    with app.app_context():
        from portal.services import tokens

        confirm_token = tokens.make(app.config["SECRET_KEY"], "confirm", partner.id, partner.token_nonce)
    # A confirmation token is no self-service link.
    response = client.get(f"/portail/partenaires/espace/{confirm_token}")
    assert response.status_code == 400 and "nouveau lien" in response.get_data(as_text=True)


def test_expired_confirmation_link(app, client, setup, monkeypatch):
    register(client)
    send_mail(app)
    path = link_in(setup.messages[-1])
    monkeypatch.setattr("portal.services.partners.CONFIRM_MAX_AGE", -1)
    response = client.get(path)
    assert response.status_code == 400 and "expiré" in response.get_data(as_text=True)


def test_emailed_link_pages_send_no_referrer(app, client, setup):
    """The token in the address never leaves in a Referer, the page be good or not."""
    register(client)
    send_mail(app)
    path = link_in(setup.messages[-1])
    for address in (
        path,
        path + "abime",
        "/portail/partenaires/espace/abime",
        "/portail/partenaires/adresse/x",
    ):
        assert client.get(address).headers["Referrer-Policy"] == "no-referrer", address


def test_confirmation_link_of_a_purged_registration(app, client, setup):
    register(client)
    send_mail(app)
    with app.app_context():
        assert purge_unconfirmed(now=utcnow() + timedelta(days=8)) == 1
    response = client.get(link_in(setup.messages[-1]))
    assert response.status_code == 404 and "existe plus" in response.get_data(as_text=True)


def test_duplicates_are_flagged(app, client, setup, make_user):
    with app.app_context():
        Partner.create(
            name="Les jardins du Viguier", slug="jardins-existants", commune="Carcassonne", status="published"
        )
    confirmed_partner(app, client, setup)
    login_as(client, make_user)
    queue = client.get("/portail/moderation/").get_data(as_text=True)
    assert "Doublon possible" in queue and "/partenaires/jardins-existants/" in queue


def test_reject_needs_a_reason_and_sends_it(app, client, setup, make_user):
    partner = confirmed_partner(app, client, setup)
    login_as(client, make_user, "admin")
    response = moderate(client, partner.id, "refuser", reason="")
    assert response.status_code == 400 and "Indiquez le motif" in response.get_data(as_text=True)
    reason = "Structure hors du territoire <b>couvert</b>."
    assert moderate(client, partner.id, "refuser", reason=reason).status_code == 302
    send_mail(app)
    assert reason in setup.messages[-1].get_body(("plain",)).get_content()
    with app.app_context():
        assert Partner.get_by_id(partner.id).status == "rejected"


def test_partners_cannot_moderate(app, client, setup, make_user):
    partner = confirmed_partner(app, client, setup)
    login_as(client, make_user, "partner")
    assert client.get("/portail/moderation/").status_code == 403
    token = csrf_token(client, "/portail/partenaires/ma-structure")
    response = client.post(f"/portail/moderation/{partner.id}/approuver", data={"csrf_token": token})
    assert response.status_code == 403


def approve(app, partner):
    with app.app_context():
        Partner.update(status="published", published_at=utcnow()).where(Partner.id == partner.id).execute()


def open_space(app, client, partner):
    with app.app_context():
        from portal.services.partners import self_service_link
        from portal.web.helpers import settings

        fresh = Partner.get_by_id(partner.id)
        path = self_service_link(fresh, settings()).removeprefix("http://relais.test")
    return client.get(path)


def test_self_service_changes_wait_for_moderation(app, client, setup, make_user):
    partner = confirmed_partner(app, client, setup)
    approve(app, partner)
    assert open_space(app, client, partner).headers["Location"] == "/portail/partenaires/ma-structure"
    token = csrf_token(client, "/portail/partenaires/ma-structure")
    data = {
        **FORM,
        "csrf_token": token,
        "summary": "Nouveau résumé.",
        "contact_name": "Samia T.",
        "referral_notes": "Appeler le mardi.",
        "share_contact_name": "network",
        "share_contact_phone": "private",
        "share_contact_email": "private",
        "share_referral_notes": "public",
    }
    data.pop("consent")
    response = client.post("/portail/partenaires/ma-structure", data=data)
    assert response.status_code == 302
    with app.app_context():
        stored = Partner.get_by_id(partner.id)
        assert stored.summary == FORM["summary"]  # online version unchanged
        assert json.loads(stored.pending_changes)["summary"] == "Nouveau résumé."
        assert stored.contact_name == "Samia T."  # contact data applies at once
        assert stored.shared_fields("public") == {"referral_notes": "Appeler le mardi."}
        assert set(stored.shared_fields("network")) == {"contact_name", "referral_notes"}
    client.get("/portail/deconnexion")
    with client.session_transaction() as session:
        session.clear()
    login_as(client, make_user)
    queue = client.get("/portail/moderation/").get_data(as_text=True)
    assert "Nouveau résumé." in queue and "Ce qui change" in queue
    directory = client.get("/portail/annuaire?q=jardins").get_data(as_text=True)
    assert "Samia T." in directory and "Appeler le mardi." in directory
    assert moderate(client, partner.id, "approuver").status_code == 302
    with app.app_context():
        stored = Partner.get_by_id(partner.id)
        assert stored.summary == "Nouveau résumé." and stored.pending_changes == ""


def test_withdraw_and_erase(app, client, setup):
    partner = confirmed_partner(app, client, setup)
    approve(app, partner)
    open_space(app, client, partner)
    token = csrf_token(client, "/portail/partenaires/ma-structure")
    client.post("/portail/partenaires/ma-structure/retrait", data={"csrf_token": token})
    with app.app_context():
        assert Partner.get_by_id(partner.id).status == "withdrawn"
    response = client.post("/portail/partenaires/ma-structure/effacement", data={"csrf_token": token})
    assert response.status_code == 302  # the confirmation box was not ticked
    response = client.post(
        "/portail/partenaires/ma-structure/effacement", data={"csrf_token": token, "confirmation": "oui"}
    )
    assert "sont effacées" in response.get_data(as_text=True)
    with app.app_context():
        assert Partner.get_or_none(Partner.id == partner.id) is None
    assert client.get("/portail/partenaires/ma-structure").status_code == 302  # the session is gone


def test_link_request_never_reveals_who_is_registered(app, client, setup):
    confirmed_partner(app, client, setup)
    sent_before = len(setup.messages)
    answers = []
    for email in ["samia@jardins.example", "inconnu@nulle-part.example"]:
        token = csrf_token(client, "/portail/partenaires/lien")
        response = client.post("/portail/partenaires/lien", data={"csrf_token": token, "email": email})
        answers.append(response.get_data(as_text=True).replace(email, "ADRESSE"))
    assert answers[0] == answers[1]
    send_mail(app)
    assert len(setup.messages) == sent_before + 1
    assert "/portail/partenaires/espace/" in setup.messages[-1].get_body(("plain",)).get_content()


def test_unconfirmed_registrations_are_purged_after_7_days(app, client, setup):
    register(client)
    with app.app_context():
        assert purge_unconfirmed() == 0
        assert purge_unconfirmed(now=utcnow() + timedelta(days=8)) == 1
        assert Partner.select().count() == 0


def test_network_directory_needs_login(client):
    response = client.get("/portail/annuaire")
    assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"]
