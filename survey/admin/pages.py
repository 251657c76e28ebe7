"""What the administration's pages share, so that each page is a few lines of its own.

A route loads its record (or 404), checks access with its decorator, and hands the rest
to one of these:

- a listing, searched and paged: :func:`list_page`, :func:`agency_listing`
  (``?q=``, ``?agency=``, ``?page=``);
- a form that creates or changes a record: :class:`RecordForm` (its write and audit event
  are :class:`survey.admin.changes.Audited`), or :func:`edit_page` for any other change;
- a button: :func:`set_active`, :func:`requested_token`;
- a kind's CSV file, import and export: :func:`csv_pages` (the import itself is an
  :class:`survey.admin.imports.Importer`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required, allows_upload, viewer_required
from survey.admin.exports import csv_download
from survey.admin.forms import ActiveForm, CsvImportForm, TokenForm
from survey.admin.imports import IMPORT_BODY_BYTES, Importer
from survey.db import db
from survey.org.models import Agency, PublicCode
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
    page = paginate(db.session(), statement, requested_page())
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


@dataclass(frozen=True)
class RecordForm:
    """The page that creates or changes one kind of record, from one form.

    ``make_form(record)`` builds the form (filled in for a record, None: a new one);
    ``change(form, session, record)`` creates or changes the record in the write
    transaction of :meth:`Audited.save` and returns it. Then the ``created`` or ``saved``
    message, formatted with the record's audited values (``%(name)s``), is flashed and the
    browser goes to ``address(record)``. The template knows the record as ``name``.
    """

    kind: Audited
    template: str
    name: str
    make_form: Callable[[Any], FlaskForm]
    change: Callable[[Any, Session, Any], Any]
    created: LazyString
    saved: LazyString
    address: Callable[[Any], str]

    def page(self, record: Any):
        form = self.make_form(record)
        return edit_page(
            self.template,
            form,
            lambda: self.kind.save(record, partial(self.change, form)),
            lambda saved: self._done(saved, record is None),
            **{self.name: record},
        )

    def _done(self, record: Any, created: bool) -> tuple[str, str]:
        message = (self.created if created else self.saved) % self.kind.values(record)
        return message, self.address(record)


def requested_active() -> bool | None:
    """Whether the posted :class:`ActiveForm` asks to activate; None when it is not valid."""
    form = ActiveForm()
    return form.active.data == "1" if form.validate_on_submit() else None


def requested_token() -> None:
    """Refuse (400) a button's post without a valid security token (:class:`TokenForm`)."""
    if not TokenForm().validate():
        abort(400)


def set_active(kind: Audited, record: Any, apply: Callable[[Any, bool], Any]) -> bool | None:
    """Deactivate or reactivate ``record`` as the posted :class:`ActiveForm` asks
    (``apply(record, active)`` in the write transaction), audited as "activated" or
    "deactivated"; which, or None (and a warning) when the form is not valid."""
    active = requested_active()
    if active is None:
        flash(_("Nothing was changed: the form was not valid. Please try again."), "warning")
        return None
    verb = "activated" if active else "deactivated"
    kind.save(record, lambda session, target: apply(target, active), verb)
    return active


def agency_record_form(form_class: type[FlaskForm]) -> Callable[[Any], FlaskForm]:
    """The ``make_form`` of a record that belongs to an agency (a desk, an official): on
    first showing, its agency is the record's, or for a new one that of ``?agency=<id>``
    (the page it was opened from)."""

    def make_form(record: Any) -> FlaskForm:
        form = form_class(obj=record)
        if request.method == "GET" and record is not None:
            form.agency_code.data = record.agency.code
        elif request.method == "GET":
            agency = db.session.get(Agency, request.args.get("agency", 0, type=int))
            form.agency_code.data = agency.code if agency else ""
        return form

    return make_form


def in_agency(model: Any, record: Any, session: Session, form: FlaskForm) -> Any:
    """``record``, or a new ``model`` with its QR code (a desk, an official), placed in the
    agency of the form's ``agency_code``."""
    record = record or model(public_codes=[PublicCode()])
    record.agency = session.get(Agency, form.agency_code.agency.id)
    return record


# --------------------------------------------------------------------------------------
# CSV imports
# --------------------------------------------------------------------------------------


def csv_pages(
    importer: Importer, name: str, records: Select, values: Callable[[Any], dict]
) -> None:
    """The CSV file of one kind of record, named ``name`` (its list page is ``admin.<name>``):

    - ``/admin/<name>/import`` (``admin.import_<name>``, administrators), the import page;
    - ``/admin/<name>/export.csv`` (``admin.export_<name>``, viewers), ``values`` of each
      of ``records`` as ``<name>.csv``, in the columns the import reads.
    """

    def import_view():
        return import_page(importer, f"admin/{name}/import.html", f"admin.{name}")

    def export_view():
        action = f"{importer.audit_prefix}.exported"
        rows = [values(record) for record in db.session.scalars(records)]
        return csv_download(f"{name}.csv", importer.columns, rows, action)

    blueprint.add_url_rule(
        f"/{name}/import",
        f"import_{name}",
        allows_upload(IMPORT_BODY_BYTES)(administrator_required(import_view)),
        methods=["GET", "POST"],
    )
    blueprint.add_url_rule(f"/{name}/export.csv", f"export_{name}", viewer_required(export_view))


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
        plan = importer.plan(db.session(), raw)
    content = raw.decode("utf-8-sig") if plan.is_valid else None
    return render_template(template, form=form, plan=plan, content=content), (
        200 if plan.is_valid else 422
    )
