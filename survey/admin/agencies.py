"""The agency tree: browse, search, create, rename, move, close, mergers and splits, CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from flask import jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.changes import Audited
from survey.admin.common import administrator_required, viewer_required
from survey.admin.forms import AgencyForm, CloseForm, ReorganisationForm
from survey.admin.imports import (
    Change,
    Importer,
    LineError,
    Row,
    date_text,
    parse_date,
    records_by,
)
from survey.admin.lookup import agency_by_code
from survey.admin.pages import (
    RecordForm,
    csv_pages,
    edit_page,
    matching,
    paginate,
    requested_page,
    search_words,
)
from survey.db import db, write_session
from survey.org.models import Agency, AgencySuccession, ServicePoint, SuccessionKind
from survey.org.reorganise import (
    AGENCY_CODE_PATTERN,
    AGENCY_FIELDS,
    Reorganisation,
    agency_values,
    ancestors,
    close_agency,
    create_agency,
    record_reorganisation,
    update_agency,
    would_make_cycle,
)
from survey.vietnam_calendar import local_today

SEARCH_RESULTS_FOR_PICKER = 15


def _audited_values(agency: Agency) -> dict:
    """The agency as the audit log records it: its exported values and its poster setting."""
    return {**agency_values(agency), "khmer_posters": agency.khmer_posters}


AGENCIES = Audited(Agency, "agency", _audited_values, key="code")


# ----------------------------------------------------------------------------------------
# CSV import of the tree
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TreeContext:
    """What the rows of a tree import are checked against."""

    #: Every unit of the tree: its id and its parent's id, by code.
    parents: dict[str, tuple[int, int | None]]
    #: The codes in the file.
    in_file: set[str]
    #: The values of the units the file names that exist already.
    current: dict[str, dict]


class AgencyImporter(Importer):
    columns = AGENCY_FIELDS
    required = ("code", "name", "kind")
    audit_prefix = "agency"
    lengths = (("name", 200), ("name_en", 200), ("name_km", 200), ("kind", 100))
    period = ("valid_from", "valid_to", _l("valid_to must be after valid_from."))

    def context(self, session: Session, rows: list[Row]) -> _TreeContext:
        codes = {row.values["code"] for row in rows}
        current = records_by(session, Agency.code, codes)
        return _TreeContext(
            parents={
                code: (agency_id, parent_id)
                for agency_id, code, parent_id in session.execute(
                    select(Agency.id, Agency.code, Agency.parent_id)
                )
            },
            in_file=codes,
            current={code: agency_values(agency) for code, agency in current.items()},
        )

    def row_problems(self, values: dict[str, str], context: _TreeContext) -> list:
        problems = []
        if not AGENCY_CODE_PATTERN.match(values["code"]):
            problems.append(
                _l(
                    "the code %(code)s is not valid (1 to 40 letters, digits, . - _).",
                    code=values["code"],
                )
            )
        parent = values["parent_code"]
        if parent == values["code"]:
            problems.append(_l("%(code)s cannot be its own parent.", code=parent))
        elif parent and parent not in context.parents and parent not in context.in_file:
            problems.append(
                _l("the parent %(code)s is neither in the file nor in the tree.", code=parent)
            )
        return problems

    def file_problems(
        self, checked: list[tuple[Row, dict]], context: _TreeContext
    ) -> list[LineError]:
        """A unit inside itself, through the file's parents and the tree's."""
        code_of = {agency_id: code for code, (agency_id, _parent) in context.parents.items()}
        parent_of = {
            code: code_of.get(parent_id) if parent_id is not None else None
            for code, (_agency, parent_id) in context.parents.items()
        }
        parent_of.update(
            (values["code"], values["parent_code"] or None) for _row, values in checked
        )
        return [
            LineError(
                row.line,
                _l(
                    "%(code)s under %(parent)s makes a cycle: a unit would be inside itself.",
                    code=values["code"],
                    parent=values["parent_code"],
                ),
            )
            for row, values in checked
            if would_make_cycle(parent_of, values["code"])
        ]

    def before(self, values: dict[str, str], context: _TreeContext) -> dict | None:
        return context.current.get(values["code"])

    def write(self, session: Session, changes: list[Change]) -> None:
        agencies = records_by(session, Agency.code, [change.key for change in changes])
        for change in changes:
            if change.action == "create":
                agencies[change.key] = Agency(code=change.key, name="", kind="")
                session.add(agencies[change.key])
        for change in changes:
            agency, after = agencies[change.key], change.after
            agency.name = after["name"]
            agency.name_en = after["name_en"] or None
            agency.name_km = after["name_km"] or None
            agency.kind = after["kind"]
            agency.valid_from = parse_date(after["valid_from"])
            agency.valid_to = parse_date(after["valid_to"])
            parent_code = after["parent_code"]
            agency.parent = (
                (agencies.get(parent_code) or agency_by_code(session, parent_code))
                if parent_code
                else None
            )
        session.flush()


# ----------------------------------------------------------------------------------------
# Browsing
# ----------------------------------------------------------------------------------------


def _agency_or_404(agency_id: int) -> Agency:
    return db.get_or_404(Agency, agency_id)


def _open_ones(statement: Select, open_only: bool) -> Select:
    if open_only:
        statement = statement.where(Agency.valid_on_clause(local_today()))
    return statement.order_by(Agency.name, Agency.code)


def _search_statement(text: str, open_only: bool) -> Select:
    statement = select(Agency).where(matching(text, Agency.code, Agency.name, Agency.name_en))
    return _open_ones(statement, open_only)


@blueprint.get("/agencies/")
@viewer_required
def agencies():
    """Search by name or code, or walk the tree one level at a time (``?parent=``)."""
    text = search_words()
    open_only = request.args.get("all") != "1"
    parent = None
    if text:
        statement = _search_statement(text, open_only)
    else:
        parent_id = request.args.get("parent", type=int)
        parent = _agency_or_404(parent_id) if parent_id is not None else None
        statement = _open_ones(
            select(Agency).where(
                Agency.parent_id == parent.id if parent is not None else Agency.parent_id.is_(None)
            ),
            open_only,
        )
    page = paginate(db.session(), statement, requested_page())
    return render_template(
        "admin/agencies/index.html",
        page=page,
        text=text,
        open_only=open_only,
        parent=parent,
        trail=list(reversed(ancestors(parent))) if parent is not None else [],
        child_counts=_child_counts([agency.id for agency in page.items]),
        today=local_today(),
    )


def _child_counts(agency_ids: list[int]) -> dict[int, int]:
    if not agency_ids:
        return {}
    # The IN condition leaves out the units without a parent: no key is None.
    return dict(
        cast(
            Sequence[tuple[int, int]],
            db.session.execute(
                select(Agency.parent_id, func.count())
                .where(Agency.parent_id.in_(agency_ids))
                .group_by(Agency.parent_id)
            ).all(),
        )
    )


@blueprint.get("/agencies/search.json")
@viewer_required
def agency_search():
    """Codes and names for the parent picker (JavaScript fills a list as the officer types)."""
    text = search_words()
    if len(text) < 2:
        return jsonify([])
    statement = _search_statement(text, open_only=False).limit(SEARCH_RESULTS_FOR_PICKER)
    return jsonify(
        [
            {"code": agency.code, "name": agency.name, "open": agency.is_valid_on(local_today())}
            for agency in db.session.scalars(statement)
        ]
    )


@blueprint.get("/agencies/<int:agency_id>")
@viewer_required
def agency(agency_id: int):
    unit = _agency_or_404(agency_id)
    successions = db.session.scalars(
        select(AgencySuccession).where(
            or_(
                AgencySuccession.predecessor_id == unit.id,
                AgencySuccession.successor_id == unit.id,
            )
        )
    ).all()
    desks = db.session.scalars(
        select(ServicePoint).where(ServicePoint.agency_id == unit.id).order_by(ServicePoint.name)
    ).all()
    return render_template(
        "admin/agencies/detail.html",
        agency=unit,
        trail=list(reversed(ancestors(unit))),
        children_count=_child_counts([unit.id]).get(unit.id, 0),
        before=[link for link in successions if link.successor_id == unit.id],
        after=[link for link in successions if link.predecessor_id == unit.id],
        desks=desks,
        today=local_today(),
    )


# ----------------------------------------------------------------------------------------
# Changes (administrators)
# ----------------------------------------------------------------------------------------


def _to_unit(unit: Agency):
    return url_for("admin.agency", agency_id=unit.id)


def _agency_form(unit: Agency | None) -> AgencyForm:
    form = AgencyForm(record=unit)
    if request.method == "GET" and unit is None:
        form.parent_code.data = request.args.get("parent", "")[:40]
    elif request.method == "GET" and unit is not None:
        form.parent_code.data = unit.parent.code if unit.parent else ""
    return form


def _agency_change(form: AgencyForm, session: Session, unit: Agency | None) -> Agency:
    field = form.parent_code
    parent = session.get(Agency, field.agency.id) if field.agency else None
    if unit is None:
        return create_agency(session, parent=parent, **form.values())
    update_agency(session, unit, parent, **form.values())
    return unit


AGENCY_FORM = RecordForm(
    AGENCIES,
    "admin/agencies/form.html",
    "agency",
    _agency_form,
    _agency_change,
    created=_l("The unit %(name)s was created."),
    saved=_l("The unit %(name)s was saved."),
    address=_to_unit,
)


@blueprint.route("/agencies/new", methods=["GET", "POST"], endpoint="create_agency_page")
@blueprint.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@administrator_required
def edit_agency(agency_id: int | None = None):
    return AGENCY_FORM.page(_agency_or_404(agency_id) if agency_id else None)


@blueprint.route("/agencies/<int:agency_id>/close", methods=["GET", "POST"])
@administrator_required
def close_agency_page(agency_id: int):
    unit = _agency_or_404(agency_id)
    form = CloseForm()
    if request.method == "GET":
        form.day.data = local_today()
    return edit_page(
        "admin/agencies/close.html",
        form,
        lambda: _close(unit, form.day.data),
        lambda closed: (
            _(
                "%(count)s units closed from %(day)s.",
                count=len(closed),
                day=form.day.data.isoformat(),
            ),
            _to_unit(unit),
        ),
        agency=unit,
    )


def _close(unit: Agency, day: date) -> list[Agency]:
    """Close the unit and its open descendants from ``day``; the units closed."""
    with write_session() as session:
        target = session.get_one(Agency, unit.id)
        before = {member.code: member.valid_to for member in _subtree_units(target)}
        closed = close_agency(session, target, day)
        audit.record(
            "agency.closed",
            target=f"agency:{target.code}",
            details={
                "before": {m.code: date_text(before.get(m.code)) for m in closed},
                "after": {m.code: date_text(m.valid_to) for m in closed},
            },
            session=session,
        )
    return closed


def _subtree_units(agency: Agency) -> list[Agency]:
    found, pending = [], [agency]
    while pending:
        unit = pending.pop()
        found.append(unit)
        pending.extend(unit.children)
    return found


@blueprint.route("/agencies/reorganise", methods=["GET", "POST"])
@administrator_required
def reorganise():
    """Record a merger or a split on a date (optionally creating the new unit)."""
    form = ReorganisationForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", SuccessionKind.MERGER.value)
        form.predecessor_codes.data = request.args.get("from", "")[:2000]
    return edit_page(
        "admin/agencies/reorganise.html",
        form,
        lambda: _reorganise(form),
        lambda done: (_reorganised_message(done, form.effective_date.data), _to_unit(done[1])),
    )


def _reorganise(form: ReorganisationForm) -> tuple[Reorganisation, Agency]:
    """Record the form's merger or split, creating the new unit first if it names one;
    what was recorded, and the (first) unit after the change."""
    day: date = form.effective_date.data
    with write_session() as session:
        predecessors = [_checked_agency(session, code) for code in form.predecessors()]
        successors = [_checked_agency(session, code) for code in form.successors()]
        if form.new_code.data:
            parent_field = form.new_parent_code
            created = create_agency(
                session,
                code=form.new_code.data,
                name=form.new_name.data,
                kind=form.new_kind.data,
                parent=session.get(Agency, parent_field.agency.id) if parent_field.agency else None,
                valid_from=day,
            )
            audit.record(
                "agency.created",
                target=f"agency:{created.code}",
                details={"before": None, "after": agency_values(created)},
                session=session,
            )
            successors = [created]
        done = record_reorganisation(
            session, SuccessionKind(form.kind.data), predecessors, successors, day
        )
        audit.record(
            f"agency.{done.kind.value}",
            target=",".join(f"agency:{code}" for code in done.predecessors),
            details=done.audit_details(),
            session=session,
        )
    return done, successors[0]


def _checked_agency(session: Session, code: str) -> Agency:
    agency = agency_by_code(session, code)
    # The form checked that the code names a unit; units are closed, never deleted.
    assert agency is not None, f"no unit has the code {code}"
    return agency


def _reorganised_message(done: tuple[Reorganisation, Agency], day: date) -> str:
    recorded, _successor = done
    return _(
        "Recorded: %(before)s continue as %(after)s from %(day)s. %(count)s units closed.",
        before=", ".join(recorded.predecessors),
        after=", ".join(recorded.successors),
        day=day.isoformat(),
        count=len(recorded.closed),
    )


csv_pages(AgencyImporter(), "agencies", select(Agency).order_by(Agency.code), agency_values)
