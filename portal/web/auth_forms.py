"""The login form."""

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
)
from wtforms.validators import DataRequired, Email, Length

from portal.web.fields import REQUIRED, FlaskForm


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
        validators=[DataRequired(REQUIRED), Length(max=200, message="Ce mot de passe est trop long.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Rester connecté sur cet appareil")


# -- partners -------------------------------------------------------------------
