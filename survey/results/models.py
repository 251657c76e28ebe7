"""Pre-aggregated counts of responses, answers and one-stop points, folded in after each write.

Reports read these tables instead of the millions of raw rows, so a province report costs
O(groups), not O(responses). They are derived data: storing a response also queues it in
:class:`UncountedResponse`, and :func:`survey.results.counts.fold_counts` adds the queued
responses to the tables and takes them off the queue in one transaction (right before any
report reads, and every few seconds in each server process); ``flask --app survey
rebuild-counts`` recomputes them from the raw tables.

Grain: the **Vietnam-local month** (``month`` is its first day), not the day. Measured on the
demo data (20,000 responses, 193,000 answers), a day × desk × official × channel × respondent
type grain has 187,000 groups: no smaller than the answers themselves, so nothing would be
gained. Per month the full-detail table is several times smaller than the answers and the
agency table (:class:`AgencyAnswerCount`) orders of magnitude smaller. Periods that are not
whole months take their edge days from the raw tables (same results; the tests prove it).
Each kind of count also has an agency-level table (``agency_*``: month, agency, version,
flagged) and an official-level one (``official_*``: the same and the official), many times
smaller, which answer whenever a report uses no more than they keep: the province's and
agencies' numbers, the comparison and scores of officials.
The procedure field has agency-level tables of its own (``procedure_*``); a report by
procedure field that also narrows to a desk, official, channel or respondent type reads the
raw tables.

Every dimension column is NOT NULL and part of the primary key, because ``INSERT … ON
CONFLICT DO UPDATE`` needs a unique key and SQL unique keys treat NULLs as distinct. "None"
is therefore stored as a sentinel: :data:`NO_ID` (no desk, no official), :data:`UNKNOWN`
(respondent type not given) and :data:`NO_VALUE` (a "not applicable" or a text answer).
The query layer turns sentinels back into ``None``. The tables carry no foreign keys: they
are rebuilt, never edited by hand.
"""

from __future__ import annotations

import string
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import BigIdentifier, db

#: Stored for "no service point" and "no official".
NO_ID = 0
#: Stored for a respondent type that was not given.
UNKNOWN = ""
#: Stored as the value of "not applicable" and text answers (codes are within -999..999).
NO_VALUE = -1000
#: The characters of an :class:`AnswerVector`: the n-th stands for a scale's n-th code in
#: ascending order (the questionnaire schema allows at most 62 codes on a scale).
VECTOR_ALPHABET = string.digits + string.ascii_letters
#: Stands for a criterion left unanswered or answered "not applicable".
NOT_ANSWERED = "."


class _ResponseDimensions:
    """What a report can filter or group by, in every count table with full detail."""

    #: First day of the Vietnam-local (UTC+7) month in which the response was submitted.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: :data:`NO_ID` when the response named no desk.
    service_point_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: :data:`NO_ID` when the response named no official.
    official_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: A :class:`survey.collect.models.Channel` value.
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: A :class:`survey.collect.models.RespondentType` value or :data:`UNKNOWN`.
    respondent_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    is_flagged: Mapped[bool] = mapped_column(primary_key=True)


class _AgencyDimensions:
    """The dimensions of the agency-level tables (a subset of :class:`_ResponseDimensions`)."""

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_flagged: Mapped[bool] = mapped_column(primary_key=True)


class _OfficialDimensions:
    """The agency-level dimensions with the official (:data:`NO_ID` when none was named)."""

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_flagged: Mapped[bool] = mapped_column(primary_key=True)


class _ProcedureDimensions:
    """The agency-level dimensions with the procedure the dossier was for.

    Keyed by procedure id, not by its field: the report's procedure field is the field the
    procedure has when the report is read (an administrator may move a procedure to another
    field), exactly as the raw rows give it.
    """

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: :data:`NO_ID` when the response named no procedure.
    procedure_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_flagged: Mapped[bool] = mapped_column(primary_key=True)


class _AnswerKey:
    item_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The scale code; :data:`NO_VALUE` for "not applicable" and text answers.
    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    is_not_applicable: Mapped[bool] = mapped_column(primary_key=True)
    #: Number of answers in the group.
    count: Mapped[int] = mapped_column(BigInteger)


class ResponseCount(_ResponseDimensions, db.Model):
    """Number of responses per month and dimension: the n of every report, for suppression."""

    __tablename__ = "response_counts"

    count: Mapped[int] = mapped_column(BigInteger, sort_order=1)


class AnswerCount(_ResponseDimensions, _AnswerKey, db.Model):
    """Answers per month, dimension, item and value (text answers only as answered)."""

    __tablename__ = "answer_counts"
    __table_args__ = (
        # The primary key starts with (month, agency); an official's own page filters by
        # official.
        Index("ix_answer_counts_official_month", "official_id", "month"),
        # The comparisons of officials and desks read one item of every group: on PostgreSQL
        # this index holds every column they need, so they read only that item's entries
        # (officials' satisfaction at 1M responses: 163 -> 13 ms).
        Index(
            "ix_answer_counts_item_month",
            "item_key",
            "month",
            postgresql_include=[
                "agency_id",
                "service_point_id",
                "official_id",
                "questionnaire_version_id",
                "channel",
                "respondent_type",
                "is_flagged",
                "value",
                "is_not_applicable",
                "count",
            ],
        ),
    )


