"""Count tables for ``analysis``, computed in the database.

Every function takes a session and a :class:`~survey.results.filters.ReportFilter` and
returns plain counts; only :func:`respondent_matrix` brings answers of individual
respondents into Python, capped (see there). Counts come from the smallest pre-aggregated
table (:mod:`survey.results.grains`) whose dimensions cover the columns the filter and
grouping read (:func:`_narrowest`); a procedure field is read through the procedures' ids
the tables by procedure keep. When no table keeps them all (by procedure field and desk,
say) the raw rows answer. A period that is not whole months takes its whole months from the
table and only the days at either end from ``GROUP BY`` over the raw ``responses`` and
``answers``. All give the same numbers; ``use_counts=False`` forces the raw tables (tests
and benchmarks compare them).

Group keys by :class:`~survey.results.filters.Dimension`: agency → agency id; service
point, official → id or None (responses naming none); month, quarter →
:class:`~survey.results.filters.Period`; channel → :class:`Channel`; respondent type →
:class:`RespondentType` or None (not given); procedure field → the field or None.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause, Select

from analysis import suppress_small_cells
from survey.collect.models import Channel, RespondentType, Response
from survey.org.models import Procedure
from survey.results.counts import (
    VECTOR_ALPHABET,
    VectorLayout,
    answer_rows,
    onestop_rows,
    onestop_rules,
    quarter_start,
    response_rows,
    vector_layouts,
)
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.grains import (
    ANSWERS,
    NO_ID,
    NO_VALUE,
    POINTS,
    RESPONSES,
    UNKNOWN,
    Grain,
    RowKind,
    narrowest,
)
from survey.results.models import COUNT_MODELS, AnswerVector

#: Most respondents :func:`respondent_matrix` returns by default.
RESPONDENT_MATRIX_LIMIT = 10_000

#: The count-table column each optional filter of a :class:`ReportFilter` reads, when set.
_FILTER_COLUMNS = {
    "agency_ids": "agency_id",
    "service_point_id": "service_point_id",
    "official_id": "official_id",
    "procedure_field": "procedure_id",
    "channel": "channel",
    "respondent_type": "respondent_type",
    "questionnaire_version_ids": "questionnaire_version_id",
}
#: The count-table column each grouping reads (a quarter its months, a procedure field its
#: procedures).
_GROUP_COLUMNS = {
    Dimension.AGENCY: "agency_id",
    Dimension.SERVICE_POINT: "service_point_id",
    Dimension.OFFICIAL: "official_id",
    Dimension.MONTH: "month",
    Dimension.QUARTER: "month",
    Dimension.CHANNEL: "channel",
    Dimension.RESPONDENT_TYPE: "respondent_type",
    Dimension.PROCEDURE_FIELD: "procedure_id",
}


#: What a count is grouped by: one dimension, several (a tuple: the key is then a tuple of
#: their keys, in order), or None for one total.
Grouping = Dimension | tuple[Dimension, ...] | None


def _dimensions(grouping: Grouping) -> tuple[Dimension, ...]:
    if grouping is None:
        return ()
    return grouping if isinstance(grouping, tuple) else (grouping,)


@dataclass(frozen=True)
class LevelCounts:
    """Answers to one item: how many at each value, how many "not applicable", how many texts.

    ``levels`` maps each answered code to its count (codes nobody chose are absent).
    """

    levels: Mapping[int, int] = field(default_factory=dict)
    not_applicable: int = 0
    texts: int = 0

    @property
    def answered(self) -> int:
        """Answers on the scale (the denominator of a rate: N/A and texts excluded)."""
        return sum(self.levels.values())

    def aligned(self, levels: Sequence[int]) -> list[int]:
        """Counts in the order of ``levels`` (0 for codes nobody chose), as analysis takes them."""
        return [self.levels.get(level, 0) for level in levels]

    def satisfied(self, satisfied_levels: Iterable[int]) -> int:
        return sum(self.levels.get(level, 0) for level in satisfied_levels)


# --------------------------------------------------------------------------------------
# Sources: a count table or the raw rows, with the same column names
# --------------------------------------------------------------------------------------


def _by_procedure(report_filter: ReportFilter, dimension: Grouping) -> bool:
    return report_filter.procedure_field is not None or Dimension.PROCEDURE_FIELD in _dimensions(
        dimension
    )


def _source(
    kind: RowKind,
    rows_builder: Callable,
    report_filter: ReportFilter,
    dimension: Grouping,
    use_counts: bool,
    by_agency: bool = False,
):
    """``(source, period_in_source)``: the count table of ``kind`` that can answer (with
    the agency column too when ``by_agency``), else raw rows.

    A table by procedure gives each procedure's current field. A period that is not whole
    months takes its whole months from the table and only the days at either end from the
    raw rows (:func:`_edge_days_source`).
    """
    grain = _narrowest(kind, report_filter, dimension, by_agency) if use_counts else None
    if grain is None:
        return _raw_source(rows_builder, report_filter, dimension)
    table = COUNT_MODELS[grain.table].__table__
    if _by_procedure(report_filter, dimension):
        table = _with_procedure_field(table)
    if report_filter.period.is_whole_months:
        return table, False
    return _edge_days_source(table, rows_builder, report_filter, dimension)


def _with_procedure_field(table) -> FromClause:
    """A table by procedure with each procedure's field as it is now (as the raw rows give
    it) instead of the procedure's id: the columns the query layer filters and groups by."""
    columns = [column for column in table.c if column.name != "procedure_id"]
    return (
        select(*columns, Procedure.field.label("procedure_field"))
        .select_from(table.outerjoin(Procedure, Procedure.id == table.c.procedure_id))
        .subquery("procedure_rows")
    )


