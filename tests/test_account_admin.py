"""The admin's account pages: invite a person, change a role, deactivate."""

import pytest

from portal.services import accounts
from portal.store.db import utcnow
from portal.store.models import Partner, User
from tests.conftest import csrf_token, deliver
from tests.test_accounts import OLD, choose
from tests.test_partners import link_in

ACCOUNTS = "/portail/gestion/comptes/"


@pytest.fixture
def admin(app, client, login, make_user):
    user = make_user("admin")
    login("admin@relais.example", OLD)
    return user


@pytest.fixture
def partner(app):
    with app.app_context():
        return Partner.create(name="Les Jardins <b>du</b> Viguier", slug="jardins", status="published")


def invite(client, **fields):
    data = {
        "csrf_token": csrf_token(client, ACCOUNTS + "nouveau"),
        "email": "samia@jardins.example",
        "name": "Samia",
        "role": "partner",
        "partner_id": "",
        "team": "",
        **fields,
    }
    return client.post(ACCOUNTS + "nouveau", data=data)


def test_an_invited_partner_chooses_a_password_and_logs_in(app, client, admin, partner, mailbox):
    done = invite(client, partner_id=str(partner.id))
    assert done.status_code == 302
    page = client.get(ACCOUNTS).get_data(as_text=True)
    assert "samia@jardins.example" in page and "jamais" in page
    assert "Les Jardins &lt;b&gt;du&lt;/b&gt; Viguier" in page

    (message,) = deliver(app, mailbox)
    assert message["To"] == "samia@jardins.example"
    text = message.get_body(("plain",)).get_content()
    assert "Les Jardins <b>du</b> Viguier" in text and "valable 7 jours" in text
    assert "Les Jardins &lt;b&gt;du&lt;/b&gt; Viguier" in message.get_body(("html",)).get_content()
    path = link_in(message)
    assert path.startswith("/portail/bienvenue/")

    visitor = app.test_client()
    welcome = visitor.get(path)
    assert welcome.status_code == 200 and "Bienvenue" in welcome.get_data(as_text=True)
    assert choose(visitor, path, "une phrase de bienvenue").status_code == 302
    token = csrf_token(visitor, "/portail/connexion")
    login = visitor.post(
        "/portail/connexion",
        data={"csrf_token": token, "email": "samia@jardins.example", "password": "une phrase de bienvenue"},
    )
    assert login.status_code == 302
    assert "Orientations reçues" in visitor.get("/portail/").get_data(as_text=True)
    assert visitor.get(path).status_code == 400  # the invitation works once


def test_a_bad_invitation_says_why_and_keeps_what_was_typed(app, client, admin, partner, mailbox):
    no_partner = invite(client, name="<script>alert(1)</script>")
    page = no_partner.get_data(as_text=True)
    assert no_partner.status_code == 400
    assert "Un compte partenaire est rattaché à une structure" in page
    assert 'value="samia@jardins.example"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page

    taken = invite(client, email="Admin@Relais.example", role="mediator")
    assert taken.status_code == 400
    assert "Un compte existe déjà avec cette adresse e-mail." in taken.get_data(as_text=True)
    forged = invite(client, role="superadmin")
    assert "Ce choix n&#39;existe pas" in forged.get_data(as_text=True)
    assert deliver(app, mailbox) == []
    with app.app_context():
        assert User.select().count() == 1


def test_a_new_role_logs_the_person_out_everywhere(app, client, admin, make_user):
    mediator = make_user("mediator")
    other = app.test_client()
    token = csrf_token(other, "/portail/connexion")
    other.post(
        "/portail/connexion", data={"csrf_token": token, "email": "mediator@relais.example", "password": OLD}
    )
    assert other.get("/portail/").status_code == 200

    form = {"csrf_token": csrf_token(client, ACCOUNTS), "name": "Paul", "role": "admin", "partner_id": ""}
    form.update(team="Nord", active="y")
    assert client.post(f"{ACCOUNTS}{mediator.id}", data=form).status_code == 302
    assert other.get("/portail/").status_code == 302  # logged out
    with app.app_context():
        saved = User.get_by_id(mediator.id)
        assert (saved.role, saved.team, saved.name, saved.active) == ("admin", "Nord", "Paul", True)

    form.pop("active")  # unchecked: deactivated
    client.post(f"{ACCOUNTS}{mediator.id}", data=form)
    with app.app_context():
        assert not User.get_by_id(mediator.id).active
    token = csrf_token(other, "/portail/connexion")
    refused = other.post(
        "/portail/connexion", data={"csrf_token": token, "email": "mediator@relais.example", "password": OLD}
    )
    assert refused.status_code == 400


def test_an_admin_cannot_lock_themselves_out(app, client, admin):
    form = {"csrf_token": csrf_token(client, ACCOUNTS), "name": "Admin", "role": "mediator", "partner_id": ""}
    refused = client.post(f"{ACCOUNTS}{admin.id}", data={**form, "team": "", "active": "y"})
    assert refused.status_code == 400
    assert "propres droits d&#39;administrateur" in refused.get_data(as_text=True)
    deactivated = client.post(f"{ACCOUNTS}{admin.id}", data={**form, "role": "admin", "team": ""})
    assert deactivated.status_code == 400
    assert client.get(ACCOUNTS).status_code == 200  # still an admin, still logged in


