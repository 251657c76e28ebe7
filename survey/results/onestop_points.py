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
from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import Integer, String, and_, case, func, literal, null, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

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
    else:
        result = onestop_points_counts_by(session, report_filter, dimension)
    indices = dossier_scored_indices(session, report_filter.questionnaire_version_ids)
    if not indices or not _selects_dossiers(report_filter):
        return result
    totals: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for key, by_index in result.items():
        group_totals = totals[key]  # kept when empty: the whole filter's None is always there
        for number, by_points in by_index.items():
            for points, count in by_points.items():
                group_totals[number][points] += count
    _add_dossiers(session, report_filter, dimension, indices, totals)
    _take_back_linked(session, report_filter, dimension, indices, totals)
    return {
        key: {
            number: {points: count for points, count in by_points.items() if count}
            for number, by_points in by_index.items()
        }
        for key, by_index in totals.items()
    }


def _group(columns, dimension) -> list[ColumnElement]:
    """The grouping column of ``dimension`` (none for the whole filter)."""
    return [columns[dimension].label("key")] if dimension is not None else []


def _add_dossiers(session, report_filter, dimension, indices, totals) -> None:
    """Every dossier-scored index in one pass over the dossiers (one row per combination of
    points)."""
    group = _group(_DOSSIER_GROUPS, dimension)
    points = [dossier_points(index.dossier_rules).label(f"i{index.number}") for index in indices]
    statement = (
        select(*group, *points, func.count())
        .where(*dossier_conditions(report_filter))
        .group_by(*group, *points)
    )
    for row in session.execute(statement):
        key = row[0] if group else None
        count = row[-1]
        for index, value in zip(indices, row[len(group) : -1], strict=True):
            if value is not None:
                totals[key][index.number][int(value)] += count


def _take_back_linked(session, report_filter, dimension, indices, totals) -> None:
    """One dossier per linked pair: the points of the source that does not take precedence
    are taken back from the group that counted them."""
    both = [index for index in indices if index.precedence is not None]
    if not both:
        return
    groups = (
        (_RESPONSE_GROUPS[dimension], _DOSSIER_GROUPS[dimension])
        if dimension is not None
        else (literal(None), literal(None))
    )
    linked = (
        select(Response.id)
        .join(Dossier, Dossier.code_hash == Response.dossier_hash)
        .where(Response.id.in_(selected_response_ids(report_filter)))
        .where(*dossier_conditions(report_filter))
    )
    pairs = session.execute(
        linked.add_columns(
            Dossier.id, *groups, *(dossier_points(index.dossier_rules) for index in both)
        )
    ).all()
    if not pairs:
        return
    citizen = _citizen_points(session, report_filter, linked, both)
    seen: set[tuple[int, int]] = set()  # (dossier, index) whose dossier points went back
    for response_id, dossier_id, response_key, dossier_key, *dossier_values in pairs:
        for index, dossier_value in zip(both, dossier_values, strict=True):
            citizen_value = citizen.get((response_id, index.number))
            if citizen_value is None or dossier_value is None:
                continue
            if index.precedence == "dossier":
                totals[response_key][index.number][citizen_value] -= 1
            elif (dossier_id, index.number) not in seen:
                seen.add((dossier_id, index.number))
                totals[dossier_key][index.number][int(dossier_value)] -= 1


def _citizen_points(
    session, report_filter, response_ids, indices: list[OnestopIndex]
) -> dict[tuple[int, int], int]:
    """(response, index number) → the rating's points on the indices ``indices``."""
    rules = onestop_rules(session, report_filter.questionnaire_version_ids)
    numbers = {index.number for index in indices}
    rules = {
        version: kept
        for version, version_indices in rules.items()
        if (kept := tuple(index for index in version_indices if index.number in numbers))
    }
    query = onestop_rows(
        rules, extra=[Response.id.label("response_id")], where=[Response.id.in_(response_ids)]
    )
    if query is None:
        return {}
    rows = query.subquery()
    statement = select(rows.c.response_id, rows.c.index_number, rows.c.points)
    return {(rid, number): int(points) for rid, number, points in session.execute(statement)}
