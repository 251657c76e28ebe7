"""The values a report's filter chooses beside its agencies (a desk, an official, a
channel, a kind of respondent, a procedure field, a questionnaire version), and the
responses of every value of one such filter by agency: a filtered report's figures are
decided with the other values' (issue 21), or the report less the others' would give a
small one away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from survey.results.filters import Dimension, ReportFilter
from survey.results.onestop_points import combined_points_counts_by, points_by_value
from survey.results.queries import LevelCounts, level_counts_by, response_counts_by

#: The filters a report chooses one value of, with the dimension their responses are
#: grouped by (the questionnaire's version: None, counted version by version).
FILTERS = (
    ("service_point_id", Dimension.SERVICE_POINT),
    ("official_id", Dimension.OFFICIAL),
    ("channel", Dimension.CHANNEL),
    ("respondent_type", Dimension.RESPONDENT_TYPE),
    ("procedure_field", Dimension.PROCEDURE_FIELD),
)

#: The filters that choose a part of the units (a desk's, an official's responses).
UNIT_DIMENSIONS = (Dimension.SERVICE_POINT, Dimension.OFFICIAL)


@dataclass(frozen=True)
class FilterValue:
    """One value a report's filter chooses: ``dimension`` None for a version (``value``
    then the versions chosen)."""

    dimension: Dimension | None
    value: object

    @property
    def within_units(self) -> bool:
        """A desk or an official: a part of the units, not a cut across them."""
        return self.dimension in UNIT_DIMENSIONS

    def holds(self, value: object) -> bool:
        if self.dimension is None:
            return value in self.value  # type: ignore[operator]
        return value == self.value


def chosen_values(report_filter: ReportFilter, versions: frozenset[int]) -> list[FilterValue]:
    """The values a report's filter chooses beside its agencies (``versions``: every
    version of its questionnaire, which choosing is no choice)."""
    chosen = [
        FilterValue(dimension, getattr(report_filter, name))
        for name, dimension in FILTERS
        if getattr(report_filter, name) is not None
    ]
    picked = report_filter.questionnaire_version_ids
    if picked is not None and not versions <= picked:
        chosen.append(FilterValue(None, picked))
    return chosen


def _selections(unfiltered: ReportFilter, dimension: Dimension | None, more: Sequence[Dimension]):
    """``(version, selection, dimensions)`` to count every value of ``dimension`` by agency
    (and ``more``): one selection, or one per version (``version`` then its id)."""
    if dimension is not None:
        return [(None, unfiltered, (Dimension.AGENCY, dimension, *more))]
    return [
        (
            version,
            replace(unfiltered, questionnaire_version_ids=frozenset({version})),
            (Dimension.AGENCY, *more),
        )
        for version in sorted(unfiltered.questionnaire_version_ids or ())
    ]


def _cell(group, version, dimension: Dimension | None) -> tuple:
    key: tuple = group if isinstance(group, tuple) else (group,)
    return key if dimension is not None else (key[0], version, *key[1:])


def counts_by_value(
    session: Session,
    unfiltered: ReportFilter,
    dimension: Dimension | None,
    item: str | None,
    more: Sequence[Dimension] = (),
) -> dict[tuple, tuple[int, int]]:
    """Responses and answers to ``item`` (None: 0) by agency, value of ``dimension`` (None:
    version, of ``unfiltered``'s versions) and ``more`` dimensions: keyed (agency, value,
    *more)."""
    counted: dict[tuple, tuple[int, int]] = {}
    for version, selection, dimensions in _selections(unfiltered, dimension, more):
        responses = response_counts_by(session, selection, dimensions)
        answers = level_counts_by(session, selection, dimensions, [item]) if item else {}
        for group, n in responses.items():
            answered = answers.get(group, {}).get(item, LevelCounts()).answered if item else 0
            counted[_cell(group, version, dimension)] = (n, answered)
    return counted


def answers_by_value(
    session: Session, unfiltered: ReportFilter, dimension: Dimension | None, items: Sequence[str]
) -> dict[str, dict[tuple[int, object], int]]:
    """Each item's answers by (agency, value of ``dimension``), as :func:`counts_by_value`."""
    answered: dict[str, dict[tuple[int, object], int]] = {item: {} for item in items}
    for version, selection, dimensions in _selections(unfiltered, dimension, ()):
        for group, by_item in level_counts_by(session, selection, dimensions, items).items():
            cell = _cell(group, version, dimension)
            for item in items:
                if by_item[item].answered:
                    answered[item][cell[0], cell[1]] = by_item[item].answered
    return answered


def index_dossiers_by_value(
    session: Session,
    unfiltered: ReportFilter,
    dimension: Dimension | None,
    whole: Mapping[int, Mapping[int, int]],
) -> dict[int, dict[tuple[int, object], int]]:
    """Each one-stop index's dossiers by (agency, value of ``dimension``; None: version),
    as the report choosing the value counts them (ratings and imported dossiers, a linked
    pair once; a channel's or a kind of respondent's: ratings only), and under value None
    each agency's dossiers no value's report counts: the unfiltered report's less the
    values', negative where the values' reports count some dossiers more than once (each
    version's report counts every imported dossier); ``whole``: each index's dossiers
    by agency in the unfiltered report."""
    by_value: dict[Any, dict[int, dict[int, int]]]
    if dimension is None:
        by_value = {
            (agency, version): by_index
            for version in sorted(unfiltered.questionnaire_version_ids or ())
            for agency, by_index in combined_points_counts_by(
                session,
                replace(unfiltered, questionnaire_version_ids=frozenset({version})),
                Dimension.AGENCY,
            ).items()
        }
    else:
        by_value = points_by_value(session, unfiltered, dimension)
    cells: dict[int, dict[tuple[int, object], int]] = defaultdict(lambda: defaultdict(int))
    for (agency, value), by_index in by_value.items():
        for number, by_points in by_index.items():
            if agency is not None and value is not None:
                cells[number][agency, value] += sum(by_points.values())
    for number, by_agency in whole.items():
        for agency, dossiers in by_agency.items():
            told = sum(n for (a, _value), n in cells[number].items() if a == agency)
            cells[number][agency, None] += dossiers - told
    return {number: {cell: n for cell, n in by.items() if n} for number, by in cells.items()}
