"""What the administration's pages share: a listing searched and paged, a form that
creates or changes a record, an import with its dry run.

A route loads its record (or 404), checks access with its decorator, and hands the rest
to one of these: :func:`list_page`, :func:`agency_listing`, :func:`form_page`,
:func:`edit_page`, :func:`import_page`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from survey.admin.forms import CsvImportForm
from survey.admin.imports import Importer
from survey.db import db
from survey.org.models import Agency
from survey.org.reorganise import ReorganisationRefused

PAGE_SIZE = 50
#: Search words are cut to this many characters.
SEARCH_LENGTH = 100


# --------------------------------------------------------------------------------------
# Listings: search and paging
# --------------------------------------------------------------------------------------


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


def search_words() -> str:
    """The words of ``?q=``."""
    return request.args.get("q", "").strip()[:SEARCH_LENGTH]


def matching(words: str, *columns) -> ColumnElement[bool]:
    """Rows where one of ``columns`` contains ``words``, whatever the case."""
    pattern = f"%{words.lower()}%"
    return or_(*(func.lower(column).like(pattern) for column in columns))


def requested_agency() -> Agency | None:
    """The agency of ``?agency=<id>`` (404 if there is none with that id), None without."""
    agency_id = request.args.get("agency", type=int)
    return db.get_or_404(Agency, agency_id) if agency_id is not None else None


def list_page(template: str, statement: Select, **context: Any):
    """The requested page of ``statement``'s records, as ``page``."""
    page = paginate(db.session, statement, requested_page())
    return render_template(template, page=page, **context)


def agency_listing(template: str, model: Any, order: tuple, **context: Any):
    """The records of ``model`` (an agency's desks or officials) whose name contains
    ``?q=``, of the agency ``?agency=`` if given; ``agency`` and ``text`` for the page."""
    agency, words = requested_agency(), search_words()
    statement = select(model).join(Agency)
    if agency is not None:
        statement = statement.where(model.agency_id == agency.id)
    if words:
        statement = statement.where(matching(words, model.name))
    return list_page(template, statement.order_by(*order), agency=agency, text=words, **context)


# --------------------------------------------------------------------------------------
# Forms that create or change a record
# --------------------------------------------------------------------------------------


def form_page(template: str, form: FlaskForm, **context: Any):
    """The form page: 200 when first shown, 400 when a submission was refused."""
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def edit_page(
    template: str,
    form: FlaskForm,
    save: Callable[[], Any],
    done: Callable[[Any], tuple[str, str]],
    **context: Any,
):
    """Show ``form``; once it is valid, ``save()`` writes, and ``done(saved)`` gives the
    message to flash and the address to go to (303). A refused reorganisation (a cycle, a
    date) shows the form again with the reason."""
    if not form.validate_on_submit():
        return form_page(template, form, **context)
    try:
        saved = save()
    except ReorganisationRefused as refusal:
        page = render_template(template, form=form, form_error=refusal.message, **context)
        return page, 400
    message, address = done(saved)
    flash(message, "info")
    return redirect(address, code=303)


def prefill_agency(field, record: Any) -> None:
    """On first showing a form, its agency: the record's, or for a new one that of
    ``?agency=<id>`` (the page it was opened from)."""
    if request.method != "GET":
        return
    agency = record.agency if record is not None else None
    if record is None:
        agency = db.session.get(Agency, request.args.get("agency", 0, type=int))
    field.data = agency.code if agency else ""


# --------------------------------------------------------------------------------------
# CSV imports
# --------------------------------------------------------------------------------------


def import_page(importer: Importer, template: str, done_endpoint: str):
    """The import of one kind of file: upload → dry run (what would change) → confirm."""
    form = CsvImportForm()
    if not form.is_submitted():
        return render_template(template, form=form, plan=None, content=None)
    if not form.validate():  # the security token
        return render_template(template, form=form, plan=None, content=None), 400
    raw = form.raw()
    if raw is None:
        form.file.errors = [_("Choose a CSV file.")]
        return render_template(template, form=form, plan=None, content=None), 400
    if request.form.get("confirm") == "1":
        plan = importer.apply(raw)
        if plan.is_valid:
            flash(
                _(
                    "Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                    created=plan.count("create"),
                    updated=plan.count("update"),
                    unchanged=plan.count("unchanged"),
                ),
                "info",
            )
            return redirect(url_for(done_endpoint), code=303)
    else:
        plan = importer.plan(db.session, raw)
    content = raw.decode("utf-8-sig") if plan.is_valid else None
    return render_template(template, form=form, plan=plan, content=content), (
        200 if plan.is_valid else 422
    )
