"""Circular 01/2018 points from both sources: citizens' ratings and imported dossiers.

Each rating gives points on the indices its questionnaire scores (:mod:`survey.results.counts`);
each dossier returned in the period gives points on the indices the scoring definition's
``dossier_rules`` score (its newest version that has them,
:func:`survey.results.counts.dossier_scored_indices`). A rating linked to its dossier (the
rating's ``dossier_hash`` is the dossier's ``code_hash``), both in the selection, is one
dossier: on an index both sources score, the index's ``precedence`` says whose points count,
and the other's are taken back. Unlinked ratings and dossiers are kept apart, each its own
dossier.

Dossiers have neither a rating channel nor a respondent type: a filter on either selects
ratings only. Dossiers are grouped by agency, desk or official (their own, as imported).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from survey.collect.models import Response
from survey.dossiers.models import Dossier
from survey.org.models import Procedure
from survey.questionnaires.definition import DossierRule, OnestopIndex
from survey.results.counts import (
    dossier_scored_indices,
    onestop_rows,
    onestop_rules,
    vietnam_date,
)
from survey.results.filters import Dimension, ReportFilter
from survey.results.queries import (
    onestop_points_counts,
    onestop_points_counts_by,
    selected_response_ids,
)

Points = dict[Hashable, dict[int, dict[int, int]]]

#: The dossier column each grouping reads.
_DOSSIER_GROUPS = {
    Dimension.AGENCY: Dossier.agency_id,
    Dimension.SERVICE_POINT: Dossier.service_point_id,
    Dimension.OFFICIAL: Dossier.official_id,
}
_RESPONSE_GROUPS = {
    Dimension.AGENCY: Response.agency_id,
    Dimension.SERVICE_POINT: Response.service_point_id,
    Dimension.OFFICIAL: Response.official_id,
}


def dossier_conditions(report_filter: ReportFilter) -> list[ColumnElement]:
    """The dossiers returned in the filter's period and scope (agency, desk, official,
    procedure field)."""
    start, end = report_filter.period.utc_bounds()
    conditions = [Dossier.returned_dt >= start, Dossier.returned_dt < end]
    if report_filter.agency_ids is not None:
        conditions.append(Dossier.agency_id.in_(sorted(report_filter.agency_ids)))
    if report_filter.service_point_id is not None:
        conditions.append(Dossier.service_point_id == report_filter.service_point_id)
    if report_filter.official_id is not None:
        conditions.append(Dossier.official_id == report_filter.official_id)
    if report_filter.procedure_field is not None:
        fields = select(Procedure.id).where(Procedure.field == report_filter.procedure_field)
        conditions.append(Dossier.procedure_id.in_(fields))
    return conditions


def timeliness() -> ColumnElement:
    """'early' (returned on a Vietnam-local day before the due day), 'on_time', 'late'
    (after the due time), NULL while not returned."""
    return case(
        (Dossier.returned_dt.is_(None), null()),
        (Dossier.returned_dt > Dossier.due_dt, literal("late", String)),
        (
            vietnam_date(Dossier.returned_dt) < vietnam_date(Dossier.due_dt),
            literal("early", String),
        ),
        else_=literal("on_time", String),
    )


def _facts() -> dict[str, Any]:
    return {
        "timeliness": timeliness(),
        "complaint": type_coerce(Dossier.complaint, String),
        "channel": type_coerce(Dossier.channel, String),
        "extra_visits": Dossier.extra_visits,
        "agencies_contacted": Dossier.agencies_contacted,
        **{
            name: type_coerce(getattr(Dossier, name), String)
            for name in (
                "one_stop_desk",
                "procedure_published",
                "feedback_handling",
                "online_service",
            )
        },
    }


def _condition(fact: ColumnElement, allowed) -> ColumnElement:
    if isinstance(allowed, tuple):
        low, high = allowed
        return and_(
            *([fact >= low] if low is not None else []),
            *([fact <= high] if high is not None else []),
        )
    return fact.in_(sorted(allowed))


def dossier_points(rules: Iterable[DossierRule]) -> ColumnElement:
    """An index's points for a dossier as SQL, as ``OnestopIndex.points_for`` does for
    answers: the first rule that holds; NULL when a rule before it names a missing fact."""
    facts = _facts()
    branches: list[tuple[ColumnElement, Any]] = []
    for rule in rules:
        branches.append((or_(*(facts[name].is_(None) for name in rule.when)), null()))
        branches.append(
            (
                and_(*(_condition(facts[name], allowed) for name, allowed in rule.when.items())),
                literal(rule.points, Integer),
            )
        )
    return case(*branches, else_=null())


def _selects_dossiers(report_filter: ReportFilter) -> bool:
    return report_filter.channel is None and report_filter.respondent_type is None


def combined_points_counts_by(
    session: Session, report_filter: ReportFilter, dimension: Dimension | None
) -> Points:
    """Per group (None: the whole filter): index number → {points: number of dossiers},
    from ratings and dossiers together (see the module docstring)."""
    if dimension is None:
        result: Points = {None: onestop_points_counts(session, report_filter)}
        return _with_dossiers(session, report_filter, result, _Groups())
    groups = _Groups((_RESPONSE_GROUPS[dimension],), (_DOSSIER_GROUPS[dimension],), _first)
    result = onestop_points_counts_by(session, report_filter, dimension)
    return _with_dossiers(session, report_filter, result, groups)


def points_by_value(
    session: Session, report_filter: ReportFilter, dimension: Dimension
) -> dict[Any, dict[int, dict[int, int]]]:
    """Per (agency id, value of ``dimension``: a desk, an official, a procedure field, a
    channel, a kind of respondent): index number → {points: number of dossiers}, each
    agency's as the report choosing the value (over every agency) counts them: a linked
    pair is one dossier when its rating and its dossier both have the value (both in that
    report); dossiers count for no channel and no kind of respondent."""
    result = onestop_points_counts_by(session, report_filter, (Dimension.AGENCY, dimension))
    columns = _VALUE_COLUMNS.get(dimension)
    if columns is None:
        return result
    fields = None
    if dimension is Dimension.PROCEDURE_FIELD:
        fields = dict(session.execute(select(Procedure.id, Procedure.field)).all())
    groups = _Groups(
        (Response.agency_id, columns[0]),
        (Dossier.agency_id, columns[1]),
        lambda values: (values[0], values[1] if fields is None else fields.get(values[1])),
        lambda rating, dossier: rating[1] == dossier[1],
    )
    return _with_dossiers(session, report_filter, result, groups)


#: The ratings' and the dossiers' columns giving the value of each dimension both have
#: (a procedure's field: its procedure).
_VALUE_COLUMNS = {
    Dimension.SERVICE_POINT: (Response.service_point_id, Dossier.service_point_id),
    Dimension.OFFICIAL: (Response.official_id, Dossier.official_id),
    Dimension.PROCEDURE_FIELD: (Response.procedure_id, Dossier.procedure_id),
}


def _first(values: Sequence) -> Hashable:
    return values[0]


def _none(_values: Sequence) -> Hashable:
    return None


def _always(_rating: Hashable, _dossier: Hashable) -> bool:
    return True


@dataclass(frozen=True)
class _Groups:
    """How dossiers and the ratings linked to them are grouped: each source's columns,
    the group a row's values of them make (``key``), and whether a linked pair, by its
    rating's and its dossier's groups, is one dossier (``one_dossier``)."""

    ratings: tuple[Any, ...] = ()
    dossiers: tuple[Any, ...] = ()
    key: Callable[[Sequence], Any] = _none
    one_dossier: Callable[[Any, Any], bool] = _always


def _with_dossiers(session, report_filter, result: Points, groups: _Groups) -> Points:
    """The ratings' points ``result`` with the dossiers' added and each linked pair's
    taken back once."""
    indices = dossier_scored_indices(session, report_filter.questionnaire_version_ids)
    if not indices or not _selects_dossiers(report_filter):
        return result
    totals: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for key, by_index in result.items():
        group_totals = totals[key]  # kept when empty: the whole filter's None is always there
        for number, by_points in by_index.items():
            for points, count in by_points.items():
                group_totals[number][points] += count
    _add_dossiers(session, report_filter, groups, indices, totals)
    _take_back_linked(session, report_filter, groups, indices, totals)
    return {
        key: {
            number: {points: count for points, count in by_points.items() if count}
            for number, by_points in by_index.items()
        }
        for key, by_index in totals.items()
    }


def _add_dossiers(session, report_filter, groups: _Groups, indices, totals) -> None:
    """Every dossier-scored index in one pass over the dossiers (one row per combination of
    points)."""
    width = len(groups.dossiers)
    points = [dossier_points(index.dossier_rules).label(f"i{index.number}") for index in indices]
    statement = (
        select(*groups.dossiers, *points, func.count())
        .where(*dossier_conditions(report_filter))
        .group_by(*groups.dossiers, *points)
    )
    for row in session.execute(statement):
        key = groups.key(row[:width])
        count = row[-1]
        for index, value in zip(indices, row[width:-1], strict=True):
            if value is not None:
                totals[key][index.number][int(value)] += count


def _take_back_linked(session, report_filter, groups: _Groups, indices, totals) -> None:
    """One dossier per linked pair: the points of the source that does not take precedence
    are taken back from the group that counted them."""
    both = [index for index in indices if index.precedence is not None]
    if not both:
        return
    linked = (
        select(Response.id)
        .join(Dossier, Dossier.code_hash == Response.dossier_hash)
        .where(Response.id.in_(selected_response_ids(report_filter)))
        .where(*dossier_conditions(report_filter))
    )
    pairs = session.execute(
        linked.add_columns(
            Dossier.id,
            *groups.ratings,
            *groups.dossiers,
            *(dossier_points(index.dossier_rules) for index in both),
        )
    ).all()
    if not pairs:
        return
    citizen = _citizen_points(session, report_filter, linked, both)
    seen: set[tuple[int, int]] = set()  # (dossier, index) whose dossier points went back
    width = len(groups.ratings)
    for response_id, dossier_id, *values in pairs:
        response_key = groups.key(values[:width])
        dossier_key = groups.key(values[width : 2 * width])
        if not groups.one_dossier(response_key, dossier_key):
            continue
        dossier_values = values[2 * width :]
        for index, dossier_value in zip(both, dossier_values, strict=True):
            citizen_value = citizen.get((response_id, index.number))
            if citizen_value is None or dossier_value is None:
                continue
            if index.precedence == "dossier":
                totals[response_key][index.number][citizen_value] -= 1
            elif (dossier_id, index.number) not in seen:
                seen.add((dossier_id, index.number))
                totals[dossier_key][index.number][int(dossier_value)] -= 1


def _rules_on(session, report_filter, numbers) -> dict[int, tuple[OnestopIndex, ...]]:
    """Per selected questionnaire version, its scored indices among ``numbers`` (versions
    with none left out)."""
    return {
        version: kept
        for version, indices in onestop_rules(
            session, report_filter.questionnaire_version_ids
        ).items()
        if (kept := tuple(index for index in indices if index.number in numbers))
    }


def _citizen_points(
    session, report_filter, response_ids, indices: list[OnestopIndex]
) -> dict[tuple[int, int], int]:
    """(response, index number) → the rating's points on the indices ``indices``."""
    rules = _rules_on(session, report_filter, {index.number for index in indices})
    query = onestop_rows(
        rules, extra=[Response.id.label("response_id")], where=[Response.id.in_(response_ids)]
    )
    if query is None:
        return {}
    rows = query.subquery()
    statement = select(rows.c.response_id, rows.c.index_number, rows.c.points)
    return {(rid, number): int(points) for rid, number, points in session.execute(statement)}