def _raw_source(
    rows_builder: Callable,
    report_filter: ReportFilter,
    dimension: Grouping,
    utc_ranges: Sequence[tuple] | None = None,
):
    """Raw rows as a subquery named like a count table (``count`` = 1 per row).

    ``rows_builder`` is one of the row definitions of :mod:`survey.results.counts`. The
    period is applied inside, on ``submitted_dt`` (indexed), to the exact local days (or to
    ``utc_ranges``, ``[low, high)`` pairs of ``submitted_dt`` within the period).
    """
    if utc_ranges is None:
        utc_ranges = [report_filter.period.utc_bounds()]
    extra: list[ColumnElement[Any]] = [literal(1, BigInteger).label("count")]
    within = [
        and_(Response.submitted_dt >= low, Response.submitted_dt < high) for low, high in utc_ranges
    ]
    where = [or_(*within)]
    if Dimension.PROCEDURE_FIELD in _dimensions(dimension):
        field = select(Procedure.field).where(Procedure.id == Response.procedure_id)
        extra.append(field.scalar_subquery().label("procedure_field"))
    elif report_filter.procedure_field is not None:
        # Only that field's responses, chosen before their answers are joined; the column
        # is then that field (a subquery per row would cost more than the rest).
        extra.append(literal(report_filter.procedure_field).label("procedure_field"))
    if report_filter.procedure_field is not None:
        where.append(Response.procedure_id.in_(_procedures(report_filter.procedure_field)))
    rows = rows_builder(extra=extra, where=where)
    return (None if rows is None else rows.subquery("raw_rows")), True


def _procedures(field: str) -> Select:
    """``SELECT id`` of the procedures of ``field``."""
    return select(Procedure.id).where(Procedure.field == field)


def _edge_days_source(table, rows_builder, report_filter: ReportFilter, dimension):
    """The whole months inside the period from the count ``table``, the days before and
    after them from the raw rows: one source with the table's columns (``UNION ALL``)."""
    period = report_filter.period
    whole = period.whole_months_inside()
    if whole is None:
        return _raw_source(rows_builder, report_filter, dimension)
    low, high = period.utc_bounds()
    whole_low, whole_high = whole.utc_bounds()
    edges = [(start, end) for start, end in ((low, whole_low), (whole_high, high)) if start < end]
    raw, _ = _raw_source(rows_builder, report_filter, dimension, edges)
    if raw is None:
        return None, True
    names = [column.name for column in table.c]
    counted = select(*(table.c[name] for name in names)).where(
        table.c.month >= whole.start, table.c.month < whole.end
    )
    rows = union_all(counted, select(*(raw.c[name] for name in names)))
    return rows.subquery("rows"), True


