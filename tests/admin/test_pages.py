"""The helpers the administration's pages share: search, the audited write, the import base,
the period fields and the choices forms."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

import contextlib
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey.admin.changes import Audited, audited_write
from survey.admin.forms import AgencyForm, AssignmentForm, OfficialForm
from survey.admin.imports import Importer, records_by
from survey.admin.pages import matching
from survey.db import db
from survey.org.models import Agency, Procedure
from tests.admin.org_helpers import audit_of, tree  # noqa: F401


def test_matching_finds_words_in_any_column_whatever_the_case(app, tree):
    with app.app_context():
        found = db.session.scalars(
            select(Agency.code).where(matching("mỹ HÒA", Agency.code, Agency.name))
        ).all()
        assert found == ["XA"]
        assert db.session.scalars(select(Agency.code).where(matching("xb", Agency.code))).all() == [
            "XB"
        ]


def test_audited_save_writes_the_change_and_its_event_together(app, tree):
    kind = Audited(Procedure, "procedure", lambda p: {"code": p.code, "name": p.name}, key="code")

    def create(session, procedure):
        return procedure or Procedure(code="1.1", name="Khai sinh", field="Hộ tịch")

    def rename(session, procedure):
        procedure.name = "Khai tử"
        return procedure

    with app.test_request_context("/?lang=en"):
        created = kind.save(None, create)
        kind.save(created, rename, "renamed")
    (event,) = audit_of(app, "procedure.created")
    assert event == {"target": "procedure:1.1", "before": None, "after": created_values()}
    (renamed,) = audit_of(app, "procedure.renamed")
    assert renamed["before"] == created_values() and renamed["after"]["name"] == "Khai tử"


def created_values() -> dict:
    return {"code": "1.1", "name": "Khai sinh"}


def test_a_refused_audited_write_leaves_nothing(app, tree):
    def refuse(session):
        session.add(Procedure(code="2.2", name="x", field="y"))
        raise RuntimeError("refused")

    with app.test_request_context("/?lang=en"), contextlib.suppress(RuntimeError):
        audited_write("procedure.created", "procedure:2.2", refuse, lambda done: {})
    assert audit_of(app, "procedure.created") == []
    with app.app_context():
        assert db.session.scalar(select(Procedure).where(Procedure.code == "2.2")) is None


def test_records_by_reads_the_named_records_once(app, tree):
    with app.app_context():
        found = records_by(db.session, Agency.code, ["XA", "XB", "NOPE"])
        assert sorted(found) == ["XA", "XB"] and found["XA"].name == "Xã Mỹ Hòa"
        assert records_by(db.session, Agency.code, []) == {}


class _Periods(Importer):
    columns = ("code", "name", "valid_from", "valid_to")
    required = ("code",)
    lengths = (("name", 5),)
    period = ("valid_from", "valid_to", _l("valid_to must be after valid_from."))

    def before(self, values, context):
        return (
            {"code": "A", "name": "old", "valid_from": "", "valid_to": ""}
            if values["code"] == "A"
            else None
        )


def test_the_import_base_checks_keys_lengths_and_periods(app):
    raw = (
        b"code,name,valid_from,valid_to\n"
        b"A,new,01/07/2025,\n"
        b"B,toolong,2025-07-01,2025-06-01\n"
        b"A,again,,\n"
        b"C,ok,31/02/2025,\n"
    )
    with app.test_request_context("/?lang=en"):
        plan = _Periods().plan(db.session, raw)
        errors = [(error.line, str(error.message)) for error in plan.errors]
    assert (3, "name has more than 5 characters.") in errors
    assert (3, "valid_to must be after valid_from.") in errors
    assert any(line == 4 and "already on line 2" in message for line, message in errors)
    assert any(line == 5 and "is not a date" in message for line, message in errors)
    assert plan.changes == []


def test_the_import_base_sorts_rows_into_create_update_and_unchanged(app):
    raw = b"code,name,valid_from,valid_to\nA,old,,\nB,new,01/07/2025,\n"
    with app.test_request_context("/?lang=en"):
        plan = _Periods().plan(db.session, raw)
    assert plan.is_valid
    assert [(change.key, change.action) for change in plan.changes] == [
        ("A", "unchanged"),
        ("B", "create"),
    ]
    # Dates are written as the exports write them.
    assert plan.changes[1].after["valid_from"] == "2025-07-01"


def test_a_period_ends_after_it_begins(app):
    with app.test_request_context("/?lang=en", method="POST"):
        form = OfficialForm(
            MultiDict({"active_from": "2025-07-01", "active_to": "2025-07-01"}),
            meta={"csrf": False},
        )
        form.validate()
        assert form.active_to.errors == ["The last day must be after the first day."]
        agency_form = AgencyForm(
            MultiDict({"valid_from": "2025-07-01", "valid_to": "2025-07-02"}), meta={"csrf": False}
        )
        agency_form.validate()
        assert agency_form.valid_to.errors == []
        assert agency_form.valid_to.data == date(2025, 7, 2)


def test_a_choosing_form_offers_the_choices_it_is_made_with(app):
    with app.test_request_context("/?lang=en"):
        form = AssignmentForm([(3, "sipas, version 1")], meta={"csrf": False})
        assert [(choice.value, choice.label) for choice in form.version.choices] == [
            (3, "sipas, version 1")
        ]
