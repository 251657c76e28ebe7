"""What the organisation pages share: who may change things, form fields and paging."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from wtforms import StringField
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput

from survey.accounts.access import roles_required
from survey.accounts.models import Role
from survey.admin import blueprint
from survey.admin.imports import parse_date
from survey.db import db
from survey.org.models import Agency
from survey.org.reorganise import looks_like_formula

#: Changes to the organisation: administrators only.
administrator_required = roles_required(Role.ADMINISTRATOR)
#: Looking at the organisation: administrators and the reform office.
viewer_required = roles_required(Role.ADMINISTRATOR, Role.REFORM_OFFICE)

PAGE_SIZE = 50


class DayField(StringField):
    """A date typed as 2025-07-01 (the browser's date picker) or 01/07/2025; empty is None."""

    widget = DateInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        try:
            self.data = parse_date(text)
        except ValueError:
            raise ValueError(_("Enter a date as dd/mm/yyyy, for example 01/07/2025.")) from None


def no_formula(form, field) -> None:
    """Refuse text that a spreadsheet would run as a formula when the data is exported."""
    if isinstance(field.data, str) and looks_like_formula(field.data.strip()):
        raise ValidationError(_("This text must not start with =, +, -, @ or a tab."))


def stripped(value):
    return value.strip() if isinstance(value, str) else value


def agency_by_code(session: Session, code: str | None) -> Agency | None:
    if not code:
        return None
    return session.scalar(select(Agency).where(Agency.code == code.strip()))


class AgencyCodeField(StringField):
    """An agency chosen by its code (found with the search box); ``agency`` after validation.

    Typed, not a drop-down: a province has hundreds of units.
    """

    agency: Agency | None = None

    def __init__(self, *args, must_exist_message=None, **kwargs):
        kwargs.setdefault("filters", [stripped])
        kwargs.setdefault(
            "render_kw", {"data-agency-search": "", "autocomplete": "off", "spellcheck": "false"}
        )
        super().__init__(*args, **kwargs)
        self.must_exist_message = must_exist_message or _l("No unit has this code.")

    def pre_validate(self, form):
        self.agency = agency_by_code(db.session, self.data)
        if self.data and self.agency is None:
            raise ValidationError(self.must_exist_message)


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page() -> int:
    number = request.args.get("page", 1, type=int)
    return number if number and 0 < number < 1_000_000 else 1


def paginate(session: Session, statement: Select, number: int, size: int = PAGE_SIZE) -> Page:
    """The ``number``-th page of ``statement`` (counted in SQL, not in Python)."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(session.scalars(statement.limit(size).offset((number - 1) * size)))
    return Page(items=items, number=number, total=total or 0, size=size)


def allows_upload(limit_bytes: int) -> Callable[[Callable], Callable]:
    """Let this view receive a body up to ``limit_bytes`` (the site-wide limit is small).

    Raised before any other hook reads the body (the CSRF check does), by
    :func:`_raise_upload_limit`; the view still checks each file's own size.
    """

    def decorator(view: Callable) -> Callable:
        view.upload_limit = limit_bytes
        return view

    return decorator


def _raise_upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit
        request.max_form_memory_size = limit


def _install_upload_limit(state) -> None:
    # First of the application's before-request hooks: the CSRF check reads the form.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _raise_upload_limit)


blueprint.record_once(_install_upload_limit)


@blueprint.errorhandler(CSRFError)
def _refused_form(error):
    """A form whose security token expired or came from elsewhere: say so, change nothing."""
    flash(
        _(
            "This form had expired or did not come from this site. Nothing was changed: "
            "please try again."
        ),
        "warning",
    )
    rule = request.url_rule
    reopen = rule is not None and "GET" in (rule.methods or ())
    return redirect(request.path if reopen else url_for("admin.index"), code=303)


@blueprint.errorhandler(413)
def _too_large(error):
    flash(_("The file is too large. Nothing was changed."), "warning")
    return redirect(url_for("admin.index"), code=303)