def _conditions(
    columns, report_filter: ReportFilter, period_in_source: bool
) -> list[ColumnElement]:
    conditions: list[ColumnElement] = []
    if not period_in_source:
        conditions += [
            columns.month >= report_filter.period.start,
            columns.month < report_filter.period.end,
        ]
    if report_filter.agency_ids is not None:
        agency_ids = sorted(report_filter.agency_ids)
        conditions.append(columns.agency_id.in_(agency_ids) if agency_ids else false())
    if report_filter.questionnaire_version_ids is not None:
        version_ids = sorted(report_filter.questionnaire_version_ids)
        conditions.append(
            columns.questionnaire_version_id.in_(version_ids) if version_ids else false()
        )
    if not report_filter.include_flagged:
        conditions.append(columns.is_flagged == false())
    if report_filter.service_point_id is not None:
        conditions.append(columns.service_point_id == report_filter.service_point_id)
    if report_filter.official_id is not None:
        conditions.append(columns.official_id == report_filter.official_id)
    if report_filter.channel is not None:
        conditions.append(columns.channel == report_filter.channel.value)
    if report_filter.respondent_type is not None:
        conditions.append(columns.respondent_type == report_filter.respondent_type.value)
    if report_filter.procedure_field is not None:
        conditions.append(columns.procedure_field == report_filter.procedure_field)
    return conditions


def _narrowest(
    kind: RowKind, report_filter: ReportFilter, dimension: Grouping, by_agency: bool = False
) -> Grain | None:
    """The smallest count table of ``kind`` whose dimensions cover the columns the filter
    and grouping read (None: only the raw rows can answer)."""
    columns = {"month", *(("agency_id",) if by_agency else ())} | {
        column
        for attribute, column in _FILTER_COLUMNS.items()
        if getattr(report_filter, attribute) is not None
    }
    if not report_filter.include_flagged:
        columns.add("is_flagged")
    columns |= {_GROUP_COLUMNS[one] for one in _dimensions(dimension)}
    return narrowest(kind, columns)


def _group_column(columns, dimension: Dimension) -> ColumnElement:
    if dimension is Dimension.QUARTER:
        return quarter_start(columns.month)
    if dimension is Dimension.PROCEDURE_FIELD:
        return columns.procedure_field
    return columns[_GROUP_COLUMNS[dimension]]


