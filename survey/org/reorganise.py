"""Changing the agency tree: create, rename, move, close, and record mergers and splits.

Each function works in the caller's session (one write transaction, see
:func:`survey.db.write_session`), checks the change against the whole tree, and returns
what it changed as plain values for the audit log (``before`` / ``after``). A refused
change raises :class:`ReorganisationRefused` with a translated message and changes nothing.

Closing a unit on a date also closes its still-open descendants on that date: a desk of
a commune's one-stop unit must stop taking ratings together with the commune.
Responses keep their ``agency_id``, so the history stays with the unit as it was; the
:class:`~survey.org.models.AgencySuccession` rows let reports roll it up to the successor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.org.models import Agency, AgencySuccession, PublicCode, ServicePoint, SuccessionKind
from survey.org.tree import AgencyTree

#: What an agency code may look like: it is typed, printed in reports and used in CSV files.
AGENCY_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")

#: Characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: The columns of an agency, as kept in the audit log and in CSV files.
AGENCY_FIELDS = (
    "code",
    "name",
    "name_en",
    "name_km",
    "kind",
    "parent_code",
    "valid_from",
    "valid_to",
)


class ReorganisationRefused(Exception):
    """The change would break the tree; ``message`` says why, translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def looks_like_formula(text: str | None) -> bool:
    return text is not None and text.startswith(FORMULA_PREFIXES)


def agency_values(agency: Agency) -> dict:
    """The agency as plain values (dates as ISO strings), for the audit log and exports."""
    return {
        "code": agency.code,
        "name": agency.name,
        "name_en": agency.name_en or "",
        "name_km": agency.name_km or "",
        "kind": agency.kind,
        "parent_code": agency.parent.code if agency.parent is not None else "",
        "valid_from": agency.valid_from.isoformat() if agency.valid_from else "",
        "valid_to": agency.valid_to.isoformat() if agency.valid_to else "",
    }


def ancestors(agency: Agency) -> list[Agency]:
    """The chain of parents, nearest first (stops at a loop, which the checks below forbid)."""
    found, seen, parent = [], {agency.id}, agency.parent
    while parent is not None and parent.id not in seen:
        found.append(parent)
        seen.add(parent.id)
        parent = parent.parent
    return found


def would_make_cycle(parent_of: dict[str, str | None], code: str) -> bool:
    """True when following parents from ``code`` comes back to it (codes, not ids: imports
    check a tree that is not in the database yet)."""
    seen = {code}
    current = parent_of.get(code)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def check_move(agency: Agency, new_parent: Agency | None) -> None:
    """Refuse a parent that is the unit itself or one of its descendants."""
    if new_parent is None:
        return
    if new_parent.id == agency.id:
        raise ReorganisationRefused(_l("A unit cannot be its own parent."))
    current: Agency | None = new_parent
    seen = set()
    while current is not None and current.id not in seen:
        if current.id == agency.id:
            raise ReorganisationRefused(
                _l(
                    "%(parent)s is inside %(unit)s: a unit cannot be moved under its own "
                    "descendant.",
                    parent=new_parent.code,
                    unit=agency.code,
                )
            )
        seen.add(current.id)
        current = current.parent


def create_agency(session: Session, **values) -> Agency:
    """A new unit; ``values`` are the model's columns plus ``parent`` (an Agency or None)."""
    if session.scalar(select(Agency.id).where(Agency.code == values["code"])) is not None:
        raise ReorganisationRefused(
            _l("The code %(code)s is already used by another unit.", code=values["code"])
        )
    agency = Agency(**values)
    session.add(agency)
    session.flush()
    return agency


def update_agency(session: Session, agency: Agency, parent: Agency | None, **values) -> None:
    """Rename, re-date or move a unit (the move is checked for cycles first)."""
    check_move(agency, parent)
    _check_dates(
        values.get("valid_from", agency.valid_from), values.get("valid_to", agency.valid_to)
    )
    agency.parent = parent
    for name, value in values.items():
        setattr(agency, name, value)
    session.flush()


