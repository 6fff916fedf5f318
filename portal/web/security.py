"""HTTP security headers on every answer of the portal."""

from flask import request

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


def add_headers(response):
    csp = SITE_CSP if request.blueprint == "site" else PORTAL_CSP
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def register(app):
    app.after_request(add_headers)
