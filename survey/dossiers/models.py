"""A dossier from the one-stop system, and the integration keys that may send dossiers."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import BigIdentifier, Model, string_enum, utcnow


class DossierChannel(enum.StrEnum):
    """How the dossier was lodged (trực tiếp, trực tuyến, bưu chính)."""

    DIRECT = "direct"
    ONLINE = "online"
    POSTAL = "postal"


class Complaint(enum.StrEnum):
    """A complaint about the dossier's handling; harassment is "nhũng nhiễu, gây phiền hà"."""

    NONE = "none"
    HARASSMENT = "harassment"
    OTHER = "other"


class OneStopDesk(enum.StrEnum):
    """Whether the dossier was received and its result returned through the one-stop desk
    (Bộ phận Một cửa): both, only one of the two, or neither."""

    BOTH = "both"
    PARTLY = "partly"
    NEITHER = "neither"


class Publication(enum.StrEnum):
    """How the dossier's procedure was published (công khai TTHC): in full and as the rules
    say, in part (or not as the rules say), or not at all."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class FeedbackHandling(enum.StrEnum):
    """Feedback on the dossier (phản ánh, kiến nghị): none received, or answered before its
    deadline, on it, or after it."""

    NONE = "none"
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class OnlineService(enum.StrEnum):
    """The online public service (dịch vụ công trực tuyến) of the dossier's procedure: the
    whole procedure online (toàn trình), a part of it (một phần), or none."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class Dossier(Model):
    """One dossier (hồ sơ) handled by an agency, as the one-stop system recorded it.

    The dossier code (mã hồ sơ) is never stored: only its keyed hash, the same one a
    rating stores when the citizen types the code (:func:`survey.collect.store.dossier_hash`),
    so a rating finds its dossier without the code being readable from the database.
    Times are naive UTC, as everywhere in the database.
    """

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(BigIdentifier, primary_key=True)
    #: Keyed hash (HMAC) of the dossier code; a re-import updates the dossier it names.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    channel: Mapped[DossierChannel | None] = mapped_column(string_enum(DossierChannel))
    received_dt: Mapped[datetime]
    #: The promised return time (a date alone means the end of that day in Vietnam).
    due_dt: Mapped[datetime]
    #: None while the dossier is still being handled.
    returned_dt: Mapped[datetime | None]
    #: How many more times the citizen had to come or add papers.
    extra_visits: Mapped[int | None] = mapped_column(SmallInteger)
    #: How many agencies the citizen had to deal with.
    agencies_contacted: Mapped[int | None] = mapped_column(SmallInteger)
    complaint: Mapped[Complaint | None] = mapped_column(string_enum(Complaint))
    #: Circular 01/2018 index 5: received and returned through the one-stop desk.
    one_stop_desk: Mapped[OneStopDesk | None] = mapped_column(string_enum(OneStopDesk))
    #: Index 6: the procedure's publication.
    procedure_published: Mapped[Publication | None] = mapped_column(string_enum(Publication))
    #: Index 8: how feedback on the dossier was handled.
    feedback_handling: Mapped[FeedbackHandling | None] = mapped_column(
        string_enum(FeedbackHandling)
    )
    #: Index 9: the procedure's online public service.
    online_service: Mapped[OnlineService | None] = mapped_column(string_enum(OnlineService))
    #: The day a letter of apology (thư xin lỗi) was sent for a late dossier.
    apology_sent_on: Mapped[date | None] = mapped_column(Date)
    imported_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("due_dt >= received_dt", name="due_after_receipt"),
        CheckConstraint(
            "returned_dt IS NULL OR returned_dt >= received_dt", name="returned_after_receipt"
        ),
        # Reports count the dossiers returned in a period, by agency, desk or official.
        Index("ix_dossiers_agency_returned", "agency_id", "returned_dt"),
        Index("ix_dossiers_service_point_returned", "service_point_id", "returned_dt"),
        Index("ix_dossiers_official_returned", "official_id", "returned_dt"),
    )


class Integration(Model):
    """A system allowed to send dossiers to ``POST /api/v1/dossiers`` with its own key.

    The key is printed once when the integration is created; only its SHA-256 is kept.
    """

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_dt: Mapped[datetime | None]
    revoked_dt: Mapped[datetime | None]
