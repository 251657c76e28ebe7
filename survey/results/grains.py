"""The count tables, each described once: its columns, the rows it counts, what it answers.

A **grain** is one pre-aggregated count table (:mod:`survey.results.models`): a set of
dimension columns (:data:`COLUMNS`) and a kind of row it counts (:class:`RowKind`:
responses, answers, one-stop points). Its primary key is its dimensions then the kind's own
key (the item and value of an answer, the index and points of a dossier), and it has one
more column, ``count``. Everything else is derived from :data:`GRAINS`:

- the SQLAlchemy models (:mod:`survey.results.models` builds one per grain, from which
  ``flask --app survey db revision --autogenerate`` writes the migration of a new grain);
- the fold and the rebuild (:mod:`survey.results.counts`): each kind of row is grouped
  once by every dimension its grains keep, then summed into each of its grains;
- which table answers a report (:mod:`survey.results.queries`): :func:`narrowest`, the
  smallest grain of the kind whose dimensions cover what the filter and grouping use; when
  none does, the raw ``responses`` and ``answers`` answer.

Grain: the **Vietnam-local month** (``month`` is its first day), not the day. Measured on the
demo data (20,000 responses, 193,000 answers), a day × desk × official × channel × respondent
type grain has 187,000 groups: no smaller than the answers themselves, so nothing would be
gained. Per month the full-detail table is several times smaller than the answers and the
agency table orders of magnitude smaller. Periods that are not whole months take their edge
days from the raw tables (same results; the tests prove it).

Every dimension column is NOT NULL and part of the primary key, because ``INSERT … ON
CONFLICT DO UPDATE`` needs a unique key and SQL unique keys treat NULLs as distinct. "None"
is therefore stored as a sentinel: :data:`NO_ID` (no desk, no official, no procedure),
:data:`UNKNOWN` (respondent type not given) and :data:`NO_VALUE` (a "not applicable" or a
text answer). The query layer turns sentinels back into ``None``. The tables carry no
foreign keys: they are rebuilt, never edited by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import Boolean, Date, Integer, SmallInteger, String
from sqlalchemy.types import TypeEngine

#: Stored for "no service point", "no official" and "no procedure".
NO_ID = 0
#: Stored for a respondent type that was not given.
UNKNOWN = ""
#: Stored as the value of "not applicable" and text answers (codes are within -999..999).
NO_VALUE = -1000


@dataclass(frozen=True)
class KeyColumn:
    """A column of the count tables' primary keys: a dimension or a kind's own key."""

    name: str
    type: Callable[[], TypeEngine]
    #: What it holds, sentinel included.
    meaning: str


#: Every key column, in the order a table lists those it has (dimensions first).
COLUMNS = {
    column.name: column
    for column in (
        KeyColumn("month", Date, "first day of the Vietnam-local (UTC+7) month of submission"),
        KeyColumn("agency_id", Integer, "the agency"),
        KeyColumn("service_point_id", Integer, "the desk; NO_ID when the response named none"),
        KeyColumn("official_id", Integer, "the official; NO_ID when the response named none"),
        KeyColumn("questionnaire_version_id", Integer, "the questionnaire version answered"),
        KeyColumn("channel", lambda: String(32), "a survey.collect.models.Channel value"),
        KeyColumn(
            "respondent_type",
            lambda: String(32),
            "a survey.collect.models.RespondentType value, UNKNOWN when not given",
        ),
        KeyColumn("is_flagged", Boolean, "set aside for review"),
        # Keyed by procedure id, not by its field: the report's procedure field is the field
        # the procedure has when the report is read (an administrator may move a procedure
        # to another field), exactly as the raw rows give it.
        KeyColumn("procedure_id", Integer, "the procedure; NO_ID when none was named"),
        KeyColumn("item_key", lambda: String(64), "the questionnaire item answered"),
        KeyColumn("value", SmallInteger, "the scale code; NO_VALUE for N/A and text answers"),
        KeyColumn("is_not_applicable", Boolean, "answered 'not applicable'"),
        KeyColumn("index_number", SmallInteger, "the Circular 01/2018 index"),
        KeyColumn("points", SmallInteger, "the points the dossier's answers give on it"),
    )
}


@dataclass(frozen=True)
class RowKind:
    """What a grain counts; each is defined as SQL in :mod:`survey.results.counts`."""

    name: str
    #: The key columns of a counted row beyond the response's dimensions.
    key: tuple[str, ...]


#: One row per response: the n of every report, for suppression.
RESPONSES = RowKind("responses", ())
#: One row per answer (text answers only as answered, with :data:`NO_VALUE`).
ANSWERS = RowKind("answers", ("item_key", "value", "is_not_applicable"))
#: One row per (response, Circular 01/2018 index) its answers give points on: points come
#: from the questionnaire version's scoring rules (index 7 combines two answers); a
#: response whose answers give no points for an index (unanswered, N/A) is not counted.
POINTS = RowKind("points", ("index_number", "points"))
KINDS = (RESPONSES, ANSWERS, POINTS)

#: What a report can filter or group by: the dimensions of the full-detail tables, and the
#: columns of raw rows standing in for them.
FULL_DETAIL = (
    "month",
    "agency_id",
    "service_point_id",
    "official_id",
    "questionnaire_version_id",
    "channel",
    "respondent_type",
    "is_flagged",
)
#: Province and agency reports need only these: small enough to sum in milliseconds over a
#: year of a whole province.
BY_AGENCY = ("month", "agency_id", "questionnaire_version_id", "is_flagged")
#: The comparison and scores of officials.
BY_OFFICIAL = ("month", "agency_id", "official_id", "questionnaire_version_id", "is_flagged")
#: Reports by procedure field at agency level (by field and desk, say, the raw rows answer).
BY_PROCEDURE = ("month", "agency_id", "procedure_id", "questionnaire_version_id", "is_flagged")


@dataclass(frozen=True)
class GrainIndex:
    """A secondary index ``ix_<table>_<name>`` on ``columns``."""

    name: str
    columns: tuple[str, ...]
    #: On PostgreSQL the index also INCLUDEs every other column, so a query reading by
    #: ``columns`` reads only the index (an index-only scan).
    covering: bool = False


@dataclass(frozen=True)
class Grain:
    """One count table: ``kind`` rows counted per distinct ``dimensions`` (and kind key)."""

    #: The model's class name in :mod:`survey.results.models`.
    model: str
    table: str
    kind: RowKind
    dimensions: tuple[str, ...]
    #: Why the table exists, with what it was measured to save: the model's docstring.
    doc: str
    indexes: tuple[GrainIndex, ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        """The primary key: the dimensions, then the kind's key."""
        return (*self.dimensions, *self.kind.key)

    def covers(self, columns: Collection[str]) -> bool:
        return set(columns) <= set(self.dimensions)


