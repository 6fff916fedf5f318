"""Relais: the portal of a social mediation team's partner network."""

import os
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import web
from portal.store import db as database

DEV_SECRET_KEY = "dev-only-not-secret"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_database_url(instance_path=PROJECT_ROOT / "instance"):
    """SQLite file in the instance folder (shared by the portal and `mkdocs build`)."""
    return "sqlite:///" + os.path.join(instance_path, "relais.db")


def default_config(app):
    return {
        "ENV": "production",
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": default_database_url(app.instance_path),
        "SQLITE_BUSY_TIMEOUT_MS": 10_000,  # how long a write waits for another writer's lock
        "BASE_URL": "http://127.0.0.1:8000",
        "SITE_DIR": str(PROJECT_ROOT / "site"),
        "SERVE_SITE": True,
        "MKDOCS_CONFIG": str(PROJECT_ROOT / "mkdocs.yml"),
        "SITE_AUTO_REBUILD": True,  # rebuild the public site when published content changes
        "SITE_REBUILD_DELAY": 5,  # seconds without change before the site is rebuilt
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "Relais <ne-pas-repondre@relais.localhost>",
        "MAIL_SEND_INTERVAL": 30,  # seconds between two rounds of `send-mail --loop` and of the dev sender
        "MAIL_BACKGROUND_SENDER": True,  # `relais run` in development sends queued emails itself
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "10 per minute; 50 per hour",
        "REGISTRATION_RATE_LIMIT": "10 per hour",  # registrations and link requests per address
        "REGISTRATION_MIN_SECONDS": 3,  # a person needs longer than this to fill the form
        "REFERRAL_REMIND_DAYS": 10,  # without an answer, the partner is reminded once
        "REFERRAL_EXPIRE_DAYS": 30,  # without an answer, the referral expires
        "REFERRAL_SENDER_REMIND_DAYS": 30,  # accepted but not taken in charge: the sender is told
        "REFERRAL_RETENTION_DAYS": 730,  # finished referrals lose their personal data after this
        "SITE_LANGUAGES": "",  # tenant pages' languages; empty: fr,en,ar (portal/site/languages.py)
        "ORGANIZER_EMAIL": "",  # ORGANIZER of one-event .ics files; empty: the sender
        "DATA_SOURCE": "",  # data·inclusion `source`; empty: derived from BASE_URL
        "TEAM_NAME": "",  # the team's name in the data·inclusion export; empty: a generic one
        "IMPORT_MAX_BYTES": 20 * 1024 * 1024,  # largest file of the staff import page
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "PROXIES": 0,  # reverse proxies in front of the portal (nginx: 1)
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # "Rester connecté": a month, not Flask-Login's year; a logout ends it anyway.
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
    }


def create_app(test_config=None):
    # Static files under /portail/ too: in production the web server sends only
    # /portail/ to the portal (the rest of the URL space is the static site).
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
        static_url_path="/portail/static",
    )
    app.config.from_mapping(default_config(app))
    if test_config is None:
        app.config.from_prefixed_env("PORTAL")
    else:
        app.config.from_mapping(test_config)
    check_secret_key(app)
    if app.config["BASE_URL"].startswith("https://"):
        # Neither login cookie may ever travel over plain http.
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["PROXIES"]:
        # Trust X-Forwarded-* from that many proxies, so that rate limits see
        # the visitor's address and not the proxy's.
        hops = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    database.bind(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
    # Peewee connects on the first query of a request; close at its end.
    app.teardown_request(close_connection)

    from portal.web.helpers import register_converters

    register_converters(app)  # before the blueprints: their <int:…> must be bounded
    web.register(app)

    from portal.mail.sender import init_app as init_mail

    init_mail(app)

    from portal.cli import register_commands

    register_commands(app)
    return app


def check_secret_key(app):
    """Refuse to run in production with the development key: sessions and
    signed links would be forgeable by anyone who read this file."""
    if app.config["ENV"] == "production" and not app.testing and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError(
            "PORTAL_SECRET_KEY n'est pas défini : le portail refuse de démarrer en production "
            "sans clé secrète. Générez-en une avec "
            "python -c 'import secrets; print(secrets.token_hex(32))' "
            "ou lancez-le en développement avec PORTAL_ENV=development."
        )


def close_connection(exc):
    if not database.db.is_closed():
        database.db.close()