def officer_mark_counts(
    session: Session, report_filter: ReportFilter, officer_indices: Iterable[int], mark: float
) -> dict[int, tuple[int, int]]:
    """Per official: (dossiers with points on every officer index, those of them whose
    points on these indices add up to ``mark`` or more).

    A dossier is counted as :func:`combined_points_counts_by` counts it: an unlinked rating
    on its own; an imported dossier with, on each index both score, the points of the
    source the index's ``precedence`` names (the lowest of its linked ratings' points if
    several ratings gave its code), under its own official or, without one, the rating's.
    Grouped in SQL: one row per dossier, then one per official, comes back.
    """
    numbers = sorted(set(officer_indices))
    dossier_indices = {
        index.number: index
        for index in dossier_scored_indices(session, report_filter.questionnaire_version_ids)
        if index.number in numbers and _selects_dossiers(report_filter)
    }
    parts = [
        part
        for part in (
            _citizen_units(session, report_filter, numbers, bool(dossier_indices)),
            _dossier_units(report_filter, numbers, dossier_indices),
        )
        if part is not None
    ]
    if not parts:
        return {}
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    units = (
        select(
            func.max(rows.c.official_id).label("official_id"),
            *(
                _unit_value(number, dossier_indices.get(number), rows).label(f"v{number}")
                for number in numbers
            ),
        )
        .group_by(rows.c.unit)
        .subquery()
    )
    values = [units.c[f"v{number}"] for number in numbers]
    complete = and_(*(value.is_not(None) for value in values))
    total = sum(values[1:], values[0])
    statement = (
        select(
            units.c.official_id,
            func.count().filter(complete),
            func.count().filter(complete, total >= mark),
        )
        .where(units.c.official_id.is_not(None))
        .group_by(units.c.official_id)
    )
    return {official: (scored, at_mark) for official, scored, at_mark in session.execute(statement)}


