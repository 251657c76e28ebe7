"""The administration pages: the reform office runs the platform from here.

One blueprint, ``admin`` under ``/admin``; each page group defines its routes in its own
module, imported at the bottom of this file (one import line each).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from survey.accounts.access import roles_required
from survey.accounts.models import Role

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

#: Who may open the administration pages at all; changes are for administrators only.
ADMIN_VIEWERS = (Role.ADMINISTRATOR, Role.REFORM_OFFICE)


@blueprint.get("/")
@roles_required(*ADMIN_VIEWERS)
def index():
    return render_template("admin/index.html")


# Page groups register their routes on the blueprint when imported (after it exists).
from survey.admin import (  # noqa: E402, F401
    agencies,
    audit_log,
    calendar,
    devices,
    officials,
    procedures,
    qr,
    questionnaires,
    service_points,
    settings,
    users,
)
