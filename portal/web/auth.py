"""Login, logout, the account page and forgotten passwords, for mediators,
admins and partner accounts."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from portal.services import accounts, tokens
from portal.services.errors import Refused
from portal.services.referrals import OPEN, visible_to
from portal.store.db import utcnow
from portal.store.models import Event, Partner, Referral, User
from portal.web.auth_forms import ChangePasswordForm, ForgottenPasswordForm, LoginForm, NewPasswordForm
from portal.web.extensions import limiter
from portal.web.helpers import no_referrer, no_store, settings

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


# -- the account page ------------------------------------------------------------------


@bp.route("/compte", methods=["GET", "POST"])
@login_required
@no_store
@limiter.limit(login_rate_limit, methods=["POST"])  # a borrowed session cannot guess the password
def account():
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        try:
            user = accounts.change_password(
                current_user.id, form.current.data, form.password.data, settings()
            )
        except accounts.WrongPassword as error:
            form.current.errors.append(str(error))
        else:
            # The new password ended every login, this one too: this browser logs in
            # again, and stays logged in if it was (« Rester connecté »).
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(user, remember=remembered)
            flash("Votre mot de passe a été changé. Vos autres appareils sont déconnectés.", "success")
            return redirect(url_for("auth.account"))
    page = render_template("account.html", form=form, password_help=accounts.PASSWORD_HELP)
    return page, (400 if form.errors else 200)


# -- forgotten password ----------------------------------------------------------------


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def forgotten_password():
    """The answer is the same whether the address has an account or not, so
    nobody can learn who has one."""
    form = ForgottenPasswordForm()
    validity = accounts.LINKS["password"].validity
    if form.validate_on_submit():
        accounts.send_reset_link(form.email.data, settings())
        return render_template("password_link_sent.html", email=form.email.data, validity=validity)
    page = render_template("forgotten_password.html", form=form, validity=validity)
    return page, (400 if form.errors else 200)


def choose_password(token, purpose):
    """The page of an emailed link (a forgotten password, an invitation) where
    the account's password is chosen; the link works once."""
    form = NewPasswordForm()
    try:
        user = accounts.account_of_link(purpose, token, settings())
        form.account_email = user.email
        if form.validate_on_submit():
            # Checked again under the lock: the link may have served meanwhile, in another tab.
            accounts.choose_password(purpose, token, form.password.data, settings())
            flash("Votre mot de passe est enregistré. Connectez-vous avec lui.", "success")
            return redirect(url_for("auth.login"))
    except (tokens.LinkError, Refused) as error:
        return render_template("password_link_problem.html", message=str(error)), 400
    page = render_template(
        "choose_password.html",
        form=form,
        user=user,
        welcome=purpose == "invitation",
        password_help=accounts.PASSWORD_HELP,
    )
    return page, (400 if form.errors else 200)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@no_referrer
@no_store
def reset_password(token):
    return choose_password(token, "password")


@bp.route("/bienvenue/<token>", methods=["GET", "POST"])
@no_referrer
@no_store
def welcome(token):
    return choose_password(token, "invitation")
