"""The app shell: configuration, health, French errors, security headers, the site at /."""

import pytest

from portal import create_app


def test_health_runs_a_real_query(client):
    response = client.get("/portail/sante")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_says_when_the_database_is_gone(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/relais.db"})
    response = app.test_client().get("/portail/sante")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_404_in_french(client):
    response = client.get("/portail/nulle-part")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Page introuvable" in page
    assert "Not Found" not in page


def test_405_in_french(client):
    response = client.delete("/portail/connexion")
    assert response.status_code == 405
    assert "Action impossible" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


def test_413_in_french(client):
    response = client.post("/portail/connexion", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def test_500_in_french_without_details(app):
    @app.get("/portail/boum")
    def boom():
        raise ZeroDivisionError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/portail/boum")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur du portail" in page
    assert "secret internal detail" not in page and "ZeroDivisionError" not in page


def test_security_headers(client):
    headers = client.get("/portail/connexion").headers
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_portal_pages_have_no_inline_script(client):
    page = client.get("/portail/connexion").get_data(as_text=True)
    assert "<script" not in page
    assert " style=" not in page


def test_production_refuses_the_development_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/relais.db")
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://relais.example.org")
    app = create_app()
    assert app.config["SECRET_KEY"] == "a-real-secret-from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_settings_come_from_portal_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    monkeypatch.setenv("PORTAL_MAIL_PORT", "2525")
    app = create_app()
    assert app.config["DATABASE_URL"].endswith("other.db")
    assert app.config["MAIL_PORT"] == 2525


@pytest.fixture
def built_site(app, tmp_path):
    site = tmp_path / "site"
    (site / "annuaire").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Accueil du réseau</h1>")
    (site / "annuaire" / "index.html").write_text("<h1>Annuaire</h1>")
    app.config["SITE_DIR"] = str(site)
    return site


def text_of(client, url):
    with client.get(url) as response:  # closes the file Flask streamed
        return response.get_data(as_text=True)


def test_site_is_served_at_the_root(client, built_site):
    assert "Accueil du réseau" in text_of(client, "/")
    assert client.get("/annuaire").headers["Location"] == "/annuaire/"
    assert "Annuaire" in text_of(client, "/annuaire/")
    assert client.get("/nulle-part/").status_code == 404
    assert client.get("/../../etc/passwd").status_code == 404


def test_site_not_built_yet_says_how(client):
    response = client.get("/")
    assert response.status_code == 503
    assert "make run" in response.get_data(as_text=True)


def test_behind_a_proxy_the_visitor_address_is_used(sqlite_url):
    from tests.conftest import csrf_token, make_app

    app = make_app(sqlite_url, PROXIES=1, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    token = csrf_token(client, "/portail/connexion")

    def attempt(ip):
        data = {"csrf_token": token, "email": "x@relais.example", "password": "x"}
        return client.post("/portail/connexion", data=data, headers={"X-Forwarded-For": ip}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [400, 400, 429]
    assert attempt("203.0.113.2") == 400  # another visitor is not blocked


def test_under_https_login_cookies_are_secure_and_hsts_is_sent(sqlite_url):
    from tests.conftest import csrf_token, make_app

    app = make_app(sqlite_url, BASE_URL="https://relais.example.org")
    with app.app_context():
        from portal.store.models import User

        User.register(email="m@relais.example", password="mot-de-passe-solide", role="mediator")
    client = app.test_client()
    token = csrf_token(client, "https://relais.example.org/portail/connexion")
    response = client.post(
        "https://relais.example.org/portail/connexion",
        headers={"Referer": "https://relais.example.org/portail/connexion"},  # checked under https
        data={
            "csrf_token": token,
            "email": "m@relais.example",
            "password": "mot-de-passe-solide",
            "remember": "y",
        },
    )
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = [flag.strip().lower() for flag in cookies[name].split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]
    hsts = response.headers["Strict-Transport-Security"]
    assert int(hsts.removeprefix("max-age=").split(";")[0]) >= 31536000
    assert "Strict-Transport-Security" in client.get("https://relais.example.org/portail/sante").headers


def test_plain_http_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/portail/connexion").headers


def test_unknown_portal_paths_get_the_portal_policy(client):
    for path in ("/portail/nimporte-quoi", "/portail/gestion/inconnue/1"):
        response = client.get(path)
        assert response.status_code == 404
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "form-action 'self'" in policy, path


def test_the_site_keeps_its_own_policy(client, built_site):
    with client.get("/") as response:
        assert "unsafe-inline" in response.headers["Content-Security-Policy"]


def test_csv_answers_say_their_charset_once(app, client, login, make_user):
    from datetime import timedelta

    from portal.store.db import utcnow
    from portal.store.models import EVENT_KINDS, Event

    make_user("admin")
    login("admin@relais.example", "mot-de-passe-solide")
    with app.app_context():
        start = utcnow() + timedelta(days=3)
        event = Event.create(
            kind=next(iter(EVENT_KINDS)),
            title="Rencontre",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
    for url in (
        "/portail/export/structures.csv",
        "/portail/export/services.csv",
        "/portail/statistiques.csv",
        f"/portail/rencontres/{event.id}/participants.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
