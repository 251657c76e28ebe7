"""The audit log page: every recorded event, filtered by user, action, target and dates, paged.

Dates in the filter are days in Vietnam time; events are stored in UTC (``occurred_dt``).
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from survey.accounts.models import AuditEvent, User
from survey.admin import blueprint
from survey.admin.common import administrator_required
from survey.admin.forms import AuditFilterForm
from survey.db import one_page

PAGE_SIZE = 50


#: What an action acts on and what it did, as the reader says them ("agency.created" is
#: "Unit: created"); a part missing here is shown as recorded.
_SUBJECTS = {
    "agency": _l("Unit"),
    "service_point": _l("Desk"),
    "official": _l("Official"),
    "procedure": _l("Procedure"),
    "user": _l("Officer account"),
    "kiosk": _l("Kiosk"),
    "public_code": _l("QR code"),
    "settings": _l("Settings"),
    "questionnaire": _l("Questionnaire"),
    "report": _l("Report"),
    "login": _l("Sign-in"),
    "password": _l("Password"),
    "contacts": _l("Call-back numbers"),
}
_VERBS = {
    "created": _l("created"),
    "updated": _l("changed"),
    "changed": _l("changed"),
    "activated": _l("activated"),
    "reactivated": _l("activated again"),
    "deactivated": _l("deactivated"),
    "closed": _l("closed"),
    "merged": _l("merged"),
    "split": _l("split"),
    "imported": _l("imported from a file"),
    "exported": _l("exported to a file"),
    "replaced": _l("revoked and reissued"),
    "registered": _l("registered"),
    "revoked": _l("revoked"),
    "password_reset": _l("password reset"),
    "photo_changed": _l("photo changed"),
    "draft_created": _l("draft created"),
    "draft_saved": _l("draft saved"),
    "draft_deleted": _l("draft deleted"),
    "published": _l("published"),
    "assigned": _l("assigned"),
    "downloaded": _l("downloaded"),
    "succeeded": _l("succeeded"),
    "purged": _l("deleted after their retention period"),
}


@blueprint.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    """The action in the reader's language, e.g. "Unit: created" for ``agency.created``."""
    subject, _dot, verb = action.partition(".")
    return f"{_SUBJECTS.get(subject, subject)}: {_VERBS.get(verb, verb)}"


@blueprint.app_template_filter("audit_changes")
def audit_changes(details: dict) -> list[tuple[str, object, object]] | None:
    """The fields a change altered, as (field, before, after); None for other details.

    Reads ``{"before": {...}, "after": {...}}`` (a record) and ``{name: {"before": x,
    "after": y}}`` (settings)."""
    if set(details) == {"before", "after"}:
        before, after = details["before"] or {}, details["after"] or {}
        if isinstance(before, dict) and isinstance(after, dict):
            keys = sorted(set(before) | set(after))
            return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
    if details and all(
        isinstance(v, dict) and set(v) == {"before", "after"} for v in details.values()
    ):
        return [(name, v["before"], v["after"]) for name, v in sorted(details.items())]
    return None


@blueprint.app_template_filter("audit_details")
def audit_details(details: dict) -> str:
    """Details as readable JSON (Vietnamese letters kept, not escaped)."""
    return json.dumps(details, ensure_ascii=False, indent=1, sort_keys=True)


def _utc_start_of(day) -> datetime:
    """Local midnight of ``day`` in UTC (naive, like every stored ``*_dt``)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = datetime.combine(day, time.min, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered_events(form: AuditFilterForm):
    """The SELECT of the events matching ``form`` (validated), newest first."""
    statement = select(AuditEvent, User.email).outerjoin(User, AuditEvent.user_id == User.id)
    if form.user.data:
        statement = statement.where(
            User.email.like(_like_pattern(form.user.data.strip().lower()), escape="\\")
        )
    if form.action.data:
        prefix = form.action.data.strip()
        statement = statement.where(func.substr(AuditEvent.action, 1, len(prefix)) == prefix)
    if form.target.data:
        statement = statement.where(
            AuditEvent.target.like(_like_pattern(form.target.data.strip()), escape="\\")
        )
    if form.since.data:
        statement = statement.where(AuditEvent.occurred_dt >= _utc_start_of(form.since.data))
    if form.until.data:
        end = _utc_start_of(form.until.data + timedelta(days=1))
        statement = statement.where(AuditEvent.occurred_dt < end)
    return statement.order_by(AuditEvent.occurred_dt.desc(), AuditEvent.id.desc())


@blueprint.get("/audit")
@administrator_required
def audit_log():
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("admin/audit/list.html", form=form, events=[], page=1), 400
    page = request.args.get("page", 1, type=int)
    page = page if 1 <= page <= 1_000_000 else 1
    statement = filtered_events(form)
    rows, has_next = one_page(statement, page, PAGE_SIZE)
    arguments = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "admin/audit/list.html",
        form=form,
        events=rows,
        page=page,
        has_next=has_next,
        arguments=arguments,
    )
