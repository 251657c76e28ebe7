"""The administrator's settings page: the rules an administrator may change while the
platform runs.

The values live in the ``settings`` table (:mod:`survey.settings`); each save records one
audit event with the values before and after. Deployment settings (:mod:`survey.config`)
are not edited here.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import administrator_required
from survey.admin.forms import SettingsForm
from survey.admin.pages import form_page
from survey.db import write_session
from survey.settings import EDITABLE_SETTINGS, change_settings, get_setting


@blueprint.route("/settings", methods=["GET", "POST"])
@administrator_required
def settings():
    form = SettingsForm.showing({spec.name: get_setting(spec.name) for spec in EDITABLE_SETTINGS})
    if not form.validate_on_submit():
        units = {spec.name: spec.unit for spec in EDITABLE_SETTINGS if spec.unit}
        return form_page("admin/settings/edit.html", form, units=units)
    if _save(form.values()):
        flash(_("The settings have been saved."), "info")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("admin.settings"))


def _save(values: dict) -> dict:
    """Store the values that changed, audited; ``{name: (before, after)}`` of those."""
    with write_session() as session:
        changed = change_settings(session, values, current_user.id)
        if changed:
            audit.record(
                "settings.changed",
                target="settings",
                details={
                    name: {"before": before, "after": after}
                    for name, (before, after) in changed.items()
                },
                session=session,
            )
    return changed
