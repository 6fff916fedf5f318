"""Serves the built static site at / (development and small single-VM setups).

In production a web server serves site/ itself and proxies /portail/ only;
PORTAL_SERVE_SITE=false turns this off.
"""

import os

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_from_directory
from werkzeug.security import safe_join

bp = Blueprint("site", __name__)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def serve(path):
    if not current_app.config["SERVE_SITE"] or path.startswith("portail/"):
        abort(404)
    root = current_app.config["SITE_DIR"]
    if not os.path.isfile(os.path.join(root, "index.html")):
        return render_template("site_missing.html"), 503
    target = safe_join(root, path)
    if target is None:
        abort(404)
    if os.path.isdir(target):
        if path and not path.endswith("/"):
            # /annuaire -> /annuaire/ so that the page's relative links resolve.
            return redirect(request.path + "/", code=301)
        path = path + "index.html"
    return send_from_directory(root, path, max_age=300)
