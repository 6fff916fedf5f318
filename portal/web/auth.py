"""Login, logout and role checks for mediators, admins and partner accounts."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from portal.services.referrals import OPEN, visible_to
from portal.store.db import utcnow
from portal.store.models import Event, Partner, Referral, User
from portal.web.auth_forms import LoginForm
from portal.web.extensions import limiter

bp = Blueprint("auth", __name__, url_prefix="/portail")

# Checked when the email is unknown, so that a wrong email and a wrong
# password take the same time and cannot be told apart.
_DUMMY_HASH = generate_password_hash("relais-dummy-password")


def safe_next(target):
    """Only same-site paths: never redirect a user to another site after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def login_rate_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("auth.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif user.check_password(form.password.data) and user.active:
            login_user(user, remember=form.remember.data)
            User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
            flash(f"Bienvenue, {user}.", "success")
            return redirect(safe_next(request.args.get("next")) or url_for("auth.dashboard"))
        form.password.errors.append("Adresse e-mail ou mot de passe incorrect.")
    return render_template("login.html", form=form), (200 if not form.errors else 400)


@bp.route("/deconnexion", methods=["GET", "POST"])
def logout():
    if request.method == "POST":
        if current_user.is_authenticated:
            # Not only this browser's cookie: every copy of every cookie of the account.
            current_user.end_sessions()
        logout_user()
        flash("Vous êtes déconnecté.", "success")
        return redirect(url_for("auth.login"))
    return render_template("logout.html")


@bp.get("/")
@login_required
def dashboard():
    counts = {}
    if current_user.is_staff:
        counts = {
            "to_moderate": Partner.awaiting_moderation().count(),
            "published_partners": Partner.published().count(),
            "upcoming_events": Event.upcoming().where(Event.status == "scheduled").count(),
        }
    if current_user.is_staff or current_user.partner_id:
        # Only the referrals this account may see: its team's, or its partner's.
        counts["open_referrals"] = visible_to(current_user).where(Referral.status.in_(OPEN)).count()
    return render_template("dashboard.html", counts=counts)
