"""The admin's pages for the portal's accounts: invite a person, change what
an account may do, deactivate it, send the invitation again. Admins only:
mediators run the network, admins decide who may log in."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.services import accounts
from portal.services.errors import Refused
from portal.store.models import Partner, User
from portal.web.accounts.forms import EditAccountForm, InvitationForm
from portal.web.helpers import get_object_or_404, roles_required, settings

bp = Blueprint("accounts", __name__, url_prefix="/portail/gestion/comptes")


@bp.before_request
@roles_required("admin")
def admins_only():
    """One check for the whole blueprint, so that no page can forget it."""


@bp.get("/")
def account_list():
    users = User.select(User, Partner).left_outer_join(Partner).order_by(User.role, User.name, User.email)
    return render_template("accounts/index.html", users=users)


@bp.route("/nouveau", methods=["GET", "POST"])
def invite():
    form = InvitationForm().set_partner_choices()
    if form.validate_on_submit():
        try:
            user = accounts.invite(
                settings(),
                email=form.email.data,
                role=form.role.data,
                name=form.name.data,
                partner=form.chosen_partner(),
                team=form.team.data,
            )
        except Refused as error:
            form.email.errors.append(str(error))
        else:
            flash(f"Compte créé : une invitation est envoyée à {user.email}.", "success")
            return redirect(url_for("accounts.account_list"))
    return show_form(form, None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id):
    user = get_object_or_404(User.select(), User.id == user_id)
    form = EditAccountForm(obj=user).set_partner_choices(current=user.partner_id)
    if form.validate_on_submit():
        try:
            accounts.update(
                user.id,
                current_user.id,
                name=form.name.data,
                role=form.role.data,
                partner=form.chosen_partner(),
                team=form.team.data,
                active=form.active.data,
            )
        except accounts.LockOut as error:
            unticked = user.id == current_user.id and not form.active.data
            (form.active if unticked else form.role).errors.append(str(error))
        else:
            flash("Compte enregistré.", "success")
            return redirect(url_for("accounts.account_list"))
    return show_form(form, user)


def show_form(form, user):
    page = render_template(
        "accounts/form.html", form=form, user=user, validity=accounts.LINKS["invitation"].validity
    )
    return page, (400 if form.errors else 200)


@bp.post("/<int:user_id>/invitation")
def send_invitation(user_id):
    user = accounts.invite_again(user_id, settings())
    flash(f"Une nouvelle invitation est envoyée à {user.email}.", "success")
    return redirect(url_for("accounts.edit", user_id=user.id))
