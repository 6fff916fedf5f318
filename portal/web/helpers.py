"""Plumbing every blueprint shares: access decorators, 404s, CSV answers."""

import csv
import io
from functools import wraps

from flask import Response, abort, after_this_request, current_app
from flask_login import current_user, login_required
from playhouse.flask_utils import get_object_or_404  # noqa: F401  (re-exported for the views)

from portal.settings import Settings
from portal.site.publish import request_rebuild
from portal.store.models import STAFF_ROLES


def roles_required(*roles):
    """Logged in and holding one of ``roles``; anything else is a 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(*STAFF_ROLES)
partner_required = roles_required("partner")


def response_headers(**headers):
    """A view decorator setting these headers on its answer, error pages
    included (after_this_request also runs for a 404 or 409 the view raised)."""
    names = {name.replace("_", "-"): value for name, value in headers.items()}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            @after_this_request
            def set_headers(response):
                response.headers.update(names)
                return response

            return view(*args, **kwargs)

        return wrapped

    return decorator


# The answer shows a person's data: no browser or proxy may keep a copy.
no_store = response_headers(Cache_Control="no-store")
# The address holds a secret token: links followed from the page must not carry
# it, in a Referer, to any log (ours or another site's).
no_referrer = response_headers(Referrer_Policy="no-referrer")


def csv_response(filename, header, rows):
    """A CSV download Excel opens with accents intact (BOM, semicolons, CRLF).

    Cells are written as given: callers pass values through
    ``spreadsheet_safe`` where a user typed them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        "\ufeff" + buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def settings():
    """The Settings the services need, from this app's configuration (read at
    each call: tests and `relais` commands may change the configuration)."""
    app = current_app._get_current_object()
    return Settings.from_config(app.config, public_content_changed=lambda: request_rebuild(app))
