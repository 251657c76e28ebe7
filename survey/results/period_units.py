"""One decision for the period on every count of responses a report lists by unit.

Two tables list responses by unit. The agencies' and officials' tables of each
questionnaire's reports, with each report's totals, give responses and answers to the
rated question (:class:`survey.results.disclosure.OfficialRows`); the coverage table
(:mod:`survey.results.coverage`) gives the ratings of every questionnaire by agency, desk
and official. A unit rated with one questionnaire only has the same figure in both, and a
unit's ratings in the coverage table less its ratings with the other questionnaires are its
ratings with this one: decided apart, a count hidden in one table could be read in, or
worked out from, the other (issue 21). So both are decided at once, for the period at the
finest level (:func:`survey.results.disclosure.finest_filter`), on cells no report shows
(the responses of one agency, desk, official and questionnaire together), every published
figure a sum of them (:func:`survey.results.disclosure.hidden_sums`): a figure hidden in
one table is hidden wherever it appears, and no hidden figure follows from the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from sqlalchemy.orm import Session

from survey.questionnaires.definition import scoring_for_analysis
from survey.results.disclosure import (
    OfficialRows,
    Pair,
    SumDecision,
    SumFigure,
    UnitDecision,
    agency_scopes,
    finest_filter,
    hidden_sums,
)
from survey.results.filters import Dimension, ReportFilter, questionnaire_version_ids
from survey.results.queries import LevelCounts, level_counts_by, response_counts_by
from survey.results.versions import newest_definitions

#: The levels of a cell's units, in the order of its key.
LEVELS = (Dimension.AGENCY, Dimension.SERVICE_POINT, Dimension.OFFICIAL)

#: A cell: (agency id, desk id, official id, questionnaire key, counted in the report's
#: choice of versions); desk and official None when unnamed.
Cell = tuple[int, int | None, int | None, str, bool]

#: What hiding a figure of the coverage table alone costs, against a unit's count in the
#: questionnaires' tables: the rankings and comparisons rest on those, so a complement is
#: taken from the coverage table first.
COVERAGE_COST = 0.05

#: Cells (positions in :attr:`PeriodUnits.cells`), distinct and sorted.
Parts = tuple[int, ...]


@dataclass(frozen=True)
class QuestionnaireUnits:
    """One questionnaire's officials' rows and the cells of each row."""

    rows: OfficialRows
    cells: tuple[Parts, ...]

    @classmethod
    def of(cls, session: Session, cells: Sequence[Cell], mine: Sequence[int]) -> QuestionnaireUnits:
        by_pair: dict[Pair, list[int]] = defaultdict(list)
        for i in mine:
            agency, _desk, official, _key, _chosen = cells[i]
            by_pair[agency, official].append(i)
        rows = OfficialRows.of(session, by_pair)
        pair_cells = [tuple(by_pair.get(pair, ())) for pair in rows.pairs]
        derived = [
            tuple(sorted(i for row in parts for i in pair_cells[row])) for parts in rows.derived
        ]
        return cls(rows, (*pair_cells, *derived))

    @property
    def published(self) -> list[tuple[int, Parts]]:
        """Each row some report shows (not an agency's responses naming no official), with
        its cells."""
        unseen = self.rows.unpublished
        return [(row, parts) for row, parts in enumerate(self.cells) if not unseen[row]]


@dataclass(frozen=True, eq=False)
class PeriodUnits:
    """The period's decision (:func:`decided_units`): ``cells`` and their ``counts``
    (responses, answers to their questionnaire's rated question), every published figure
    (``figures``, distinct) and which are ``hidden``; the coverage table's figures
    (``coverage_parts``) and each questionnaire's units (``questionnaires``)."""

    cells: tuple[Cell, ...]
    counts: np.ndarray
    figures: tuple[SumFigure, ...]
    hidden: np.ndarray
    minimum: int
    coverage_parts: tuple[Parts, ...]
    questionnaires: Mapping[str, QuestionnaireUnits]

    @cached_property
    def _position(self) -> dict[Parts, int]:
        return {figure.parts: k for k, figure in enumerate(self.figures)}

    def is_hidden(self, parts: Parts) -> bool:
        """Whether the figure over the cells ``parts`` (one the decision is on) is hidden."""
        return bool(self.hidden[self._position[parts]])

    def units(self, questionnaire_key: str) -> UnitDecision | None:
        """The decision on one questionnaire's officials, agencies and report totals (None
        without responses in the period or a rated question)."""
        units = self.questionnaires.get(questionnaire_key)
        if units is None:
            return None
        rows = units.rows
        counts = {
            pair: [int(v) for v in self.counts[list(parts)].sum(axis=0)]
            for pair, parts in zip(rows.pairs, units.cells, strict=False)
        }
        hidden = np.array(rows.unpublished, dtype=bool)
        for row, parts in units.published:
            hidden[row] = self.is_hidden(parts)
        return UnitDecision(rows, rows.table(counts, 2), hidden, self.minimum, self)

    def coverage(self) -> SumDecision:
        """The decision on the coverage table's ratings: each figure's responses of every
        questionnaire, over the same cells and as decided here."""
        return SumDecision(
            self.counts[:, 0],
            self.coverage_parts,
            np.array([self.is_hidden(parts) for parts in self.coverage_parts], dtype=bool),
            self.minimum,
        )


def _counted_cells(session: Session, report_filter: ReportFilter):
    """Every cell with responses under the report's filter at the finest level, with its
    counts, and each questionnaire with a rated question."""
    everywhere = finest_filter(report_filter)
    chosen = everywhere.questionnaire_version_ids
    counts: dict[Cell, tuple[int, int]] = {}
    rated: list[str] = []
    for key, definition in newest_definitions(session).items():
        item = scoring_for_analysis(definition)["headline_item"]
        versions = questionnaire_version_ids(session, key)
        selected = versions & chosen if chosen and versions & chosen else versions
        if item:
            rated.append(key)
        for in_choice, ids in ((True, selected), (False, versions - selected)):
            if not ids:
                continue
            within = replace(everywhere, questionnaire_version_ids=ids)
            responses = response_counts_by(session, within, LEVELS)
            answers = level_counts_by(session, within, LEVELS, [item]) if item and in_choice else {}
            for cell, n in responses.items():
                answered = answers.get(cell, {}).get(item, LevelCounts()).answered if item else 0
                counts[(*cell, key, in_choice)] = (n, answered)  # type: ignore[misc]
    order = sorted(counts, key=lambda c: (c[0], *((v is None, v or 0) for v in c[1:3]), *c[3:]))
    return order, np.array([counts[cell] for cell in order], dtype=np.int64).reshape(-1, 2), rated


def _coverage_parts(cells: Sequence[Cell], scopes: Sequence[Sequence[int]]) -> set[Parts]:
    """Every fixed scope's ratings, and its agencies', desks' and officials' (every
    questionnaire's together)."""
    parts: set[Parts] = set()
    for scope in scopes:
        parts.add(tuple(sorted(scope)))
        for level in range(len(LEVELS)):
            units: dict[object, list[int]] = defaultdict(list)
            for i in scope:
                units[cells[i][level]].append(i)
            parts |= {tuple(sorted(p)) for key, p in units.items() if key is not None}
    return parts - {()}


def decided_units(
    session: Session, report_filter: ReportFilter, min_group_size: int
) -> PeriodUnits:
    """The decision on every unit's responses for the period at the finest level: the
    coverage table's ratings, and each rated questionnaire's officials, agencies and
    report totals (:class:`OfficialRows`, responses and answers), at once."""
    cells, counts, rated = _counted_cells(session, report_filter)
    coverage = _coverage_parts(cells, agency_scopes(session, [cell[0] for cell in cells]))
    figures = {parts: SumFigure(parts, cost_factor=COVERAGE_COST) for parts in coverage}
    questionnaires = {}
    for key in rated:
        mine = [i for i, cell in enumerate(cells) if cell[3] == key and cell[4]]
        if not mine:
            continue
        units = questionnaires[key] = QuestionnaireUnits.of(session, cells, mine)
        for _row, parts in units.published:  # a unit listed, with its answers, or totals
            figures[parts] = SumFigure(parts, answers=True, listed=True)
    listed = tuple(figures[parts] for parts in sorted(figures))
    return PeriodUnits(
        tuple(cells),
        counts,
        listed,
        hidden_sums(counts, listed, min_group_size),
        min_group_size,
        tuple(sorted(coverage)),
        questionnaires,
    )