def _check_dates(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise ReorganisationRefused(_l("The closing date must be after the opening date."))


def close_agency(session: Session, agency: Agency, day: date) -> list[Agency]:
    """Close the unit and its open descendants from ``day`` (their first day without it).

    Returns the units closed, the unit first. Units that close earlier keep their date.
    """
    if agency.valid_from is not None and day <= agency.valid_from:
        raise ReorganisationRefused(
            _l(
                "%(code)s only opens on %(day)s: it cannot close on or before that day.",
                code=agency.code,
                day=agency.valid_from.isoformat(),
            )
        )
    if agency.valid_to is not None and agency.valid_to <= day:
        raise ReorganisationRefused(
            _l(
                "%(code)s already closed on %(day)s.",
                code=agency.code,
                day=agency.valid_to.isoformat(),
            )
        )
    tree = AgencyTree.load(session)
    member_ids = tree.subtree(agency.id, day - timedelta(days=1)) | {agency.id}
    closed = []
    for member in session.scalars(select(Agency).where(Agency.id.in_(member_ids))):
        if member.valid_to is not None and member.valid_to <= day:
            continue
        # A descendant that only opens on or after ``day`` never existed under this unit.
        if member.valid_from is not None and member.valid_from >= day:
            continue
        member.valid_to = day
        closed.append(member)
    closed.sort(key=lambda member: (member.id != agency.id, member.code))
    session.flush()
    return closed


@dataclass(frozen=True)
class Reorganisation:
    """What a merger or split changed, for the audit log and the confirmation message."""

    kind: SuccessionKind
    effective_date: date
    predecessors: list[str]
    successors: list[str]
    closed: list[str]

    def audit_details(self) -> dict:
        return {
            "kind": self.kind.value,
            "effective_date": self.effective_date.isoformat(),
            "predecessors": self.predecessors,
            "successors": self.successors,
            "closed": self.closed,
        }


def record_reorganisation(
    session: Session,
    kind: SuccessionKind,
    predecessors: list[Agency],
    successors: list[Agency],
    day: date,
) -> Reorganisation:
    """Record that ``predecessors`` continue as ``successors`` from ``day``.

    A merger has one successor, a split one predecessor. The predecessors (and their open
    descendants) close on ``day``; the successors must exist on ``day``. Refused when a
    unit would succeed itself, directly or through earlier reorganisations.
    """
    _check_shape(kind, predecessors, successors)
    _check_successors(session, predecessors, successors, day)
    _check_predecessors(predecessors, day)
    closed: list[str] = []
    for predecessor in predecessors:
        closed += [member.code for member in close_agency(session, predecessor, day)]
        for successor in successors:
            _add_succession(session, kind, predecessor, successor, day)
    session.flush()
    return Reorganisation(
        kind=kind,
        effective_date=day,
        predecessors=[unit.code for unit in predecessors],
        successors=[unit.code for unit in successors],
        closed=closed,
    )


def _check_shape(
    kind: SuccessionKind, predecessors: list[Agency], successors: list[Agency]
) -> None:
    """A merger has one successor, a split one predecessor, and no unit is on both sides."""
    if kind is SuccessionKind.MERGER and len(successors) != 1:
        raise ReorganisationRefused(_l("A merger has exactly one successor."))
    if kind is SuccessionKind.SPLIT and len(predecessors) != 1:
        raise ReorganisationRefused(_l("A split has exactly one unit that is split."))
    if not predecessors or not successors:
        raise ReorganisationRefused(_l("Name the units before and after the change."))
    overlap = {unit.code for unit in predecessors} & {unit.code for unit in successors}
    if overlap:
        raise ReorganisationRefused(
            _l(
                "%(codes)s cannot be both before and after the change.",
                codes=", ".join(sorted(overlap)),
            )
        )


def _check_successors(
    session: Session, predecessors: list[Agency], successors: list[Agency], day: date
) -> None:
    """Every successor exists on ``day`` and none already became one of the predecessors."""
    tree = AgencyTree.load(session)
    for successor in successors:
        if not successor.is_valid_on(day):
            raise ReorganisationRefused(
                _l("%(code)s does not exist on %(day)s.", code=successor.code, day=day.isoformat())
            )
        later = tree.successors(successor.id)
        for predecessor in predecessors:
            if predecessor.id in later:
                raise ReorganisationRefused(
                    _l(
                        "%(code)s already became %(other)s: this change would go round in a "
                        "circle.",
                        code=successor.code,
                        other=predecessor.code,
                    )
                )


def _check_predecessors(predecessors: list[Agency], day: date) -> None:
    """Every predecessor existed the day before ``day``."""
    for predecessor in predecessors:
        if not predecessor.is_valid_on(day - timedelta(days=1)):
            raise ReorganisationRefused(
                _l(
                    "%(code)s did not exist the day before %(day)s.",
                    code=predecessor.code,
                    day=day.isoformat(),
                )
            )


def _add_succession(
    session: Session, kind: SuccessionKind, predecessor: Agency, successor: Agency, day: date
) -> None:
    """Record that ``predecessor`` continues as ``successor``, unless that is already known."""
    exists = session.scalar(
        select(AgencySuccession.id).where(
            AgencySuccession.predecessor_id == predecessor.id,
            AgencySuccession.successor_id == successor.id,
        )
    )
    if exists is not None:
        raise ReorganisationRefused(
            _l(
                "%(code)s is already recorded as continuing as %(other)s.",
                code=predecessor.code,
                other=successor.code,
            )
        )
    session.add(
        AgencySuccession(
            predecessor=predecessor, successor=successor, kind=kind, effective_date=day
        )
    )


@dataclass(frozen=True)
class SuccessorDesk:
    """A desk of a successor unit that takes ratings today, offered on an old desk's page."""

    agency: Agency
    desk: ServicePoint
    public_code: str


def successor_desks(
    session: Session, agency_id: int, day: date, limit: int = 10
) -> list[SuccessorDesk]:
    """The active desks of the units that carry on ``agency_id`` (or its nearest closed
    ancestor with a successor) on ``day``: where the citizen of an old desk can rate now."""
    tree = AgencyTree.load(session)
    agency = session.get(Agency, agency_id)
    chain = [agency, *ancestors(agency)] if agency is not None else []
    for unit in chain:
        if unit.is_valid_on(day):
            continue  # an ancestor still open does not replace the unit
        carried_on = tree.current_successors(unit.id, day)
        if not carried_on:
            continue
        members = set().union(*(tree.subtree(successor, day) for successor in carried_on))
        rows = session.execute(
            select(ServicePoint, PublicCode.code)
            .join(PublicCode, PublicCode.service_point_id == ServicePoint.id)
            .where(
                ServicePoint.agency_id.in_(members),
                ServicePoint.is_active.is_(True),
                PublicCode.revoked_dt.is_(None),
            )
            .order_by(ServicePoint.agency_id, ServicePoint.name, ServicePoint.id)
            .limit(limit)
        )
        return [SuccessorDesk(desk.agency, desk, code) for desk, code in rows]
    return []


def successor_desks_for_code(session: Session, code: str, day: date) -> list[SuccessorDesk]:
    """Where a citizen holding an old desk's or official's QR code can rate on ``day``."""
    public_code = session.scalar(select(PublicCode).where(PublicCode.code == code.lower()))
    if public_code is None or public_code.revoked_dt is not None:
        return []
    owner = public_code.service_point or public_code.official
    assert owner is not None, "a code points at a desk or an official (exactly_one_target)"
    return successor_desks(session, owner.agency_id, day)
