"""The administrator's settings page: the rules an administrator may change while the
platform runs.

The values live in the ``settings`` table (:mod:`survey.settings`); each save records one
audit event with the values before and after. Deployment settings (:mod:`survey.config`)
are not edited here.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from survey.accounts import audit
from survey.accounts.access import roles_required
from survey.accounts.models import Role
from survey.admin import blueprint
from survey.db import db
from survey.settings import EDITABLE_SETTINGS, change_settings, get_setting, is_rate_limit


def _rate_limit(form, field) -> None:
    if not is_rate_limit(field.data.strip()):
        raise ValidationError(
            _l('Write a limit such as "20 per hour", "5 per minute" or "100 per day".')
        )


def _whole_number(spec):
    def check(form, field) -> None:
        text = str(field.data)
        if not (text.isascii() and text.isdigit() and spec.minimum <= int(text) <= spec.maximum):
            raise ValidationError(
                _l(
                    "Enter a whole number from %(minimum)s to %(maximum)s.",
                    minimum=spec.minimum,
                    maximum=spec.maximum,
                )
            )

    return check


def _field_for(spec):
    if spec.kind == "boolean":
        return BooleanField(spec.label, description=spec.description)
    if spec.kind == "integer":
        return StringField(
            spec.label,
            description=spec.description,
            validators=[InputRequired(message=_l("Enter a whole number.")), _whole_number(spec)],
            filters=[lambda value: value.strip() if isinstance(value, str) else value],
        )
    return StringField(
        spec.label,
        description=spec.description,
        validators=[
            InputRequired(message=_l("Enter a limit.")),
            Length(max=64, message=_l("At most %(count)s characters.", count=64)),
            _rate_limit,
        ],
    )


#: One field per editable setting, named after it.
SettingsForm = type(
    "SettingsForm", (FlaskForm,), {spec.name: _field_for(spec) for spec in EDITABLE_SETTINGS}
)


def _value(spec, data):
    return {"integer": int, "boolean": bool, "rate_limit": str.strip}[spec.kind](data)


def _current_values() -> dict:
    return {spec.name: get_setting(spec.name) for spec in EDITABLE_SETTINGS}


@blueprint.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def settings():
    form = SettingsForm(data=_current_values())
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/settings/edit.html", form=form), status
    values = {spec.name: _value(spec, form[spec.name].data) for spec in EDITABLE_SETTINGS}
    changed = change_settings(db.session, values, current_user.id)
    if changed:
        audit.record(
            "settings.changed",
            target="settings",
            details={
                name: {"before": before, "after": after}
                for name, (before, after) in changed.items()
            },
        )
        db.session.commit()
        flash(_("The settings have been saved."), "info")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("admin.settings"))
