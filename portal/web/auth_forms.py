"""The login form and the password forms."""

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.services.accounts import PASSWORD_MAX_LENGTH, password_problem
from portal.web.fields import REQUIRED, FlaskForm, email_field


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[
            DataRequired(REQUIRED),
            Email(
                "Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).",
                check_deliverability=False,
            ),
            Length(max=254, message="Cette adresse est trop longue."),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Mot de passe",
        validators=[
            DataRequired(REQUIRED),
            Length(max=PASSWORD_MAX_LENGTH, message="Ce mot de passe est trop long."),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Rester connecté sur cet appareil")


class ForgottenPasswordForm(FlaskForm):
    email = email_field("Adresse e-mail de votre compte")


def follows_the_password_rule(form, field):
    problem = password_problem(field.data or "", getattr(form, "account_email", ""))
    if problem:
        raise ValidationError(problem)


class NewPasswordForm(FlaskForm):
    """``account_email`` (set by the view) is refused as a password."""

    password = PasswordField(
        "Nouveau mot de passe",
        validators=[DataRequired(REQUIRED), follows_the_password_rule],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Le même mot de passe, une seconde fois",
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", "Les deux mots de passe ne sont pas identiques."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Mot de passe actuel",
        validators=[DataRequired(REQUIRED), Length(max=PASSWORD_MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
