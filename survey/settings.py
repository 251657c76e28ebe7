"""The administrator's settings: changed in the web interface, stored in the database.

(The operator's deployment settings are :mod:`survey.config`; the page that edits these
is :mod:`survey.admin.settings`.)

A few rules change while the platform runs (the minimum group size for suppression, rate
limits, how long call-back numbers are kept...). They live in the ``settings`` table,
one row per changed setting; a setting without a row falls back to ``app.config`` (the
defaults in ``survey/config.py``, the instance file and ``SURVEY_*`` variables)::

    from survey.settings import get_setting
    if responses < get_setting("MIN_GROUP_SIZE"): ...

Values are read once per request (or application context) and kept in ``flask.g``. Each
process also keeps the values it read for ``SETTINGS_CACHE_SECONDS`` (a few seconds), because
every citizen submission reads a rate-limit setting: several processes and hosts share the
database, so a change made in one of them is seen by the others within that time, and at
once in the process that made it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from limits import parse as parse_limit
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from survey.db import Model, db, utcnow


class Setting(Model):
    """One setting changed by an administrator; it overrides ``app.config[name]``."""

    __tablename__ = "settings"

    #: The configuration name it overrides, e.g. "MIN_GROUP_SIZE".
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The value as JSON (an integer, a boolean or a rate limit such as "20 per hour").
    value: Mapped[Any] = mapped_column(JSON)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Who changed it last (None from the command line).
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


@dataclass(frozen=True)
class SettingSpec:
    """What an editable setting is: its label, hint, kind and accepted range."""

    name: str
    label: Any
    description: Any
    kind: str  # "integer" | "boolean" | "rate_limit" | "choice"
    minimum: int | None = None
    maximum: int | None = None
    #: A choice's values and their labels, in the order offered.
    choices: tuple[tuple[str, Any], ...] = ()
    #: What an integer counts, shown beside its field ("days", "%"); the stored value is the
    #: bare number.
    unit: Any = None


def is_rate_limit(value: str) -> bool:
    try:
        parse_limit(value)
    except ValueError:
        return False
    return True


#: The settings administrators may change, in the order of the settings page.
EDITABLE_SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "MIN_GROUP_SIZE",
        _l("Minimum group size"),
        _l(
            "Groups with fewer responses are hidden in every result that leaves the platform "
            "(statistics offices use 5 to 10)."
        ),
        "integer",
        minimum=2,
        maximum=1000,
        unit=_l("responses"),
    ),
    SettingSpec(
        "MIN_RATINGS_FOR_RANKING",
        _l("Minimum ratings before an official is ranked"),
        _l("Officials with fewer ratings are shown as having too few ratings, never ranked."),
        "integer",
        minimum=1,
        maximum=100000,
        unit=_l("ratings"),
    ),
    SettingSpec(
        "DOSSIER_COVERAGE_PERCENT",
        _l("Coverage below which a desk is listed"),
        _l(
            "Desks where fewer than this percentage of the dossiers returned were rated are "
            "listed in the reports: there the index rests on few voices."
        ),
        "integer",
        minimum=1,
        maximum=100,
        unit="%",
    ),
    SettingSpec(
        "WEIGHTING_STRATA",
        _l("Strata of the satisfaction weighted to the dossiers"),
        _l(
            "The groups whose ratings stand for their dossiers returned. A group with too few "
            "ratings is merged into its agency, then into the parent agency."
        ),
        "choice",
        choices=(
            ("agency_procedure_field", _l("Agency × procedure field")),
            ("agency", _l("Agency")),
        ),
    ),
    SettingSpec(
        "PUBLISH_OFFICIAL_RESULTS",
        _l("Results of individual officials are public"),
        _l("When ticked, the public results pages also show results by official."),
        "boolean",
    ),
    SettingSpec(
        "PHONE_SUBMIT_LIMIT",
        _l("Phone ratings allowed per QR code and phone"),
        _l("How many ratings one phone may send to one QR code, and over which period."),
        "rate_limit",
    ),
    SettingSpec(
        "PHONE_ADDRESS_SUBMIT_LIMIT",
        _l("Ratings allowed per QR code and network address, from browsers that refuse cookies"),
        _l("Higher than the limit per phone: many phones share one address."),
        "rate_limit",
    ),
    SettingSpec(
        "KIOSK_SUBMIT_LIMIT",
        _l("Ratings allowed per kiosk"),
        _l("How many ratings one kiosk may send, and over which period."),
        "rate_limit",
    ),
    SettingSpec(
        "CONTACT_RETENTION_DAYS",
        _l("How long call-back phone numbers are kept"),
        _l("A citizen's number is deleted this many days after they gave it."),
        "integer",
        minimum=1,
        maximum=3650,
        unit=_l("days"),
    ),
    SettingSpec(
        "FEEDBACK_CASE_FROM_CALLBACK",
        _l("A call-back request opens a feedback case"),
        _l("A rating with a phone number and the consent ticked becomes a case for the agency."),
        "boolean",
    ),
    SettingSpec(
        "FEEDBACK_CASE_FROM_LOW_RATING",
        _l("A lowest rating with a comment opens a feedback case"),
        _l("An answer at the bottom of a satisfaction scale, sent with a comment."),
        "boolean",
    ),
    SettingSpec(
        "FEEDBACK_CASE_FROM_HARASSMENT",
        _l("A report of harassment opens a feedback case"),
        _l("An answer saying that an official harassed the citizen or caused needless trouble."),
        "boolean",
    ),
    SettingSpec(
        "FEEDBACK_ACKNOWLEDGE_WORKING_DAYS",
        _l("Time to acknowledge a feedback case"),
        _l("Set by local regulation; weekends, public holidays and announced days off skipped."),
        "integer",
        minimum=1,
        maximum=60,
        unit=_l("working days"),
    ),
    SettingSpec(
        "FEEDBACK_ANSWER_WORKING_DAYS",
        _l("Time to answer a feedback case"),
        _l("Counted from the day the case was opened, as set by local regulation."),
        "integer",
        minimum=1,
        maximum=120,
        unit=_l("working days"),
    ),
)

SETTINGS_BY_NAME = {spec.name: spec for spec in EDITABLE_SETTINGS}

#: Checks of a value's type and range, by kind (the settings form gives the messages).
VALUE_CHECKS: dict[str, Callable[[SettingSpec, Any], bool]] = {
    "integer": lambda spec, value: (
        isinstance(value, int)
        and not isinstance(value, bool)
        and spec.minimum is not None
        and spec.maximum is not None
        and spec.minimum <= value <= spec.maximum
    ),
    "boolean": lambda spec, value: isinstance(value, bool),
    "rate_limit": lambda spec, value: isinstance(value, str) and is_rate_limit(value),
    "choice": lambda spec, value: value in {name for name, _label in spec.choices},
}


def _stored_settings() -> dict[str, Any]:
    if "stored_settings" not in g:
        read_at, values = current_app.extensions.get("stored_settings", (None, None))
        now = time.monotonic()
        if read_at is None or now - read_at >= current_app.config["SETTINGS_CACHE_SECONDS"]:
            values = dict(db.session.execute(select(Setting.name, Setting.value)).all())
            current_app.extensions["stored_settings"] = (now, values)
        g.stored_settings = values
    return g.stored_settings


def get_setting(name: str) -> Any:
    """The value of ``name``: the administrator's, else ``app.config[name]``.

    A stored value that no longer passes its check (an older rule) is ignored, so a
    setting can never break the site.
    """
    stored = _stored_settings()
    spec = SETTINGS_BY_NAME.get(name)
    if name in stored and (spec is None or VALUE_CHECKS[spec.kind](spec, stored[name])):
        return stored[name]
    return current_app.config[name]


def forget_cached_settings() -> None:
    """Drop this request's and this process's copies: the next :func:`get_setting` reads the
    database again."""
    g.pop("stored_settings", None)
    current_app.extensions.pop("stored_settings", None)


def change_settings(session: Session, values: dict[str, Any], user_id: int | None) -> dict:
    """Store the settings that differ from their current values; returns ``{name: (before,
    after)}`` of those changed. The caller records the audit event and commits."""
    changed = {}
    for name, value in values.items():
        spec = SETTINGS_BY_NAME[name]
        if not VALUE_CHECKS[spec.kind](spec, value):
            raise ValueError(f"{value!r} is not a valid value of {name}")
        before = get_setting(name)
        if before == value:
            continue
        row = session.get(Setting, name)
        if row is None:
            session.add(Setting(name=name, value=value, updated_by_id=user_id))
        else:
            row.value = value
            row.updated_by_id = user_id
        changed[name] = (before, value)
    forget_cached_settings()
    return changed
