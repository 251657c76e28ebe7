"""Opening feedback cases and moving them through their states.

Every write here happens in the caller's transaction (a :func:`survey.db.write_session`):
a case opens in the very transaction that stores the rating it comes from, so there is
never a rating without its case or a case without its rating.
"""

from __future__ import annotations

import secrets
import uuid as uuid_module
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey.collect.models import CallbackRequest
from survey.feedback.models import (
    CLOSED_STATES,
    CaseEvent,
    CaseSource,
    CaseState,
    FeedbackCase,
)
from survey.questionnaires.definition import QuestionnaireDefinition
from survey.settings import get_setting
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET, CalendarDay, add_working_days

#: Receipt letters: no 0/O, 1/I/L, 5/S, 2/Z, 8/B look-alikes, so a code read aloud over the
#: phone or copied from a screen is typed right.
RECEIPT_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
RECEIPT_LENGTH = 10  # 25^10 ≈ 9.5 · 10^13 codes: guessing one is hopeless at 30 tries an hour


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalise_receipt(text: str) -> str | None:
    """The receipt as stored, from what a citizen typed (spaces, dashes and case ignored);
    None when it cannot be one."""
    code = "".join(character for character in text.upper() if character not in " -")
    if len(code) != RECEIPT_LENGTH or any(c not in RECEIPT_ALPHABET for c in code):
        return None
    return code


@dataclass(frozen=True)
class Calendar:
    """Vietnam's working days with the administrator's additions (:class:`CalendarDay`)."""

    days_off: frozenset[date]
    days_worked: frozenset[date]

    @classmethod
    def load(cls, session: Session) -> Calendar:
        rows = session.execute(select(CalendarDay.day, CalendarDay.is_working_day)).all()
        return cls(
            frozenset(day for day, worked in rows if not worked),
            frozenset(day for day, worked in rows if worked),
        )

    def add(self, start: date, working_days: int) -> date:
        return add_working_days(start, working_days, self.days_off, self.days_worked)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 on the same day)."""
        count, day = 0, start
        while day < end:
            day = self.add(day, 1)
            if day <= end:
                count += 1
        return count


def local_date(moment: datetime) -> date:
    """The date in Vietnam of a stored (naive UTC) time."""
    return (moment + VIETNAM_UTC_OFFSET).date()


def source_of(
    definition: QuestionnaireDefinition,
    answers: Iterable[Mapping],
    has_phone: bool,
) -> CaseSource | None:
    """What in a rating opens a case, by the settings; the most serious if several do.

    ``answers`` are the validated answers' columns (``item_key``, ``value``, ``text``).
    """
    answers = list(answers)
    reporting = {tuple(pair) for pair in get_setting("FEEDBACK_HARASSMENT_ANSWERS")}
    if get_setting("FEEDBACK_CASE_FROM_HARASSMENT") and any(
        (answer["item_key"], answer["value"]) in reporting for answer in answers
    ):
        return CaseSource.HARASSMENT
    if get_setting("FEEDBACK_CASE_FROM_LOW_RATING") and _bottom_with_comment(definition, answers):
        return CaseSource.LOW_RATING
    if get_setting("FEEDBACK_CASE_FROM_CALLBACK") and has_phone:
        return CaseSource.CALLBACK
    return None


def _bottom_with_comment(definition: QuestionnaireDefinition, answers: list[Mapping]) -> bool:
    has_comment = any((answer.get("text") or "").strip() for answer in answers)
    if not has_comment:
        return False
    for answer in answers:
        if answer.get("value") is None or not definition.has_item(answer["item_key"]):
            continue
        scale = definition.item(answer["item_key"]).scale
        if (
            scale is not None
            and scale.kind == "satisfaction"
            and answer["value"] == min(scale.values)
        ):
            return True
    return False


@dataclass(frozen=True)
class Opening:
    """Where a case comes from and what the citizen gave."""

    source: CaseSource
    agency_id: int
    language: str
    service_point_id: int | None = None
    official_id: int | None = None
    response_id: int | None = None
    text: str | None = None
    client_uuid: uuid_module.UUID | None = None
    #: A number from the standalone form (a rating's number is its CallbackRequest).
    contact_phone: str | None = None
    has_phone: bool = False


def open_case(session: Session, opening: Opening, now: datetime) -> FeedbackCase:
    """A new case with its deadlines and its first event, added to ``session``."""
    calendar = Calendar.load(session)
    opened_on = local_date(now)
    retention = timedelta(days=get_setting("CONTACT_RETENTION_DAYS"))
    case = FeedbackCase(
        receipt=new_receipt(),
        source=opening.source,
        state=CaseState.NEW,
        agency_id=opening.agency_id,
        service_point_id=opening.service_point_id,
        official_id=opening.official_id,
        response_id=opening.response_id,
        text=opening.text,
        client_uuid=opening.client_uuid,
        language=opening.language,
        contact_phone=opening.contact_phone,
        contact_delete_after_dt=now + retention if opening.contact_phone else None,
        has_phone=opening.has_phone or bool(opening.contact_phone),
        opened_dt=now,
        acknowledge_due=calendar.add(opened_on, get_setting("FEEDBACK_ACKNOWLEDGE_WORKING_DAYS")),
        answer_due=calendar.add(opened_on, get_setting("FEEDBACK_ANSWER_WORKING_DAYS")),
    )
    case.events.append(CaseEvent(action="opened", occurred_dt=now))
    session.add(case)
    session.flush()
    return case


#: The changes an officer may make, from each state (reopening and transfer apart).
TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = {
    CaseState.NEW: frozenset({CaseState.ACKNOWLEDGED}),
    CaseState.ACKNOWLEDGED: frozenset(
        {CaseState.IN_PROGRESS, CaseState.ANSWERED, CaseState.UNFOUNDED}
    ),
    CaseState.IN_PROGRESS: frozenset({CaseState.ANSWERED, CaseState.UNFOUNDED}),
    CaseState.ANSWERED: frozenset(),
    CaseState.UNFOUNDED: frozenset(),
}


class InvalidChange(Exception):
    """The change cannot be made from the case's state (the officer is told why: 409)."""