def _group_key(dimension: Dimension, value) -> Hashable:
    if dimension in (Dimension.SERVICE_POINT, Dimension.OFFICIAL):
        return None if value == NO_ID else value
    if dimension is Dimension.MONTH:
        return Period.month(value.year, value.month)
    if dimension is Dimension.QUARTER:
        return Period.quarter(value.year, (value.month + 2) // 3)
    if dimension is Dimension.CHANNEL:
        return Channel(value)
    if dimension is Dimension.RESPONDENT_TYPE:
        return None if value == UNKNOWN else RespondentType(value)
    return value


def _grouped_sum(
    source: FromClause,
    report_filter: ReportFilter,
    period_in_source: bool,
    dimension: Grouping,
    keys: Sequence[str],
    extra_conditions: Iterable[ColumnElement] = (),
):
    """Rows of ``(group, *keys, SUM(count))``; group is None without a dimension, one
    column per dimension of a tuple (:func:`_split_row`)."""
    columns = source.c
    groups = [_group_column(columns, one) for one in _dimensions(dimension)]
    labelled = [group.label(f"group_key_{i}") for i, group in enumerate(groups)]
    key_columns = [columns[key] for key in keys]
    statement = (
        select(*(labelled or [literal(None).label("group_key")]), *key_columns)
        .add_columns(func.sum(columns["count"]))
        .where(*_conditions(columns, report_filter, period_in_source), *extra_conditions)
        .group_by(*groups, *key_columns)
    )
    return statement


def _split_row(dimension: Grouping, row) -> tuple[Hashable, tuple]:
    """A row of :func:`_grouped_sum`: its group's key and its other columns."""
    if isinstance(dimension, tuple):
        width = len(dimension)
        key = tuple(
            _group_key(one, value) for one, value in zip(dimension, row[:width], strict=True)
        )
        return key, tuple(row[width:])
    return (_group_key(dimension, row[0]) if dimension else None), tuple(row[1:])


# --------------------------------------------------------------------------------------
# Answers per level
# --------------------------------------------------------------------------------------


#: The extra grouping column of a count ``by_agency`` (the agency id comes after the group's).
_AGENCY_KEY: dict[bool, tuple[str, ...]] = {False: (), True: ("agency_id",)}


def _key(group: Hashable, agency: Sequence[int]) -> Hashable:
    """A result's key: the group's (:func:`_split_row`), after the agency id if any."""
    return (int(agency[0]), group) if agency else group


def level_counts_by(
    session: Session,
    report_filter: ReportFilter,
    dimension: Dimension | tuple[Dimension, ...],
    item_keys: Iterable[str],
    *,
    use_counts: bool = True,
    by_agency: bool = False,
) -> dict[Hashable, dict[str, LevelCounts]]:
    """Answers per level of each item, per group of ``dimension`` (of a tuple of
    dimensions: keyed by the tuple of their keys, in one query; ``by_agency``: per
    ``(agency id, group)``, each agency's part of the group).

    Groups without any answer to these items are absent; within a group every requested
    item is present (empty :class:`LevelCounts` when unanswered).
    """
    return _level_counts(session, report_filter, dimension, item_keys, use_counts, by_agency)


def level_counts(
    session: Session,
    report_filter: ReportFilter,
    item_keys: Iterable[str],
    *,
    use_counts: bool = True,
) -> dict[str, LevelCounts]:
    """Answers per level of each item (every requested item is in the result)."""
    item_keys = list(item_keys)
    grouped = _level_counts(session, report_filter, None, item_keys, use_counts, False)
    return grouped.get(None, {key: LevelCounts() for key in item_keys})


def _level_counts(session, report_filter, dimension, item_keys, use_counts, by_agency):
    item_keys = list(dict.fromkeys(item_keys))
    if not item_keys:
        return {}
    source, period_in_source = _source(
        ANSWERS, answer_rows, report_filter, dimension, use_counts, by_agency
    )
    statement = _grouped_sum(
        source,
        report_filter,
        period_in_source,
        dimension,
        (*_AGENCY_KEY[by_agency], "item_key", "value", "is_not_applicable"),
        [source.c.item_key.in_(item_keys)],
    )
    # group → item → [{value: count}, not applicable, texts]
    found: dict = defaultdict(lambda: {key: [defaultdict(int), 0, 0] for key in item_keys})
    for row in session.execute(statement):
        group, (*agency, item_key, value, is_not_applicable, count) = _split_row(dimension, row)
        entry = found[_key(group, agency)][item_key]
        if is_not_applicable:
            entry[1] += int(count)
        elif value == NO_VALUE:
            entry[2] += int(count)
        else:
            entry[0][value] += int(count)
    return {
        group: {
            key: LevelCounts(dict(levels), na, texts) for key, (levels, na, texts) in items.items()
        }
        for group, items in found.items()
    }


# --------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------


def _response_source(report_filter, dimension, use_counts, by_agency=False):
    return _source(RESPONSES, response_rows, report_filter, dimension, use_counts, by_agency)


def response_counts_by(
    session: Session,
    report_filter: ReportFilter,
    dimension: Grouping,
    *,
    use_counts: bool = True,
    by_agency: bool = False,
) -> dict[Hashable, int]:
    """Number of responses per group of ``dimension`` (groups without responses absent;
    ``by_agency``: per ``(agency id, group)``)."""
    source, period_in_source = _response_source(report_filter, dimension, use_counts, by_agency)
    keys = _AGENCY_KEY[by_agency]
    statement = _grouped_sum(source, report_filter, period_in_source, dimension, keys)
    counts = {}
    for row in session.execute(statement):
        group, (*agency, count) = _split_row(dimension, row)
        counts[_key(group, agency)] = int(count)
    return counts


def response_count(
    session: Session, report_filter: ReportFilter, *, use_counts: bool = True
) -> int:
    """Number of responses the filter selects (the n of a report)."""
    source, period_in_source = _response_source(report_filter, None, use_counts)
    statement = _grouped_sum(source, report_filter, period_in_source, None, ())
    return sum(
        int(count or 0) for _group, count in session.execute(statement)
    )  # SUM of no rows: NULL


# --------------------------------------------------------------------------------------
# One-stop points (Circular 01/2018)
# --------------------------------------------------------------------------------------


def _onestop_source(session, report_filter, dimension, use_counts):
    def rows(**parts):
        rules = onestop_rules(session, report_filter.questionnaire_version_ids)
        return onestop_rows(rules, **parts)

    return _source(POINTS, rows, report_filter, dimension, use_counts)


def onestop_points_counts_by(
    session: Session,
    report_filter: ReportFilter,
    dimension: Dimension | tuple[Dimension, ...],
    *,
    use_counts: bool = True,
) -> dict[Hashable, dict[int, dict[int, int]]]:
    """Per group (of a tuple of dimensions: keyed by the tuple of their keys): index number
    → {points: number of dossiers}, as ``analysis.onestop_scores`` takes it.

    Each response is one dossier's rating; points come from its questionnaire version's
    scoring rules (see :mod:`survey.results.counts`). Only questionnaire-sourced indices
    (1, 3, 4 and 7 in Circular 01/2018) have data here.
    """
    return _onestop_points(session, report_filter, dimension, use_counts)


def onestop_points_counts(
    session: Session, report_filter: ReportFilter, *, use_counts: bool = True
) -> dict[int, dict[int, int]]:
    """Index number → {points: number of dossiers} over the whole filter."""
    return _onestop_points(session, report_filter, None, use_counts).get(None, {})


def _onestop_points(session, report_filter, dimension, use_counts):
    source, period_in_source = _onestop_source(session, report_filter, dimension, use_counts)
    if source is None:
        return {}
    statement = _grouped_sum(
        source, report_filter, period_in_source, dimension, ("index_number", "points")
    )
    result: dict = defaultdict(lambda: defaultdict(dict))
    for row in session.execute(statement):
        key, (index_number, points, count) = _split_row(dimension, row)
        result[key][int(index_number)][int(points)] = int(count)
    return {key: dict(indices) for key, indices in result.items()}


# --------------------------------------------------------------------------------------
# Respondent-level answers (the only rows that reach Python)
# --------------------------------------------------------------------------------------


def selected_response_ids(report_filter: ReportFilter) -> Select:
    """``SELECT id`` of every response the filter selects, from the raw tables.

    For response-level reads (the respondent matrix, open comments, the response-level
    export): use it as ``Response.id.in_(...)`` or as a subquery.
    """
    responses, _ = _raw_source(
        lambda extra, where: response_rows(extra=[*extra, Response.id.label("id")], where=where),
        report_filter,
        None,
    )
    return select(responses.c.id).where(*_conditions(responses.c, report_filter, True))


@dataclass(frozen=True)
class RespondentMatrix:
    """Answers of individual respondents to the criteria of questionnaires scored by factors.

    ``values[i, j]`` is respondent i's answer to ``item_keys[j]``, NaN when not answered,
    not applicable, or not a criterion of the respondent's questionnaire version. When the
    filter selects more than ``limit`` respondents, ``is_sample`` is True and the rows are a
    systematic sample (every k-th response in the order they were stored) of
    ``n_responses``.
    """

    values: np.ndarray
    item_keys: tuple[str, ...]
    n_responses: int
    is_sample: bool


def respondent_matrix(
    session: Session,
    report_filter: ReportFilter,
    item_keys: Sequence[str],
    limit: int = RESPONDENT_MATRIX_LIMIT,
) -> RespondentMatrix:
    """Respondents × criteria answer matrix for Cronbach's alpha and the bootstrap of an index.

    At most ``limit`` respondents (default :data:`RESPONDENT_MATRIX_LIMIT`), so memory and
    time stay bounded whatever the filter: ``limit`` × items floats. Beyond it a systematic
    sample by storage order is taken (``id % k``), an unbiased sample as long as the order
    of storage is unrelated to the answers; intervals computed from a sample are wider than
    the full data would give, never narrower. Rows are the respondents who answered at
    least one of ``item_keys``. Read from the answer vectors (one row per response to a
    version scored by factors, kept with the counts).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    item_keys = tuple(dict.fromkeys(item_keys))
    n_responses = response_count(session, report_filter)
    step = math.ceil(n_responses / limit) if n_responses > limit else 1
    vectors = AnswerVector.__table__.c
    low, high = report_filter.period.utc_bounds()
    conditions = [
        vectors.submitted_dt >= low,
        vectors.submitted_dt < high,
        *_conditions(vectors, replace(report_filter, procedure_field=None), True),
    ]
    if report_filter.procedure_field is not None:
        conditions.append(vectors.procedure_id.in_(_procedures(report_filter.procedure_field)))
    if step > 1:
        conditions.append(vectors.response_id % step == 0)
    rows = session.execute(
        select(vectors.questionnaire_version_id, vectors.answers)
        .where(*conditions)
        .order_by(vectors.response_id)
        .limit(limit)
    ).all()
    values = np.full((len(rows), len(item_keys)), np.nan)
    rows_of_version = defaultdict(list)
    for position, (version_id, _answers) in enumerate(rows):
        rows_of_version[version_id].append(position)
    layouts = vector_layouts(session, list(rows_of_version))
    for version_id, positions in rows_of_version.items():
        layout = layouts[version_id]
        decoded = _decode(layout, [rows[position][1] for position in positions])
        columns = [column for column, key in enumerate(item_keys) if key in layout.items]
        found = [layout.items.index(item_keys[column]) for column in columns]
        values[np.ix_(positions, columns)] = decoded[:, found]
    values = values[~np.isnan(values).all(axis=1)]
    return RespondentMatrix(values, item_keys, n_responses, step > 1)


def _decode(layout: VectorLayout, vectors: Sequence[str]) -> np.ndarray:
    """``vectors × layout.items`` codes as floats, NaN where not answered."""
    characters = np.frombuffer("".join(vectors).encode("ascii"), dtype=np.uint8)
    characters = characters.reshape(len(vectors), len(layout.items))
    values = np.full(characters.shape, np.nan)
    for position, codes in enumerate(layout.levels):
        decoder = np.full(128, np.nan)
        decoder[[ord(VECTOR_ALPHABET[n]) for n in range(len(codes))]] = codes
        values[:, position] = decoder[characters[:, position]]
    return values


# --------------------------------------------------------------------------------------
# Small-group suppression
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuppressedTable:
    """A groups × columns count table ready to publish.

    ``cells[i][j]`` is the count, or None where it is hidden; ``hidden`` is the mask from
    ``analysis.suppress_small_cells`` (primary and complementary suppression).
    """

    row_keys: tuple[Hashable, ...]
    column_keys: tuple[Hashable, ...]
    cells: tuple[tuple[int | None, ...], ...]
    hidden: np.ndarray

    def is_hidden(self, row_key: Hashable, column_key: Hashable) -> bool:
        return bool(self.hidden[self.row_keys.index(row_key), self.column_keys.index(column_key)])


def suppress_table(
    table: Mapping[Hashable, Mapping[Hashable, int]],
    column_keys: Sequence[Hashable],
    min_group_size: int,
) -> SuppressedTable:
    """Hide small cells of ``{row: {column: count}}`` before it leaves the system.

    ``min_group_size`` is the configured ``MIN_GROUP_SIZE``. Missing cells count 0 (true
    zeros are published). Row, column and grand totals may be published beside it.
    """
    row_keys = tuple(table)
    column_keys = tuple(column_keys)
    counts = np.array(
        [[int(table[row].get(column, 0)) for column in column_keys] for row in row_keys],
        dtype=np.int64,
    ).reshape(len(row_keys), len(column_keys))
    if counts.size == 0:
        hidden = np.zeros(counts.shape, dtype=bool)
    else:
        hidden = suppress_small_cells(counts, min_group_size)
    cells = tuple(
        tuple(None if hidden[i, j] else int(counts[i, j]) for j in range(len(column_keys)))
        for i in range(len(row_keys))
    )
    return SuppressedTable(row_keys, column_keys, cells, hidden)
