"""``GET /healthz``: is the platform able to serve? (for load balancers and monitoring)."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from survey.db import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check: database unavailable: %s", type(error).__name__)
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok")