class AgencyAnswerCount(_AgencyDimensions, _AnswerKey, db.Model):
    """:class:`AnswerCount` without desk, official, channel and respondent type.

    Province and agency reports need only these dimensions; dropping the others makes
    the table small enough to sum in milliseconds over a year of a whole province.
    """

    __tablename__ = "agency_answer_counts"


class AgencyResponseCount(_AgencyDimensions, db.Model):
    """:class:`ResponseCount` at agency level (the n of province and agency reports)."""

    __tablename__ = "agency_response_counts"

    count: Mapped[int] = mapped_column(BigInteger, sort_order=1)


class OfficialResponseCount(_OfficialDimensions, db.Model):
    """:class:`ResponseCount` per official, without desk, channel and respondent type."""

    __tablename__ = "official_response_counts"

    count: Mapped[int] = mapped_column(BigInteger, sort_order=1)


class OfficialAnswerCount(_OfficialDimensions, _AnswerKey, db.Model):
    """:class:`AnswerCount` per official, without desk, channel and respondent type.

    The comparison of officials reads one item of each: on 1 million responses 40,000 rows
    of the full table for a year's headline item, 6,500 here.
    """

    __tablename__ = "official_answer_counts"
    __table_args__ = (
        # As for the full table: the comparison reads one item of every official, and on
        # PostgreSQL this index holds every column it needs.
        Index(
            "ix_official_answer_counts_item_month",
            "item_key",
            "month",
            postgresql_include=[
                "agency_id",
                "official_id",
                "questionnaire_version_id",
                "is_flagged",
                "value",
                "is_not_applicable",
                "count",
            ],
        ),
    )


class ProcedureResponseCount(_ProcedureDimensions, db.Model):
    """:class:`ResponseCount` per procedure, for reports by procedure field (agency level)."""

    __tablename__ = "procedure_response_counts"

    count: Mapped[int] = mapped_column(BigInteger, sort_order=1)


class ProcedureAnswerCount(_ProcedureDimensions, _AnswerKey, db.Model):
    """:class:`AgencyAnswerCount` per procedure, for reports by procedure field."""

    __tablename__ = "procedure_answer_counts"


class _PointKey:
    # sort_order: after the mixins' dimensions, so the primary key starts with the month.
    index_number: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=1)
    points: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=1)
    #: Number of dossiers in the group.
    count: Mapped[int] = mapped_column(BigInteger, sort_order=1)


class OnestopPointCount(_ResponseDimensions, _PointKey, db.Model):
    """Dossiers per Circular 01/2018 index and points, per month and dimension.

    Points come from the questionnaire version's scoring rules applied to each response's
    answers (index 7 combines two answers of the same response); a response whose answers
    give no points for an index (unanswered, not applicable) is not counted for it.
    """

    __tablename__ = "onestop_point_counts"


class AgencyOnestopPointCount(_AgencyDimensions, _PointKey, db.Model):
    """:class:`OnestopPointCount` at agency level: a province's or agency's scores.

    Measured on 1 million responses, 12 months of a province: 35 ms from the full table,
    1 ms from this one (7,000 rows against 240,000).
    """

    __tablename__ = "agency_onestop_point_counts"


class OfficialOnestopPointCount(_OfficialDimensions, _PointKey, db.Model):
    """:class:`OnestopPointCount` per official without desk, channel and respondent type.

    Every official's Circular 01 scores, per quarter and for the year: 35 -> 7 ms a period
    on 1 million responses (48,000 rows against 240,000).
    """

    __tablename__ = "official_onestop_point_counts"


class ProcedureOnestopPointCount(_ProcedureDimensions, _PointKey, db.Model):
    """:class:`OnestopPointCount` per procedure, for reports by procedure field."""

    __tablename__ = "procedure_onestop_point_counts"


class UncountedResponse(db.Model):
    """A stored response that the count tables do not include yet (the queue of the fold).

    Written in the transaction that stores the response, deleted in the transaction that
    adds it to the counts: a response is counted exactly once, whatever runs concurrently.
    """

    __tablename__ = "uncounted_responses"

    response_id: Mapped[int] = mapped_column(
        BigIdentifier, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )


class AnswerVector(db.Model):
    """One response to a questionnaire scored by factors (SIPAS), its criteria in one string.

    The bootstrap interval of a SIPAS index and the factors' Cronbach's alphas need the
    answers of individual respondents; read from ``answers`` they cost a row per answer and
    a pivot (measured on 1 million responses: 330 ms for a sample of 10,000 respondents),
    from here one narrow row each (30 ms). ``answers`` has one character per criterion of
    the version's factors, in factor order: :data:`VECTOR_ALPHABET` for the code's position
    in its scale, :data:`NOT_ANSWERED` for none (see :class:`survey.results.counts.VectorLayout`).
    The dimensions are stored as in the count tables, with the exact submission moment
    for periods of days. Kept like the count tables: folded from the queue, rebuilt by
    ``rebuild-counts``; deleting a response deletes its row.
    """

    __tablename__ = "answer_vectors"

    response_id: Mapped[int] = mapped_column(
        BigIdentifier, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    submitted_dt: Mapped[datetime] = mapped_column()
    agency_id: Mapped[int] = mapped_column(Integer)
    service_point_id: Mapped[int] = mapped_column(Integer)
    official_id: Mapped[int] = mapped_column(Integer)
    questionnaire_version_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    respondent_type: Mapped[str] = mapped_column(String(32))
    is_flagged: Mapped[bool] = mapped_column()
    procedure_id: Mapped[int] = mapped_column(Integer)
    answers: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_answer_vectors_version_submitted", "questionnaire_version_id", "submitted_dt"),
    )
