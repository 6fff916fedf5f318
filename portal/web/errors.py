"""French error pages: every error a user can meet says what happened and what to do."""

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from peewee import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.services.errors import NotFound, Refused

MESSAGES = {
    400: ("Demande incorrecte", "Le navigateur a envoyé une demande que le portail ne comprend pas."),
    401: ("Connexion nécessaire", "Connectez-vous pour accéder à cette page."),
    403: ("Accès refusé", "Votre compte ne permet pas d'accéder à cette page."),
    404: ("Page introuvable", "Cette page n'existe pas ou n'existe plus. Vérifiez l'adresse."),
    405: ("Action impossible", "Cette page ne peut pas être utilisée de cette façon."),
    409: ("Action impossible", "Cette action n'est plus possible : la situation a changé entre-temps."),
    413: (
        "Envoi trop volumineux",
        "Ce que vous avez envoyé est trop gros. Raccourcissez vos textes et réessayez.",
    ),
    429: (
        "Trop de tentatives",
        "Vous avez fait trop d'essais en peu de temps. Attendez quelques minutes, puis réessayez.",
    ),
    500: (
        "Erreur du portail",
        "Un problème est survenu de notre côté. Réessayez dans un moment ; "
        "si cela continue, prévenez l'équipe de médiation.",
    ),
    503: ("Service indisponible", "Le portail est momentanément indisponible. Réessayez dans un moment."),
}
CSRF_MESSAGE = (
    "Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
    "Rechargez la page, vérifiez ce que vous aviez saisi, puis envoyez-le à nouveau."
)


def render_error(code, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if request.accept_mimetypes.best == "application/json":
        return make_response(jsonify(error=title, message=detail or text), code)
    return make_response(render_template("error.html", code=code, title=title, text=detail or text), code)


def handle_http(error):
    # A message we wrote ourselves (abort(409, "…")) is French and shown;
    # Werkzeug's and Flask-Limiter's English descriptions are not.
    own_message = error.description != type(error).description and error.code != 429
    detail = error.description if own_message else None
    response = render_error(error.code or 500, detail)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf(error):
    return render_error(400, CSRF_MESSAGE)


def handle_not_found(error):
    return render_error(404)


def handle_refused(error):
    """A rule said no: 409 with the rule's own French reason."""
    return render_error(409, str(error))


def handle_database_busy(error):
    """The database stayed locked or unreachable too long: say "try again",
    not "bug" (nothing was half-written: the transaction was rolled back)."""
    from flask import current_app

    current_app.logger.warning("Base de données indisponible : %s", error)
    return render_error(503)


def handle_unexpected(error):
    # Anything not an HTTPException is a bug: log it, answer in French.
    from flask import current_app

    current_app.logger.exception("Erreur inattendue", exc_info=error)
    return render_error(500)


def register(app):
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(NotFound, handle_not_found)
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(OperationalError, handle_database_busy)
    app.register_error_handler(Exception, handle_unexpected)
