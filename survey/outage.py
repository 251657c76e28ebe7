"""When the database cannot be reached: a 503 that tells the truth, not a 500.

A restart or failover of the database server, or a connection cut under load, makes every
request fail for a moment. The visitor is told that nothing was saved and to send again
(the form still holds the answers after Back); a kiosk gets a JSON 503 and keeps the rating
in its queue; both get ``Retry-After``. The platform logs one line per failure, without
the query or its parameters.
"""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError

from survey.db import db

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)


def database_unavailable(error: OperationalError):
    current_app.logger.warning(
        "database unavailable during %s %s: %s",
        request.method,
        request.endpoint,
        type(error.orig).__name__ if error.orig is not None else type(error).__name__,
    )
    # The connection may be gone: the pool replaces it at the next checkout.
    with suppress(DBAPIError):
        db.session.rollback()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        body = {
            "error": "unavailable",
            "message": _("The service is briefly unavailable. Send the rating again later."),
        }
        return jsonify(body), 503, headers
    return render_template("outage.html"), 503, headers
