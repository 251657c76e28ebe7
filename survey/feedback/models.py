"""Feedback cases (phản ánh, kiến nghị): what a citizen asked or reported, who handles it,
and every change to it.

A case opens from a submission (a call-back request, a bottom-of-scale answer with a
comment, a report of harassment) or from the standalone form ``/q/<code>/feedback``. It
belongs to an agency; the agency's officers move it through :class:`CaseState` and each
move is a :class:`CaseEvent` (who, when, a note). The citizen follows it with the receipt
code, which shows the state and the public reply, never the number or the notes.
(The administrator's days off and days worked are :class:`survey.vietnam_calendar.CalendarDay`.)
"""

from __future__ import annotations

import enum
import uuid as uuid_module
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import BigIdentifier, Model, string_enum, utcnow


class CaseSource(enum.StrEnum):
    """What opened the case."""

    CALLBACK = "callback"  # a rating with a call-back request
    LOW_RATING = "low_rating"  # a bottom-of-scale answer with a comment
    HARASSMENT = "harassment"  # an answer reporting "nhũng nhiễu, gây phiền hà"
    DIRECT = "direct"  # sent on its own from /q/<code>/feedback


class CaseState(enum.StrEnum):
    """Mới → đã tiếp nhận → đang xử lý → đã trả lời / không có cơ sở."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    UNFOUNDED = "unfounded"


#: States in which the case still waits for the agency.
OPEN_STATES = frozenset({CaseState.NEW, CaseState.ACKNOWLEDGED, CaseState.IN_PROGRESS})
CLOSED_STATES = frozenset({CaseState.ANSWERED, CaseState.UNFOUNDED})
#: The open states as SQL, in the words of the partial index on open cases: a query that
#: says exactly this is one the index serves.
OPEN_STATES_SQL = "state IN ('new', 'acknowledged', 'in_progress')"


class FeedbackCase(Model):
    """One citizen's feedback, handled by one agency at a time."""

    __tablename__ = "feedback_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The citizen's receipt code (unguessable; see :mod:`survey.feedback.receipts`).
    receipt: Mapped[str] = mapped_column(String(16), unique=True)
    source: Mapped[CaseSource] = mapped_column(string_enum(CaseSource))
    state: Mapped[CaseState] = mapped_column(string_enum(CaseState), default=CaseState.NEW)
    #: The agency handling it now (the desk's or official's, until a transfer).
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    #: The rating that opened it (one case per submission), None for standalone feedback.
    response_id: Mapped[int | None] = mapped_column(
        BigIdentifier, ForeignKey("responses.id", ondelete="SET NULL"), unique=True
    )
    #: The standalone form's identifier, made when the form is shown: sent twice (a double
    #: tap, a retry), it opens one case.
    client_uuid: Mapped[uuid_module.UUID | None] = mapped_column(Uuid, unique=True)
    #: What the citizen wrote on the standalone form (a rating's comment stays an answer).
    text: Mapped[str | None] = mapped_column(Text)
    #: The citizen's language: the receipt page speaks it.
    language: Mapped[str] = mapped_column(String(8))
    #: A number given with consent on the standalone form (a rating's number is its
    #: CallbackRequest); deleted with ``purge-contacts`` after the retention period.
    contact_phone: Mapped[str | None] = mapped_column(String(24))
    contact_delete_after_dt: Mapped[datetime | None] = mapped_column(index=True)
    #: Whether the citizen gave a number, and when it was deleted.
    has_phone: Mapped[bool] = mapped_column(default=False)
    phone_deleted_dt: Mapped[datetime | None]
    opened_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Deadlines, in Vietnam's dates, counted in working days from the opening (or transfer).
    acknowledge_due: Mapped[date]
    answer_due: Mapped[date]
    acknowledged_dt: Mapped[datetime | None]
    closed_dt: Mapped[datetime | None]
    #: The reply the citizen reads on the receipt page.
    public_reply: Mapped[str | None] = mapped_column(Text)
    #: Closed as founded with the agency at fault: an apology letter is due.
    is_agency_at_fault: Mapped[bool] = mapped_column(default=False)
    #: Raised by every change: an officer's form carries the version it was read at, so a
    #: second concurrent change is refused instead of overwriting the first.
    version: Mapped[int] = mapped_column(default=1)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once, when mapped)
    __table_args__ = (
        Index("ix_feedback_cases_agency_state", "agency_id", "state", "opened_dt"),
        # The list's order (newest first): paged without sorting every case.
        Index("ix_feedback_cases_opened", "opened_dt", "id"),
        # The open cases in the list's order: the overdue filter (and "open") walks only
        # them, newest first, instead of sorting every match (partial: closed cases, most
        # of a province's history, are not in it). It replaced an index on (state,
        # opened_dt), which SQLite preferred for the overdue filter and then sorted.
        Index(
            "ix_feedback_cases_open_opened",
            "opened_dt",
            "id",
            sqlite_where=sql_text(OPEN_STATES_SQL),
            postgresql_where=sql_text(OPEN_STATES_SQL),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def due_date(self) -> date | None:
        """The next deadline: acknowledging a new case, answering an acknowledged one."""
        if self.state == CaseState.NEW:
            return self.acknowledge_due
        if self.state in OPEN_STATES:
            return self.answer_due
        return None

    def is_overdue(self, today: date) -> bool:
        due = self.due_date()
        return due is not None and today > due


class CaseEvent(Model):
    """One change to a case: who (None: the citizen or the platform), when, what, a note."""

    __tablename__ = "feedback_case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("feedback_cases.id", ondelete="CASCADE"), index=True
    )
    occurred_dt: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: "opened", "acknowledged", "in_progress", "answered", "unfounded", "transferred",
    #: "reopened", "phone_deleted".
    action: Mapped[str] = mapped_column(String(32))
    #: Internal: never shown to the citizen.
    note: Mapped[str | None] = mapped_column(Text)
    #: For a transfer: the agency it came from (the case's agency is where it went).
    from_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))

    case: Mapped[FeedbackCase] = relationship(back_populates="events")


class ApologyTemplate(Model):
    """An agency's text of the apology letter ("Thư xin lỗi"), edited by an administrator;
    an agency without one uses :data:`survey.feedback.apology.DEFAULT_TEMPLATE`."""

    __tablename__ = "feedback_apology_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), unique=True)
    #: Vietnamese text with placeholders (:data:`survey.feedback.apology.PLACEHOLDERS`).
    text: Mapped[str] = mapped_column(Text)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
