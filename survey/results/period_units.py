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
    hidden_sums,
)
from survey.results.filters import Dimension, ReportFilter, questionnaire_version_ids
from survey.results.queries import LevelCounts, level_counts_by, response_counts_by
from survey.results.versions import newest_definitions

#: The levels of a cell's units, in the order of its key.
LEVELS = (Dimension.AGENCY, Dimension.SERVICE_POINT, Dimension.OFFICIAL)

#: A cell: (agency id, desk id, official id, questionnaire key); desk and official None
#: when unnamed.
Cell = tuple[int, int | None, int | None, str]

#: What a report can choose one value of beside its units, and a split cell is split by.
SPLITS = (Dimension.CHANNEL, Dimension.RESPONDENT_TYPE, Dimension.PROCEDURE_FIELD)

#: A split cell: (agency id, questionnaire key, version id, channel, respondent type,
#: procedure field); type and field None when unnamed. The same responses as the cells,
#: split another way: a reader knows each agency's responses of a questionnaire are as
#: many in both (:func:`_links`), and nothing more joins them, since any two splits of
#: one total can be filled in by a table of both (a transportation problem).
Split = tuple[int, str, int, str, str | None, str | None]

#: The position in a cell, or a split cell, of each filter a report can choose one value
#: of (a desk, an official; a version, a channel, a respondent type, a procedure field).
#: The decision covers each value's totals in every fixed scope beside the unfiltered
#: figures, so that a small count in one filtered report is not the unfiltered count less
#: the other values' reports.
UNIT_FILTERS = (1, 2)
SPLIT_FILTERS = (2, 3, 4, 5)

#: What hiding a figure of the coverage table alone costs, against a unit's count in the
#: questionnaires' tables: the rankings and comparisons rest on those, so a complement is
#: taken from the coverage table first.
COVERAGE_COST = 0.05

#: What hiding a filtered report's totals costs (one channel's, one procedure field's…):
#: they give way before the unfiltered units' tables, after the coverage table.
FILTERED_COST = 0.2

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
            by_pair[cells[i][0], cells[i][2]].append(i)
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
    """The period's decision (:func:`decided_units`): ``cells``, then ``splits``, and
    their ``counts`` (responses, answers to their questionnaire's rated question), every
    published figure (``figures``, distinct) and which are ``hidden``; each
    questionnaire's units (``questionnaires``)."""

    cells: tuple[Cell, ...]
    splits: tuple[Split, ...]
    counts: np.ndarray
    figures: tuple[SumFigure, ...]
    hidden: np.ndarray
    minimum: int
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
        return UnitDecision(
            rows, rows.table(counts, 2), hidden, self.minimum, self, questionnaire_key
        )

    @cached_property
    def _sums(self) -> SumDecision:
        """Every figure as decided, with what the published ones give away."""
        return SumDecision(
            self.counts, tuple(f.parts for f in self.figures), self.hidden, self.minimum
        )

    def report_cells(self, report_filter: ReportFilter, key: str | None = None) -> Parts | None:
        """The cells, or split cells, of the responses a report counts (of questionnaire
        ``key``; None: of every questionnaire, the coverage table's); None when its filter
        chooses a desk or an official and a version, channel, respondent type or
        procedure field at once, which no cells add up to."""
        f = report_filter
        versions = {split[2] for split in self.splits if split[1] == key}
        chosen = f.questionnaire_version_ids
        some_versions = key is not None and chosen is not None and not versions <= chosen
        split = some_versions or any(
            value is not None for value in (f.channel, f.respondent_type, f.procedure_field)
        )
        if split and (f.service_point_id is not None or f.official_id is not None):
            return None
        if not split:
            return tuple(i for i, cell in enumerate(self.cells) if _counts(f, key, cell))
        first = len(self.cells)
        return tuple(
            first + i
            for i, cell in enumerate(self.splits)
            if (f.agency_ids is None or cell[0] in f.agency_ids)
            and key in (None, cell[1])
            and (key is None or chosen is None or cell[2] in chosen)
            and all(
                wanted in (None, cell[position])
                for wanted, position in zip(
                    (f.channel, f.respondent_type, f.procedure_field), (3, 4, 5), strict=True
                )
            )
        )

    def total_hidden(
        self,
        questionnaire_key: str | None,
        report_filter: ReportFilter,
        shown: Sequence[int] | None = None,
    ) -> bool:
        """Whether a report withholds the responses its filter counts (:meth:`report_cells`;
        of one questionnaire, with their answers, or of every one, the coverage table's
        ratings): as decided when some fixed scope's, or one filter value's over one, is
        that figure; otherwise hidden when small or not known from the published figures
        (a selection of agencies no fixed scope is, two filters at once). Hidden too when
        the report counts other figures (``shown``: ratings counted since)."""
        parts = self.report_cells(report_filter, questionnaire_key)
        if parts is None:
            return True
        column = slice(None) if questionnaire_key else slice(0, 1)
        decided = self._sums if questionnaire_key else self.coverage()
        counts = [int(v) for v in self.counts[list(parts), column].sum(axis=0)]
        return decided.sum_hidden(parts) or (shown is not None and counts != list(shown))

    def coverage(self) -> SumDecision:
        """The decision on the coverage table's ratings: each figure's responses of every
        questionnaire, over the same cells and as decided here."""
        return replace(self._sums, cells=self.counts[:, 0])


def _counts(report_filter: ReportFilter, key: str | None, cell: Cell) -> bool:
    """Whether a report counts a cell's responses (its agencies, desk and official; of
    questionnaire ``key``, or of any when None)."""
    f = report_filter
    return (
        (f.agency_ids is None or cell[0] in f.agency_ids)
        and key in (None, cell[3])
        and f.service_point_id in (None, cell[1])
        and f.official_id in (None, cell[2])
    )


