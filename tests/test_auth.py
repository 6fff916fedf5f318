"""Login, logout, roles, CSRF and the login rate limit."""

import pytest
from flask import Blueprint

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
