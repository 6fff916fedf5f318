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