def _unit_value(number: int, index: OnestopIndex | None, rows) -> ColumnElement:
    """A dossier's points on index ``number``: the citizen's, the dossier's, or the one the
    index's precedence names when both give some."""
    citizen, dossier = func.min(rows.c[f"c{number}"]), func.max(rows.c[f"d{number}"])
    if index is None:
        return citizen
    if index.precedence == "citizen":
        return func.coalesce(citizen, dossier)
    if index.precedence == "dossier":
        return func.coalesce(dossier, citizen)
    return dossier


def _citizen_units(session, report_filter, numbers, with_dossiers: bool):
    """One row per selected rating with points on an officer index: ``unit`` (its linked
    dossier's id, or minus its own id), ``official_id``, ``c<n>`` (its points on index n)
    and ``d<n>`` (NULL)."""
    query = onestop_rows(
        _rules_on(session, report_filter, numbers),
        extra=[
            Response.id.label("response_id"),
            Response.official_id.label("rating_official"),
            Response.dossier_hash.label("rating_hash"),
        ],
        where=[Response.id.in_(selected_response_ids(report_filter))],
    )
    if query is None:
        return None
    rows = query.subquery()
    source, unit, grouped = _rating_dossier(
        report_filter,
        rows,
        rows.c.response_id,
        rows.c.rating_hash,
        with_dossiers,
        official_id=rows.c.rating_official,
    )
    return (
        select(
            unit.label("unit"),
            func.max(grouped["official_id"]).label("official_id"),
            *(
                func.max(case((rows.c.index_number == number, rows.c.points))).label(f"c{number}")
                for number in numbers
            ),
            *(null().label(f"d{number}") for number in numbers),
        )
        .select_from(source)
        .group_by(rows.c.response_id, unit)
    )