def test_the_invitation_can_be_sent_again(app, client, admin, make_user, mailbox, monkeypatch):
    mediator = make_user("mediator")
    action = f"{ACCOUNTS}{mediator.id}/invitation"
    assert client.post(action, data={"csrf_token": csrf_token(client, ACCOUNTS)}).status_code == 302
    (message,) = deliver(app, mailbox)
    monkeypatch.setitem(accounts.LINKS, "invitation", accounts.LINKS["invitation"]._replace(max_age=-1))
    expired = app.test_client().get(link_in(message))
    assert expired.status_code == 400 and "expiré" in expired.get_data(as_text=True)


def test_only_admins_manage_accounts(app, client, login, make_user):
    assert client.get(ACCOUNTS).status_code == 302  # to the login page
    make_user("mediator")
    login("mediator@relais.example", OLD)
    assert client.get(ACCOUNTS).status_code == 403
    assert client.get(ACCOUNTS + "nouveau").status_code == 403
    assert "Comptes" not in client.get("/portail/gestion/lieux").get_data(as_text=True)


def test_an_unknown_account_is_a_404(client, admin):
    assert client.get(f"{ACCOUNTS}999999").status_code == 404
    token = csrf_token(client, ACCOUNTS)
    assert client.post(f"{ACCOUNTS}999999/invitation", data={"csrf_token": token}).status_code == 404


def edit_form(client, **fields):
    data = {"csrf_token": csrf_token(client, ACCOUNTS), "name": "Nom", "role": "mediator", "partner_id": ""}
    return {**data, "team": "", "active": "y", **fields}


def log_in(app, email, password=OLD):
    browser = app.test_client()
    token = csrf_token(browser, "/portail/connexion")
    browser.post("/portail/connexion", data={"csrf_token": token, "email": email, "password": password})
    assert browser.get("/portail/").status_code == 200
    return browser


def test_a_new_name_or_team_logs_nobody_out(app, client, admin, make_user):
    mediator = make_user("mediator")
    other = log_in(app, "mediator@relais.example")
    assert (
        client.post(f"{ACCOUNTS}{admin.id}", data=edit_form(client, name="Moi", role="admin")).status_code
        == 302
    )
    assert client.get(ACCOUNTS).status_code == 200  # the admin who renamed themselves
    done = client.post(f"{ACCOUNTS}{mediator.id}", data=edit_form(client, name="Paul", team="Sud"))
    assert done.status_code == 302
    assert other.get("/portail/").status_code == 200  # the renamed mediator too


def test_the_account_of_a_withdrawn_partner_can_still_be_saved(app, client, admin, make_user, partner):
    user = make_user("partner", email="asso@relais.example", partner=partner)
    with app.app_context():
        Partner.update(status="withdrawn").where(Partner.id == partner.id).execute()
        Partner.create(name="Pas encore confirmée", slug="pas-confirmee", status="pending")
    page = client.get(f"{ACCOUNTS}{user.id}").get_data(as_text=True)
    assert "Les Jardins &lt;b&gt;du&lt;/b&gt; Viguier (Retiré de l&#39;annuaire)" in page
    assert "Pas encore confirmée" not in page  # deleted after 7 days, with its accounts
    form = edit_form(client, name="Samia", role="partner", partner_id=str(partner.id))
    del form["active"]
    assert client.post(f"{ACCOUNTS}{user.id}", data=form).status_code == 302
    with app.app_context():
        assert not User.get_by_id(user.id).active


def test_a_forged_structure_is_refused(app, client, admin, partner):
    forged = invite(client, partner_id="999999")
    assert forged.status_code == 400 and "Ce choix n&#39;existe pas" in forged.get_data(as_text=True)


def test_an_accepted_invitation_sends_no_alarm(app, client, admin, partner, mailbox):
    invite(client, partner_id=str(partner.id))
    (invitation,) = deliver(app, mailbox)
    visitor = app.test_client()
    path = link_in(invitation)
    assert choose(visitor, path, "une phrase de bienvenue").status_code == 302
    assert [m["Subject"] for m in deliver(app, mailbox)] == ["Votre compte sur le portail Relais"]
    # A second submit (a double click) says what to do: the password is saved.
    again = choose(visitor, path, "une phrase de bienvenue")
    assert again.status_code == 400
    assert "Si vous venez de choisir votre mot de passe, connectez-vous" in again.get_data(as_text=True)


def test_no_new_invitation_for_someone_who_logged_in(app, client, admin, make_user, mailbox):
    mediator = make_user("mediator")
    assert "Envoyer une nouvelle invitation" in client.get(f"{ACCOUNTS}{mediator.id}").get_data(as_text=True)
    with app.app_context():
        User.update(last_login_at=utcnow()).where(User.id == mediator.id).execute()
    assert "Envoyer une nouvelle invitation" not in client.get(f"{ACCOUNTS}{mediator.id}").get_data(
        as_text=True
    )
    refused = client.post(
        f"{ACCOUNTS}{mediator.id}/invitation", data={"csrf_token": csrf_token(client, ACCOUNTS)}
    )
    assert refused.status_code == 409 and "Mot de passe oublié" in refused.get_data(as_text=True)
    assert deliver(app, mailbox) == []


def test_an_admin_demoted_meanwhile_changes_nothing(app, make_user):
    first, second = make_user("admin", email="a@relais.example"), make_user("admin", email="b@relais.example")
    with app.app_context():
        # Two admins demote each other at the same moment: the second to save is no longer an admin.
        accounts.update(second.id, first.id, name="B", role="mediator", partner=None, team="", active=True)
        with pytest.raises(accounts.LockOut):
            accounts.update(
                first.id, second.id, name="A", role="mediator", partner=None, team="", active=True
            )
        assert User.get_by_id(first.id).role == "admin"
