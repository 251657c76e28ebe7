"""What a report is about: a period of Vietnam-local days and a selection of responses.

Days are Vietnam-local. ``Response.submitted_dt`` is naive UTC; Vietnam is UTC+7 all year
(no daylight saving since 1975), so the local day of a response is the date of
``submitted_dt + 7 hours``: a response at 23:30 UTC on 31 July counts on 1 August. A period
``[start, end)`` therefore covers ``start − 7 h <= submitted_dt < end − 7 h`` in UTC.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.collect.models import Channel, RespondentType
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET

#: Periods as Vietnamese officers write them (matched on the casefolded, NFC text):
#: "Quý 3/2026", "quý III/2026", "Q3/2026", "quý 3 năm 2026", "2026-Q3"; "tháng 7/2026",
#: "07/2026", "tháng 7 năm 2026", "2026-07"; "năm 2026", "2026".
_BETWEEN = r"\s*(?:[/.-]|năm)\s*"
_QUARTER_WORDS = re.compile(rf"^(?:quý|q)\s*([1-4]|iv|i{{1,3}}){_BETWEEN}(\d{{4}})$")
_QUARTER = re.compile(r"^(\d{4})\s*-\s*q([1-4])$")
_MONTH_WORDS = re.compile(
    rf"^(?:tháng\s*(0?[1-9]|1[0-2]){_BETWEEN}|(0?[1-9]|1[0-2])\s*[/.-]\s*)(\d{{4}})$"
)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(?:năm\s*)?(\d{4})$")
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    """Vietnam-local days from ``start`` (inclusive) to ``end`` (exclusive).

    Build one with :meth:`month`, :meth:`quarter`, :meth:`year`, :meth:`custom` or
    :meth:`parse` ("2026-07", "2026-Q3", "2026"). Periods sort by their start.
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"a period must end after it starts: {self.start} to {self.end}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls(start, _add_months(start, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise ValueError(f"a quarter is 1 to 4, got {quarter}")
        start = date(year, 3 * quarter - 2, 1)
        return cls(start, _add_months(start, 3))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def custom(cls, first_day: date, last_day: date) -> Period:
        """From ``first_day`` to ``last_day``, both included (as a person says it)."""
        return cls(first_day, last_day + timedelta(days=1))

    @classmethod
    def parse(cls, text: str) -> Period:
        """A quarter, month or year as an officer writes it, in Vietnamese or ISO form.

        "Quý 3/2026", "quý III/2026", "Q3/2026", "2026-Q3"; "tháng 7/2026", "07/2026",
        "2026-07"; "năm 2026", "2026" (any case; "năm" may also join a quarter or a month
        to its year). The web form and the ``report`` command both read periods here.
        """
        words = " ".join(unicodedata.normalize("NFC", text).casefold().split())
        if match := _QUARTER_WORDS.match(words):
            quarter = _ROMAN_QUARTERS.get(match[1]) or int(match[1])
            return cls.quarter(int(match[2]), quarter)
        if match := _QUARTER.match(words):
            return cls.quarter(int(match[1]), int(match[2]))
        if match := _MONTH_WORDS.match(words):
            return cls.month(int(match[3]), int(match[1] or match[2]))
        if match := _MONTH.match(words):
            return cls.month(int(match[1]), int(match[2]))
        if match := _YEAR.match(words):
            return cls.year(int(match[1]))
        raise ValueError(
            f"{text!r} is not a quarter (2026-Q3, Quý 3/2026), a month (2026-07, tháng 7/2026) "
            "or a year (2026)"
        )

    @property
    def is_whole_months(self) -> bool:
        """True when the period starts and ends on the first of a month (counts tables apply)."""
        return self.start.day == 1 and self.end.day == 1

    def whole_months_inside(self) -> Period | None:
        """The longest whole-months period inside this one (None when there is none)."""
        start = self.start if self.start.day == 1 else _add_months(self.start, 1)
        end = self.end.replace(day=1)
        return Period(start, end) if start < end else None

    @property
    def calendar_year(self) -> Period | None:
        """The calendar year of a period of whole months within it (a month, a quarter,
        the year, or a span of months an officer chose); None for another span."""
        year = Period.year(self.start.year)
        inside = year.start <= self.start < self.end <= year.end
        return year if self.is_whole_months and inside else None

    @property
    def months(self) -> int | None:
        """Length in months, or None when the period is not whole months."""
        if not self.is_whole_months:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    @property
    def label(self) -> str:
        """ "2026-07", "2026-Q3", "2026", or "2026-07-03..2026-07-09" (last day included)."""
        months = self.months
        if months == 1:
            return f"{self.start:%Y-%m}"
        if months == 3 and self.start.month % 3 == 1:
            return f"{self.start.year}-Q{(self.start.month + 2) // 3}"
        if months == 12 and self.start.month == 1:
            return str(self.start.year)
        return f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    def previous(self) -> Period:
        """The period of the same length just before: the previous month, quarter or year,
        the same number of months, or the same number of days for other periods."""
        months = self.months
        if months is not None:
            return Period(_add_months(self.start, -months), self.start)
        return Period(self.start - (self.end - self.start), self.start)

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Naive UTC datetimes ``[low, high)`` of ``submitted_dt`` inside the period."""
        return (
            datetime.combine(self.start, time()) - VIETNAM_UTC_OFFSET,
            datetime.combine(self.end, time()) - VIETNAM_UTC_OFFSET,
        )


def vietnam_local_date(moment_utc: datetime) -> date:
    """The Vietnam-local date of a naive UTC datetime."""
    return (moment_utc + VIETNAM_UTC_OFFSET).date()


class Dimension(enum.StrEnum):
    """What results can be grouped by. Group keys are documented in ``queries``."""

    AGENCY = "agency"
    SERVICE_POINT = "service_point"
    OFFICIAL = "official"
    MONTH = "month"
    QUARTER = "quarter"
    CHANNEL = "channel"
    RESPONDENT_TYPE = "respondent_type"
    PROCEDURE_FIELD = "procedure_field"


@dataclass(frozen=True)
class ReportFilter:
    """Which responses a report counts. ``None`` (or an empty choice) means "all".

    ``agency_ids`` is computed by the caller from :class:`survey.org.tree.AgencyTree`
    (``subtree`` as of a date, or ``rolled_up`` through mergers) and is also where access
    control narrows a report to an officer's subtree. An empty set selects nothing.
    Flagged responses (set aside for review) are left out unless ``include_flagged``.
    """

    period: Period
    agency_ids: frozenset[int] | None = None
    service_point_id: int | None = None
    official_id: int | None = None
    #: Procedure field (lĩnh vực), e.g. "Hộ tịch"; answered from the raw tables.
    procedure_field: str | None = None
    channel: Channel | None = None
    respondent_type: RespondentType | None = None
    questionnaire_version_ids: frozenset[int] | None = None
    include_flagged: bool = False

    def __post_init__(self) -> None:
        for name in ("agency_ids", "questionnaire_version_ids"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        if self.channel is not None:
            object.__setattr__(self, "channel", Channel(self.channel))
        if self.respondent_type is not None:
            object.__setattr__(self, "respondent_type", RespondentType(self.respondent_type))

    def with_period(self, period: Period) -> ReportFilter:
        """The same selection over another period (e.g. ``period.previous()``)."""
        return replace(self, period=period)


def questionnaire_version_ids(session: Session, questionnaire_key: str) -> frozenset[int]:
    """The ids of every version of a questionnaire (``"sipas"``, ``"onestop-quick"``)."""
    return frozenset(
        session.scalars(
            select(QuestionnaireVersion.id)
            .join(Questionnaire)
            .where(Questionnaire.key == questionnaire_key)
        )
    )