def _rating_dossier(
    report_filter: ReportFilter,
    ratings: FromClause,
    rating_id: ColumnElement,
    rating_hash: ColumnElement,
    with_dossiers: bool,
    **columns: ColumnElement,
) -> tuple[FromClause, ColumnElement, dict[str, ColumnElement]]:
    """The dossier each rating of ``ratings`` counts as: (the FROM clause, its ``unit``, the
    ``columns`` it is grouped by).

    With ``with_dossiers``, ``ratings`` is joined to the dossier in the selection whose code
    the rating gave (``rating_hash``): the unit is that dossier's id and each column (named
    as the dossier's, e.g. ``official_id=``) the dossier's value, or the rating's where the
    dossier names none. A rating without such a dossier, or every rating without
    ``with_dossiers``, is its own unit, minus its id, with its own values.
    """
    if not with_dossiers:
        return ratings, -rating_id, columns
    source = ratings.outerjoin(
        Dossier, and_(Dossier.code_hash == rating_hash, *dossier_conditions(report_filter))
    )
    return (
        source,
        func.coalesce(Dossier.id, -rating_id),
        {name: func.coalesce(getattr(Dossier, name), column) for name, column in columns.items()},
    )


def _dossier_units(report_filter, numbers, dossier_indices):
    """One row per selected dossier: ``unit`` (its id), ``official_id``, ``c<n>`` (NULL) and
    ``d<n>``, its points on index n."""
    if not dossier_indices:
        return None
    return select(
        Dossier.id.label("unit"),
        Dossier.official_id.label("official_id"),
        *(null().label(f"c{number}") for number in numbers),
        *(
            (
                dossier_points(dossier_indices[number].dossier_rules)
                if number in dossier_indices
                else null()
            ).label(f"d{number}")
            for number in numbers
        ),
    ).where(*dossier_conditions(report_filter))


