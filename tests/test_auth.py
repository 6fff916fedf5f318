"""Login, logout, roles, CSRF and the login rate limit."""

import pytest
from flask import Blueprint

from portal.store.models import User
from portal.web.helpers import roles_required
from tests.conftest import csrf_token


def test_login_then_logout(client, login, make_user):
    make_user("mediator", email="Mediatrice@Relais.example")
    response = login("mediatrice@relais.example", "mot-de-passe-solide")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Médiateur, médiatrice" in page
    assert "orientations en cours" in page

    token = csrf_token(client, "/portail/deconnexion")
    response = client.post("/portail/deconnexion", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/portail/").status_code == 302  # back to the login page


def test_wrong_password_keeps_the_email_and_says_why(client, login, make_user):
    make_user("admin", email="admin@relais.example")
    response = login("admin@relais.example", "mauvais")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect." in page
    assert 'value="admin@relais.example"' in page


def test_unknown_email_gives_the_same_answer(client, login):
    page = login("personne@relais.example", "mauvais").get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in page


def test_invalid_email_is_explained(client, login):
    page = login("pas-une-adresse", "x").get_data(as_text=True)
    assert "Cette adresse e-mail n&#39;est pas valide" in page


def test_inactive_account_cannot_log_in(client, login, make_user):
    user = make_user("mediator")
    user.active = False
    user.save()
    assert login("mediator@relais.example", "mot-de-passe-solide").status_code == 400


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("admin", email="admin@relais.example")
    response = client.post(
        "/portail/connexion", data={"email": "admin@relais.example", "password": "mot-de-passe-solide"}
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert client.get("/portail/").status_code == 302  # still not logged in


def test_login_never_redirects_to_another_site(client, make_user):
    make_user("admin", email="admin@relais.example")
    for target, expected in [
        ("https://evil.example/", "/portail/"),
        ("//evil.example", "/portail/"),
        ("/portail/sante", "/portail/sante"),
    ]:
        client.get("/portail/deconnexion")
        with client.session_transaction() as session:
            session.clear()
        token = csrf_token(client, "/portail/connexion")
        response = client.post(
            f"/portail/connexion?next={target}",
            data={"csrf_token": token, "email": "admin@relais.example", "password": "mot-de-passe-solide"},
        )
        assert response.headers["Location"] == expected


def test_login_is_rate_limited(client):
    token = csrf_token(client, "/portail/connexion")
    codes = [
        client.post(
            "/portail/connexion", data={"csrf_token": token, "email": "x@relais.example", "password": "x"}
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    response = client.post(
        "/portail/connexion", data={"csrf_token": token, "email": "x@relais.example", "password": "x"}
    )
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert client.get("/portail/connexion").status_code == 200  # reading the page is not limited


@pytest.fixture
def app_with_role_pages(app):
    bp = Blueprint("role_test", __name__)

    @bp.get("/portail/test/admin")
    @roles_required("admin")
    def admin_only():
        return "admin ok"

    @bp.get("/portail/test/staff")
    @roles_required("admin", "mediator")
    def staff_only():
        return "staff ok"

    app.register_blueprint(bp)
    return app


@pytest.mark.parametrize(
    "role, admin_page, staff_page",
    [("admin", 200, 200), ("mediator", 403, 200), ("partner", 403, 403)],
)
def test_roles(app_with_role_pages, client, login, make_user, role, admin_page, staff_page):
    make_user(role)
    login(f"{role}@relais.example", "mot-de-passe-solide")
    assert client.get("/portail/test/admin").status_code == admin_page
    assert client.get("/portail/test/staff").status_code == staff_page


def test_anonymous_is_sent_to_login(app_with_role_pages, client):
    response = client.get("/portail/test/staff")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/portail/connexion?next=")


def test_partner_dashboard_names_its_structure(client, login, make_user):
    make_user("partner")
    login("partner@relais.example", "mot-de-passe-solide")
    page = client.get("/portail/").get_data(as_text=True)
    assert "Association test" in page
    assert "En attente de validation" in page


def test_create_user_command(runner, app):
    result = runner.invoke(
        args=["create-user", "--email", "Nadia@Relais.example", "--role", "mediator", "--name", "Nadia"],
        input="un-mot-de-passe-long\nun-mot-de-passe-long\n",
    )
    assert result.exit_code == 0, result.output
    assert "Compte créé : nadia@relais.example" in result.output
    again = runner.invoke(
        args=["create-user", "--email", "nadia@relais.example", "--role", "admin"],
        input="un-mot-de-passe-long\nun-mot-de-passe-long\n",
    )
    assert again.exit_code != 0 and "existe déjà" in again.output
    short = runner.invoke(
        args=["create-user", "--email", "b@relais.example", "--role", "admin"], input="court\ncourt\n"
    )
    assert short.exit_code != 0 and "au moins 10 caractères" in short.output
    orphan = runner.invoke(
        args=["create-user", "--email", "c@relais.example", "--role", "partner"],
        input="un-mot-de-passe-long\nun-mot-de-passe-long\n",
    )
    assert orphan.exit_code != 0 and "--partner" in orphan.output


# -- a login ends for good ------------------------------------------------------------


def logged_in_cookies(client, login, make_user, role="mediator"):
    """Log in with "remember me" and return (user, session cookie, remember cookie)."""
    user = make_user(role)
    token = csrf_token(client, "/portail/connexion")
    client.post(
        "/portail/connexion",
        data={"csrf_token": token, "email": user.email, "password": "mot-de-passe-solide", "remember": "y"},
    )
    assert client.get("/portail/").status_code == 200
    session = client.get_cookie("session").value
    remember = client.get_cookie("remember_token").value
    return user, session, remember


def replays(app, session=None, remember=None):
    """A fresh browser holding only copies of the cookies: is it still logged in?"""
    thief = app.test_client()
    if session:
        thief.set_cookie("session", session, domain="localhost")
    if remember:
        thief.set_cookie("remember_token", remember, domain="localhost")
    response = thief.get("/portail/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"]
    return False


def test_copied_cookies_work_until_the_login_ends(app, client, login, make_user):
    """The control: without a logout, each copy on its own logs in (so the tests below can fail)."""
    _, session, remember = logged_in_cookies(client, login, make_user)
    assert replays(app, session=session)
    assert replays(app, remember=remember)


def test_logout_ends_every_copy_of_the_cookies(app, client, login, make_user):
    _, session, remember = logged_in_cookies(client, login, make_user)
    token = csrf_token(client, "/portail/deconnexion")
    assert client.post("/portail/deconnexion", data={"csrf_token": token}).status_code == 302
    assert not replays(app, session=session)
    assert not replays(app, remember=remember)
    assert not replays(app, session=session, remember=remember)


def test_logout_on_one_device_ends_the_others(app, client, login, make_user):
    _, session, remember = logged_in_cookies(client, login, make_user)
    other = app.test_client()
    other.set_cookie("session", session, domain="localhost")
    token = csrf_token(other, "/portail/deconnexion")
    other.post("/portail/deconnexion", data={"csrf_token": token})
    assert client.get("/portail/").status_code == 302
    assert not replays(app, remember=remember)


def change_password(user):
    user.set_password("un-autre-mot-de-passe")
    user.save()


def deactivate(user):
    user.active = False
    user.save()


def make_admin(user):
    user.role = "admin"
    user.save()


@pytest.mark.parametrize("change", [change_password, deactivate, make_admin])
def test_a_new_password_role_or_deactivation_ends_earlier_logins(app, client, login, make_user, change):
    user, session, remember = logged_in_cookies(client, login, make_user)
    with app.app_context():
        change(User.get_by_id(user.id))
    assert client.get("/portail/").status_code == 302
    assert not replays(app, session=session)
    assert not replays(app, remember=remember)


def test_other_changes_keep_the_login(app, client, login, make_user):
    user, session, _ = logged_in_cookies(client, login, make_user)
    with app.app_context():
        account = User.get_by_id(user.id)
        account.name = "Samira O."
        account.save()
    assert replays(app, session=session)


def test_cookies_never_carry_the_account_id(app, client, login, make_user):
    user, _, remember = logged_in_cookies(client, login, make_user)
    with client.session_transaction() as session:
        assert session["_user_id"] == user.session_token != str(user.id)
    assert remember.split("|")[0] == user.session_token
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what a cookie of before held
    client.delete_cookie("remember_token", domain="localhost")
    assert client.get("/portail/").status_code == 302
