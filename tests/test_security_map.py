"""SECURITY.md lists every endpoint with its protections, and they are real.

Adding a route without documenting it fails here; so does documenting a
protection the route does not have.
"""

import re

import pytest
from flask import url_for

from tests.conftest import ROOT, csrf_token

ROW = re.compile(
    r"^\| `(?P<endpoint>[\w.]+)` \| `(?P<url>[^`]+)` \| (?P<methods>[A-Z, ]+) \| (?P<csrf>[^|]+) \|"
    r" (?P<access>[^|]+) \| (?P<limit>[^|]+) \|$"
)
NEEDS_LOGIN = {"login", "staff", "admin", "partner"}


def documented():
    rows = {}
    for line in (ROOT / "SECURITY.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[match["endpoint"]] = {key: value.strip() for key, value in match.groupdict().items()}
    return rows


def endpoints(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def sample_url(app, rule):
    values = {
        arg: (
            "jeton"
            if "token" in arg
            else "rencontre"
            if arg == "kind"
            else "x"
            if arg in ("slug", "path")
            else "accepter"
            if arg == "action"
            else 1
        )
        for arg in rule.arguments
    }
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_endpoint_is_documented(app):
    rows = documented()
    missing = sorted(set(endpoints(app)) - set(rows))
    stale = sorted(set(rows) - set(endpoints(app)))
    assert not missing, f"À ajouter dans SECURITY.md : {missing}"
    assert not stale, f"À retirer de SECURITY.md (n'existent plus) : {stale}"


def request(client, method, url, token=None):
    data = {"csrf_token": token} if token else {}
    return client.get(url) if method == "GET" else client.post(url, data=data)


def test_documented_logins_are_required(app, client):
    rules = endpoints(app)
    for endpoint, row in documented().items():
        if row["access"] not in NEEDS_LOGIN:
            continue
        rule = rules[endpoint]
        method = "GET" if "GET" in rule.methods else "POST"
        token = csrf_token(client, "/portail/connexion")
        response = request(client, method, sample_url(app, rule), token)
        assert response.status_code == 302 and "/portail/connexion" in response.headers["Location"], endpoint


@pytest.mark.parametrize(("role", "refused"), [("partner", ("staff", "admin")), ("mediator", ("admin",))])
def test_documented_staff_and_admin_pages_refuse_the_others(app, client, make_user, login, role, refused):
    make_user(role)
    login(f"{role}@relais.example", "mot-de-passe-solide")
    token = csrf_token(client, "/portail/deconnexion")
    rules = endpoints(app)
    for endpoint, row in documented().items():
        if row["access"] not in refused:
            continue
        rule = rules[endpoint]
        method = "GET" if "GET" in rule.methods else "POST"
        response = request(client, method, sample_url(app, rule), token)
        assert response.status_code in (403, 404), (endpoint, response.status_code)


def test_documented_csrf_protection_is_real(app, client, make_user, login):
    make_user("admin")
    login("admin@relais.example", "mot-de-passe-solide")
    rules = endpoints(app)
    for endpoint, row in documented().items():
        if row["csrf"] != "yes":
            continue
        rule = rules[endpoint]
        assert "POST" in rule.methods, endpoint
        response = client.post(sample_url(app, rule), data={})
        assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True), (
            endpoint
        )


def test_every_form_endpoint_is_csrf_protected(app):
    """No POST route is documented without CSRF protection."""
    rules = endpoints(app)
    for endpoint, row in documented().items():
        if "POST" in rules[endpoint].methods:
            assert row["csrf"] == "yes", endpoint


def test_documented_partner_pages_refuse_staff(app, client, make_user, login):
    make_user("mediator")
    login("mediator@relais.example", "mot-de-passe-solide")
    rules = endpoints(app)
    for endpoint, row in documented().items():
        if row["access"] == "partner":
            response = client.get(sample_url(app, rules[endpoint]))
            assert response.status_code == 403, endpoint