def scored_dossier_counts(
    session: Session, report_filter: ReportFilter, *, by_agency: bool = False
) -> dict[Hashable, tuple[int, int]]:
    """Per official (``by_agency``: per ``(agency id, official)``, None for no official):
    (the dossiers the officials' points are taken over, those of them imported).

    Counted as :func:`combined_points_counts_by` counts dossiers: each imported dossier
    returned in the selection under its own official and agency; each selected rating not
    linked to one of them under its own; a linked rating is its dossier (under the
    rating's official when the dossier names none, as :func:`officer_mark_counts` does).
    Without dossier-scored indices, or with a filter that leaves dossiers out, the ratings
    alone.
    """
    ratings = (
        select(Response.id, Response.agency_id, Response.official_id, Response.dossier_hash)
        .where(Response.id.in_(selected_response_ids(report_filter)))
        .subquery()
    )
    with_dossiers = _selects_dossiers(report_filter) and bool(
        dossier_scored_indices(session, report_filter.questionnaire_version_ids)
    )
    source, unit, grouped = _rating_dossier(
        report_filter,
        ratings,
        ratings.c.id,
        ratings.c.dossier_hash,
        with_dossiers,
        agency_id=ratings.c.agency_id,
        official_id=ratings.c.official_id,
    )
    parts = [
        select(
            unit.label("unit"), *(column.label(name) for name, column in grouped.items())
        ).select_from(source)
    ]
    if with_dossiers:
        parts.append(
            select(
                Dossier.id.label("unit"),
                Dossier.agency_id.label("agency_id"),
                Dossier.official_id.label("official_id"),
            ).where(*dossier_conditions(report_filter))
        )
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    units = (
        select(
            rows.c.unit,
            func.max(rows.c.agency_id).label("agency_id"),
            func.max(rows.c.official_id).label("official_id"),
        )
        .group_by(rows.c.unit)
        .subquery()
    )
    group = [units.c.agency_id, units.c.official_id] if by_agency else [units.c.official_id]
    statement = select(*group, func.count(), func.count().filter(units.c.unit > 0)).group_by(*group)
    if not by_agency:
        statement = statement.where(units.c.official_id.is_not(None))
    result: dict[Hashable, tuple[int, int]] = {}
    for *key, scored, imported in session.execute(statement):
        result[tuple(key) if by_agency else key[0]] = (int(scored), int(imported))
    return result