#: The comparisons of officials and desks read one item of every group: on PostgreSQL this
#: index holds every column they need, so they read only that item's entries (officials'
#: satisfaction at 1M responses: 163 -> 13 ms).
_BY_ITEM = GrainIndex("item_month", ("item_key", "month"), covering=True)

#: Every count table, kind by kind (the order ``rebuild-counts`` reports them in).
GRAINS = (
    Grain(
        "ResponseCount",
        "response_counts",
        RESPONSES,
        FULL_DETAIL,
        "Number of responses per month and dimension: the n of every report, for suppression.",
    ),
    Grain(
        "AgencyResponseCount",
        "agency_response_counts",
        RESPONSES,
        BY_AGENCY,
        "Responses at agency level: the n of province and agency reports.",
    ),
    Grain(
        "OfficialResponseCount",
        "official_response_counts",
        RESPONSES,
        BY_OFFICIAL,
        "Responses per official, without desk, channel and respondent type.",
    ),
    Grain(
        "AnswerCount",
        "answer_counts",
        ANSWERS,
        FULL_DETAIL,
        "Answers per month, dimension, item and value (text answers only as answered).",
        # The primary key starts with (month, agency); an official's own page filters by
        # official.
        (GrainIndex("official_month", ("official_id", "month")), _BY_ITEM),
    ),
    Grain(
        "AgencyAnswerCount",
        "agency_answer_counts",
        ANSWERS,
        BY_AGENCY,
        "Answers without desk, official, channel and respondent type.",
    ),
    Grain(
        "OfficialAnswerCount",
        "official_answer_counts",
        ANSWERS,
        BY_OFFICIAL,
        "Answers per official, without desk, channel and respondent type. The comparison of "
        "officials reads one item of each: on 1 million responses 40,000 rows of the full "
        "table for a year's headline item, 6,500 here.",
        (_BY_ITEM,),
    ),
    Grain(
        "OnestopPointCount",
        "onestop_point_counts",
        POINTS,
        FULL_DETAIL,
        "Dossiers per Circular 01/2018 index and points, per month and dimension.",
    ),
    Grain(
        "AgencyOnestopPointCount",
        "agency_onestop_point_counts",
        POINTS,
        BY_AGENCY,
        "One-stop points at agency level: a province's or agency's scores. Measured on 1 "
        "million responses, 12 months of a province: 35 ms from the full table, 1 ms from "
        "this one (7,000 rows against 240,000).",
    ),
    Grain(
        "OfficialOnestopPointCount",
        "official_onestop_point_counts",
        POINTS,
        BY_OFFICIAL,
        "One-stop points per official, without desk, channel and respondent type: every "
        "official's Circular 01 scores, per quarter and for the year: 35 -> 7 ms a period on "
        "1 million responses (48,000 rows against 240,000).",
    ),
    Grain(
        "ProcedureResponseCount",
        "procedure_response_counts",
        RESPONSES,
        BY_PROCEDURE,
        "Responses per procedure, for reports by procedure field (agency level).",
    ),
    Grain(
        "ProcedureAnswerCount",
        "procedure_answer_counts",
        ANSWERS,
        BY_PROCEDURE,
        "Answers per procedure, for reports by procedure field (agency level).",
    ),
    Grain(
        "ProcedureOnestopPointCount",
        "procedure_onestop_point_counts",
        POINTS,
        BY_PROCEDURE,
        "One-stop points per procedure, for reports by procedure field (agency level).",
    ),
)


def grains_of(kind: RowKind) -> tuple[Grain, ...]:
    return tuple(grain for grain in GRAINS if grain.kind == kind)


def dimensions_of(kind: RowKind) -> tuple[str, ...]:
    """Every dimension any grain of ``kind`` keeps, in :data:`COLUMNS` order: the finest
    grouping of its rows, from which each of its grains is summed."""
    kept = {name for grain in grains_of(kind) for name in grain.dimensions}
    return tuple(name for name in COLUMNS if name in kept)


def narrowest(kind: RowKind, columns: Collection[str]) -> Grain | None:
    """The smallest grain of ``kind`` whose dimensions cover ``columns`` (None: none does).

    Smallest by number of dimensions (each one multiplies the rows), the first in
    :data:`GRAINS` among equals.
    """
    covering = [grain for grain in grains_of(kind) if grain.covers(columns)]
    return min(covering, key=lambda grain: len(grain.dimensions), default=None)
