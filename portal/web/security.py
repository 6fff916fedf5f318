"""HTTP security headers on every answer of the portal."""

from flask import abort, current_app, request

from portal.web.fields import has_control_character

# No inline script anywhere in the portal: scripts and styles come from
# /portail/static only, and no page may be framed by another site.
PORTAL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)
# The static site (served by Flask in development only) runs Material's own
# small inline scripts; it still may not be framed nor load anything foreign.
SITE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


# Browsers then refuse plain http for a year, even when a link or a person types http://.
HSTS = "max-age=31536000"


def is_portal(path):
    return path == "/portail" or path.startswith("/portail/")


def add_headers(response):
    # The site's catch-all route also answers unknown /portail/… paths (with a
    # 404): those are the portal's and get its strict policy.
    site_page = request.blueprint == "site" and not is_portal(request.path)
    csp = SITE_CSP if site_page else PORTAL_CSP
    if current_app.config["BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # make_conditional() (feeds, send_from_directory) adds a Date header, and the
    # HTTP server (Werkzeug's, gunicorn) always sends its own: answers had two.
    response.headers.pop("Date", None)
    return response


def refuse_control_characters():
    """No address names anything with NUL or another control character in it:
    refused before any view looks it up (NUL would fail on PostgreSQL, and in
    file paths). Forms check their own fields, with a message next to the field."""
    asked = [request.path, *request.args.keys(), *request.args.values()]
    if any(has_control_character(value) for value in asked):
        abort(400, "Cette adresse contient un caractère invisible qui n'est pas accepté. Vérifiez le lien.")


def register(app):
    app.before_request(refuse_control_characters)
    app.after_request(add_headers)