def own_cells(period: PeriodUnits, report_filter: ReportFilter) -> list[int]:
    """The cells (not split) of a report's agencies, desk and official: its coverage
    table's units are those cells' agencies, desks and officials."""
    return [i for i, cell in enumerate(period.cells) if _counts(report_filter, None, cell)]


def _counted_cells(session: Session, report_filter: ReportFilter):
    """Every cell and split cell with responses in the report's period (its flagged
    ones when it counts them), their counts, and each questionnaire with a rated
    question: both from the same rows, one query per version."""
    everywhere = ReportFilter(report_filter.period, include_flagged=report_filter.include_flagged)
    cells: dict[tuple, tuple[int, int]] = {}
    splits: dict[tuple, tuple[int, int]] = {}
    rated: list[str] = []
    for key, definition in newest_definitions(session).items():
        item = scoring_for_analysis(definition)["headline_item"]
        if item:
            rated.append(key)
        for version in sorted(questionnaire_version_ids(session, key)):
            within = replace(everywhere, questionnaire_version_ids=frozenset({version}))
            for group, counted in _counted(session, within, LEVELS + SPLITS, item).items():
                agency, desk, official, *split = group
                for cell, into in (
                    ((agency, desk, official, key), cells),
                    ((agency, key, version, *split), splits),
                ):
                    into[cell] = tuple(np.add(into.get(cell, (0, 0)), counted))
    return _ordered(cells), _ordered(splits), rated


def _counted(session, report_filter, dimensions, item) -> dict:
    """Responses and answers to ``item`` (None: 0) by ``dimensions``."""
    responses = response_counts_by(session, report_filter, dimensions)
    answers = level_counts_by(session, report_filter, dimensions, [item]) if item else {}
    return {
        group: (n, answers.get(group, {}).get(item, LevelCounts()).answered if item else 0)
        for group, n in responses.items()
    }


def _ordered(counted: Mapping) -> tuple[tuple, np.ndarray]:
    """The cells in a fixed order (unnamed last), with their counts."""
    order = sorted(counted, key=lambda cell: tuple((v is None, v or "") for v in cell))
    return tuple(order), np.array([counted[cell] for cell in order], dtype=np.int64).reshape(-1, 2)


def _filtered_scopes(
    cells: Sequence[tuple], scopes: Sequence[Sequence[int]], positions: Sequence[int]
) -> set[Parts]:
    """Every fixed scope's cells of one filter value (a filter at each of ``positions``
    of a cell): a filtered report's totals."""
    parts: set[Parts] = set()
    for position in positions:
        for value in {cells[i][position] for scope in scopes for i in scope} - {None}:
            parts |= {tuple(i for i in scope if cells[i][position] == value) for scope in scopes}
    return parts - {()}


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


def _links(cells: Sequence[Cell], splits: Sequence[Split]) -> list[tuple[Parts, Parts]]:
    """Each agency's responses of each questionnaire, in the cells and in the split cells
    (positions after the cells)."""
    both: dict[tuple[int, str], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, cell in enumerate(cells):
        both[cell[0], cell[3]][0].append(i)
    for i, split in enumerate(splits):
        both[split[0], split[1]][1].append(len(cells) + i)
    return [(tuple(a), tuple(b)) for _key, (a, b) in sorted(both.items())]


def decided_units(
    session: Session, report_filter: ReportFilter, min_group_size: int
) -> PeriodUnits:
    """The decision on every unit's responses for the report's period, whatever else its
    filter chooses: the coverage table's ratings, each rated questionnaire's officials,
    agencies and report totals (:class:`OfficialRows`, responses and answers), and every
    fixed scope's totals of one filter value (:data:`UNIT_FILTERS`, :data:`SPLIT_FILTERS`),
    at once."""
    (cells, cell_counts), (splits, split_counts), rated = _counted_cells(session, report_filter)
    first = len(cells)
    scopes = agency_scopes(session, [cell[0] for cell in cells])
    split_scopes = [
        [first + i for i in scope]
        for scope in agency_scopes(session, [split[0] for split in splits])
    ]
    every = (*cells, *splits)
    figures = {
        parts: SumFigure(parts, cost_factor=COVERAGE_COST)
        for parts in _coverage_parts(cells, scopes)
        | _filtered_scopes(every, split_scopes, SPLIT_FILTERS[1:])
    }
    questionnaires = {}
    for key in rated:
        mine = [i for i, cell in enumerate(cells) if cell[3] == key]
        if not mine:
            continue
        units = questionnaires[key] = QuestionnaireUnits.of(session, cells, mine)
        by_unit = [[i for i in scope if cells[i][3] == key] for scope in scopes]
        by_split = [[i for i in scope if every[i][1] == key] for scope in split_scopes]
        filtered = _filtered_scopes(every, by_unit, UNIT_FILTERS)
        for parts in filtered | _filtered_scopes(every, by_split, SPLIT_FILTERS):
            figures[parts] = SumFigure(parts, answers=True, listed=True, cost_factor=FILTERED_COST)
        for _row, parts in units.published:  # a unit listed, with its answers, or totals
            figures[parts] = SumFigure(parts, answers=True, listed=True)
    listed = tuple(figures[parts] for parts in sorted(figures))
    counts = np.concatenate([cell_counts, split_counts])
    return PeriodUnits(
        cells,
        splits,
        counts,
        listed,
        hidden_sums(counts, listed, min_group_size, _links(cells, splits)),
        min_group_size,
        questionnaires,
    )
