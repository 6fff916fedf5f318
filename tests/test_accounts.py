"""The account page (change the password) and the forgotten-password link."""

from portal.services import accounts
from tests.conftest import csrf_token, deliver
from tests.test_partners import link_in

FORGOTTEN = "/portail/mot-de-passe-oublie"
OLD, NEW = "mot-de-passe-solide", "une phrase facile à retenir"


def ask_link(client, email):
    return client.post(FORGOTTEN, data={"csrf_token": csrf_token(client, FORGOTTEN), "email": email})


def choose(client, path, password, confirm=None):
    # The session's CSRF token, from a page that has a form whatever the link's state.
    token = csrf_token(client, FORGOTTEN)
    data = {"csrf_token": token, "password": password, "confirm": confirm or password}
    return client.post(path, data=data)


def reset_link(app, client, mailbox, email="mediator@relais.example"):
    ask_link(client, email)
    (message,) = [m for m in deliver(app, mailbox) if m["Subject"] == "Choisir un nouveau mot de passe"]
    assert message["To"] == email
    return link_in(message)


def test_a_forgotten_password_is_replaced_through_the_emailed_link_once(
    app, client, login, make_user, mailbox
):
    make_user("mediator")
    page = ask_link(client, "Mediator@Relais.example").get_data(as_text=True)
    assert "Regardez votre boîte e-mail" in page
    (message,) = deliver(app, mailbox)
    path = link_in(message)
    assert "valable 2 heures" in message.get_body(("plain",)).get_content()

    form = client.get(path)
    assert form.status_code == 200 and "mediator@relais.example" in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert form.headers["Cache-Control"] == "no-store"

    mismatch = choose(client, path, NEW, "autre chose encore")
    assert mismatch.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.get_data(as_text=True)

    done = choose(client, path, NEW)
    assert done.status_code == 302 and done.headers["Location"] == "/portail/connexion"
    assert login("mediator@relais.example", OLD).status_code == 400
    assert login("mediator@relais.example", NEW).status_code == 302
    assert [m["Subject"] for m in deliver(app, mailbox)][-1] == "Votre mot de passe a été changé"

    # The same link again (a second tab, a double submit): used up.
    again = choose(client, path, "encore un autre mot de passe")
    assert again.status_code == 400 and "déjà servi" in again.get_data(as_text=True)
    assert client.get(path).status_code == 400


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_email(app, client, make_user, mailbox):
    user = make_user("mediator")
    with app.app_context():
        user.active = False
        user.save()
    known = ask_link(client, "mediator@relais.example").get_data(as_text=True)
    unknown = ask_link(client, "personne@relais.example").get_data(as_text=True)
    assert "Regardez votre boîte e-mail" in known and "Regardez votre boîte e-mail" in unknown
    assert deliver(app, mailbox) == []


def test_an_expired_or_mangled_link_offers_a_new_one(app, client, make_user, mailbox, monkeypatch):
    make_user("mediator")
    path = reset_link(app, client, mailbox)
    monkeypatch.setitem(accounts.LINKS, "password", accounts.LINKS["password"]._replace(max_age=-1))
    expired = client.get(path)
    page = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "expiré" in page and FORGOTTEN in page
    assert choose(client, path, NEW).status_code == 400
    mangled = client.get(path[:-4] + "abcd")
    assert mangled.status_code == 400 and "copié en entier" in mangled.get_data(as_text=True)


def test_a_link_stops_working_once_the_password_changed_otherwise(app, client, make_user, mailbox):
    user = make_user("mediator")
    path = reset_link(app, client, mailbox)
    with app.app_context():
        user.set_password("changé par un administrateur")
        user.save()
    assert client.get(path).status_code == 400


def test_a_new_password_follows_the_rule(app, client, make_user, mailbox):
    make_user("mediator")
    path = reset_link(app, client, mailbox)
    short = choose(client, path, "court")
    assert short.status_code == 400
    assert "au moins 10 caractères" in short.get_data(as_text=True)
    same = choose(client, path, "Mediator@relais.example")
    assert "ne peut pas être votre adresse e-mail" in same.get_data(as_text=True)
    assert client.get(path).status_code == 200  # nothing was used up


def test_asking_for_links_is_rate_limited(client):
    token = csrf_token(client, FORGOTTEN)
    codes = [
        client.post(FORGOTTEN, data={"csrf_token": token, "email": "x@relais.example"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10 and codes[10] == 429


# -- the account page ------------------------------------------------------------------


def change(client, current, password, confirm=None):
    data = {
        "csrf_token": csrf_token(client, "/portail/compte"),
        "current": current,
        "password": password,
        "confirm": confirm or password,
    }
    return client.post("/portail/compte", data=data)


def test_changing_the_password_keeps_this_browser_and_logs_out_the_others(
    app, client, login, make_user, mailbox
):
    make_user("partner", email="asso@relais.example")
    other = app.test_client()
    for browser in (client, other):
        token = csrf_token(browser, "/portail/connexion")
        browser.post(
            "/portail/connexion",
            data={"csrf_token": token, "email": "asso@relais.example", "password": OLD},
        )
        assert browser.get("/portail/compte").status_code == 200

    done = change(client, OLD, NEW)
    assert done.status_code == 302
    page = client.get("/portail/compte").get_data(as_text=True)
    assert "Votre mot de passe a été changé" in page and "Association test" in page
    assert other.get("/portail/compte").status_code == 302  # to the login page
    (message,) = deliver(app, mailbox)
    assert message["Subject"] == "Votre mot de passe a été changé"
    assert message["To"] == "asso@relais.example"


def test_a_wrong_current_password_changes_nothing(app, client, login, make_user, mailbox):
    make_user("admin")
    login("admin@relais.example", OLD)
    wrong = change(client, "pas le bon", NEW)
    assert wrong.status_code == 400
    assert "Le mot de passe actuel n&#39;est pas le bon." in wrong.get_data(as_text=True)
    short = change(client, OLD, "court")
    assert short.status_code == 400 and "au moins 10 caractères" in short.get_data(as_text=True)
    assert deliver(app, mailbox) == []
    assert client.get("/portail/compte").status_code == 200  # still logged in, same password
    client.post("/portail/deconnexion", data={"csrf_token": csrf_token(client, "/portail/deconnexion")})
    assert login("admin@relais.example", OLD).status_code == 302


def test_the_account_page_needs_a_login(client):
    response = client.get("/portail/compte")
    assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"]


def test_the_login_page_offers_the_forgotten_password_link(client):
    assert FORGOTTEN in client.get("/portail/connexion").get_data(as_text=True)


def test_the_account_page_is_rate_limited(client, login, make_user):
    make_user("mediator")
    login("mediator@relais.example", OLD)
    codes = [change(client, "pas le bon", NEW).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_a_remembered_browser_stays_remembered_after_a_new_password(app, client, make_user):
    make_user("mediator")
    token = csrf_token(client, "/portail/connexion")
    data = {"csrf_token": token, "email": "mediator@relais.example", "password": OLD, "remember": "y"}
    client.post("/portail/connexion", data=data)
    before = client.get_cookie("remember_token").value
    assert change(client, OLD, NEW).status_code == 302
    after = client.get_cookie("remember_token")
    assert after is not None and after.value != before
