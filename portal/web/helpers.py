"""Plumbing every blueprint shares: access decorators, 404s, CSV answers,
and the bounds of what a URL may ask for (ids, pages, days)."""

import csv
import io
from datetime import date
from functools import wraps

from flask import Response, abort, after_this_request, current_app, request
from flask_login import current_user, login_required
from playhouse.flask_utils import get_object_or_404  # noqa: F401  (re-exported for the views)
from werkzeug.routing import IntegerConverter

from portal.settings import Settings
from portal.site.publish import request_rebuild
from portal.store.models import STAFF_ROLES
from portal.web.fields import FIRST_DAY, LAST_DAY, MAX_INTEGER


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


def with_headers(**headers):
    """A decorator adding these headers to the view's answer, whatever its
    status: error pages included (after_this_request also runs for a 404 or
    a 409 the view raised, e.g. a refused answer on a page reached by a token)."""
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


# A page showing a person's data: no browser or proxy keeps a copy.
no_store = with_headers(Cache_Control="no-store")
# A page reached through a token in its address: the token never leaves in a Referer.
no_referrer = with_headers(Referrer_Policy="no-referrer")


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


# -- what a URL may ask for -------------------------------------------------------------


class BoundedIntConverter(IntegerConverter):
    """<int:…> in every route: a number larger than any id a database column can
    hold (PostgreSQL's integer) matches nothing, so it is a 404, not a crash."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INTEGER, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app):
    """Before any blueprint: rules take their converters when they are added."""
    app.url_map.converters["int"] = BoundedIntConverter


MAX_PAGE = 100_000  # far beyond any list the portal shows; keeps OFFSET a small number


def page_number():
    """?page=N of a list, from 1 to MAX_PAGE; anything else is page 1 (or the last allowed)."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


def query_day(value):
    """A day asked for in a query string (2026-09-15): None when absent or
    mistyped (the page's default applies), a French 400 outside the years the
    portal knows (they would overflow date arithmetic)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        abort(400, f"Choisissez une date entre le {FIRST_DAY:%d/%m/%Y} et le {LAST_DAY:%d/%m/%Y}.")
    return day