class StaleCase(Exception):
    """Somebody changed the case after the officer read it: nothing is overwritten."""


def _check_version(case: FeedbackCase, read_version: int) -> None:
    if case.version != read_version:
        raise StaleCase()


def change_state(
    case: FeedbackCase,
    target: CaseState,
    *,
    read_version: int,
    user_id: int,
    now: datetime,
    note: str | None = None,
    public_reply: str | None = None,
    is_agency_at_fault: bool = False,
) -> None:
    """Move ``case`` to ``target``, recording who, when and the note."""
    _check_version(case, read_version)
    if target not in TRANSITIONS[case.state]:
        raise InvalidChange(case.state, target)
    if target == CaseState.ANSWERED and not (public_reply or "").strip():
        raise InvalidChange(case.state, target)
    if target == CaseState.ACKNOWLEDGED:
        case.acknowledged_dt = now
    if target in CLOSED_STATES:
        case.closed_dt = now
        case.public_reply = public_reply
        case.is_agency_at_fault = target == CaseState.ANSWERED and is_agency_at_fault
    case.state = target
    case.events.append(CaseEvent(action=target.value, user_id=user_id, note=note, occurred_dt=now))


def transfer(
    case: FeedbackCase,
    to_agency_id: int,
    *,
    read_version: int,
    user_id: int,
    now: datetime,
    calendar: Calendar,
    note: str | None = None,
) -> None:
    """Hand an open case to another agency: it is new there and has its own time to
    acknowledge it; the answer's deadline, the citizen's, stays."""
    _check_version(case, read_version)
    if not case.is_open or to_agency_id == case.agency_id:
        raise InvalidChange(case.state, "transfer")
    from_agency_id = case.agency_id
    case.agency_id = to_agency_id
    case.state = CaseState.NEW
    case.acknowledged_dt = None
    case.acknowledge_due = calendar.add(
        local_date(now), get_setting("FEEDBACK_ACKNOWLEDGE_WORKING_DAYS")
    )
    case.events.append(
        CaseEvent(
            action="transferred",
            user_id=user_id,
            note=note,
            occurred_dt=now,
            from_agency_id=from_agency_id,
            to_agency_id=to_agency_id,
        )
    )


def reopen(
    case: FeedbackCase, *, read_version: int, user_id: int, now: datetime, note: str | None
) -> None:
    """Open a closed case again (the reform office only: the route checks the role)."""
    _check_version(case, read_version)
    if case.state not in CLOSED_STATES:
        raise InvalidChange(case.state, "reopen")
    case.state = CaseState.IN_PROGRESS
    case.closed_dt = None
    case.is_agency_at_fault = False
    case.events.append(CaseEvent(action="reopened", user_id=user_id, note=note, occurred_dt=now))


def purge_case_contacts(session: Session, now: datetime) -> int:
    """Delete the standalone form's numbers past their retention period, and mark the cases
    whose rating's call-back number is being deleted now (the caller deletes those), open
    cases too; each case's history says so. Returns how many numbers of the form's it
    deleted."""
    expiring_callbacks = select(CallbackRequest.response_id).where(
        CallbackRequest.delete_after_dt <= now
    )
    cases = session.scalars(
        select(FeedbackCase).where(
            FeedbackCase.phone_deleted_dt.is_(None),
            or_(
                FeedbackCase.contact_delete_after_dt <= now,
                FeedbackCase.response_id.in_(expiring_callbacks),
            ),
        )
    ).all()
    deleted = 0
    for case in cases:
        if case.contact_phone is not None:
            deleted += 1
        case.contact_phone = None
        case.phone_deleted_dt = now
        case.events.append(CaseEvent(action="phone_deleted", occurred_dt=now))
    return deleted
