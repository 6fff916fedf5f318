"""Health check for load balancers and monitoring."""

from flask import Blueprint, jsonify

from portal.store.db import db
from portal.web.extensions import csrf

bp = Blueprint("health", __name__, url_prefix="/portail")


@bp.get("/sante")
@csrf.exempt
def health():
    try:
        db.execute_sql("SELECT 1").fetchone()
    except Exception as error:  # any driver error means "not healthy"
        return jsonify(status="error", detail=type(error).__name__), 503
    return jsonify(status="ok")
