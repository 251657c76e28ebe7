"""The share of dossiers rated (tỷ lệ hồ sơ được đánh giá): ratings ÷ dossiers returned.

For the report's period and scope, per desk, official and agency and for the whole scope:
the ratings of every questionnaire (:func:`survey.results.queries.response_counts_by`) set
against the dossiers the one-stop system returned in the same Vietnam-local days
(:class:`survey.dossiers.models.Dossier`). Desks below the coverage setting
(``DOSSIER_COVERAGE_PERCENT``, 5 % by default) are listed: there the index rests on few voices.

The ratings go through the disclosure-control step like every published count (issue 21):
decided once for the period at the finest level, every agency's, desk's and official's
ratings with every fixed scope's totals, together with the questionnaires' own tables of
units (:func:`survey.results.period_units.decided_units`), so a unit hidden in one report
or table is hidden in every one that lists it, and no hidden count is a total less the
others. The dossiers returned are administrative data, not respondents: always shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.dossiers.models import Dossier
from survey.i18n import current_language
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.results.disclosure import SumDecision
from survey.results.filters import ReportFilter
from survey.results.onestop_points import dossier_conditions
from survey.results.period_units import LEVELS, Cell, PeriodUnits, decided_units
from survey.results.queries import response_count, response_counts_by
from survey.results.tables import Hidden
from survey.settings import get_setting


@dataclass(frozen=True)
class CoverageUnit:
    """One desk, official or agency (``key`` its id), or the whole scope (``key`` None)."""

    key: int | None
    name: str
    ratings: int
    dossiers: int
    #: Why the ratings (and the share rated) are withheld, when they are.
    hidden: Hidden | None = None

    @property
    def rate(self) -> float | None:
        """Ratings per dossier returned (0-1, more when ratings came without dossier data)."""
        return self.ratings / self.dossiers if self.dossiers else None


@dataclass(frozen=True)
class Coverage:
    scope: CoverageUnit
    agencies: tuple[CoverageUnit, ...]
    service_points: tuple[CoverageUnit, ...]
    officials: tuple[CoverageUnit, ...]
    #: The coverage below which a desk is listed (0-1).
    threshold: float

    @property
    def low_service_points(self) -> tuple[CoverageUnit, ...]:
        """Desks that returned dossiers and whose share rated is below the threshold; never
        a desk whose ratings are hidden (the listing would bound them)."""
        return tuple(
            unit
            for unit in self.service_points
            if unit.hidden is None and unit.rate is not None and unit.rate < self.threshold
        )


def coverage_threshold() -> float:
    return int(get_setting("DOSSIER_COVERAGE_PERCENT")) / 100


def dossier_counts_by(
    session: Session, report_filter: ReportFilter, column
) -> dict[int | None, int]:
    """Dossiers returned in the filter's period and scope, by ``column`` of ``Dossier``
    (None: one total under the key None)."""
    conditions = dossier_conditions(report_filter)
    if column is None:
        return {None: session.scalar(select(func.count()).where(*conditions)) or 0}
    statement = select(column, func.count()).where(*conditions, column.is_not(None))
    return {key: count for key, count in session.execute(statement.group_by(column))}


def dossier_cell_counts(
    session: Session, report_filter: ReportFilter, columns: Sequence
) -> dict[tuple, int]:
    """Dossiers returned in the filter's period and scope, by the values of ``columns``
    (of ``Dossier``, or ``Procedure.field``: a dossier without a procedure has field None),
    of the filter's procedure field when it names one (``dossier_conditions``)."""
    statement = (
        select(*columns, func.count())
        .select_from(Dossier)
        .outerjoin(Procedure, Procedure.id == Dossier.procedure_id)
        .where(*dossier_conditions(report_filter))
        .group_by(*columns)
    )
    return {tuple(row[:-1]): row[-1] for row in session.execute(statement)}


def _name(record, language: str) -> str:
    """An agency's or official's name; a desk's with its agency's ("Quầy số 1" is everywhere)."""
    if isinstance(record, Agency):
        return record.localized_name(language)
    if isinstance(record, ServicePoint):
        return f"{record.agency.localized_name(language)} · {record.name}"
    return record.name


def _units(session, model, ratings: dict, dossiers: dict) -> tuple[CoverageUnit, ...]:
    keys = sorted({key for key in (*ratings, *dossiers) if key is not None})
    if not keys:
        return ()
    records = session.scalars(select(model).where(model.id.in_(keys)))
    language = current_language()
    names = {record.id: _name(record, language) for record in records}
    units = (
        CoverageUnit(key, names.get(key, "?"), ratings.get(key, 0), dossiers.get(key, 0))
        for key in keys
    )
    return tuple(sorted(units, key=lambda unit: unit.name))


@dataclass(frozen=True, eq=False)
class CoverageDecision:
    """The period's decision on the coverage table's ratings
    (:meth:`survey.results.period_units.PeriodUnits.coverage`): ``cells`` the ratings'
    cells, in the order of ``decision.cells``."""

    cells: tuple[Cell, ...]
    decision: SumDecision

    def reason(self, parts: Sequence[int], shown: int) -> Hidden | None:
        """Why a figure of ``shown`` ratings over the cells ``parts`` is hidden, if it is:
        small, or hidden so that no small one can be worked out (or not the decided
        figure: ratings counted since)."""
        n = int(self.decision.cells[list(parts)].sum())
        if 0 < shown < self.decision.minimum:
            return Hidden.SMALL_GROUP
        return Hidden.DERIVED if self.decision.sum_hidden(parts) or n != shown else None


def _decided(units: tuple[CoverageUnit, ...], level: int, decided: CoverageDecision, own):
    """``units`` (of ``LEVELS[level]``) with the decision's reasons to hide their ratings."""
    cells_of: dict[object, list[int]] = defaultdict(list)
    for i in own:
        cells_of[decided.cells[i][level]].append(i)
    return tuple(
        replace(unit, hidden=decided.reason(cells_of.get(unit.key, []), unit.ratings))
        for unit in units
    )


def _reason(period: PeriodUnits, report_filter: ReportFilter, ratings: int) -> Hidden | None:
    """Why the ratings a report's filter counts (its scope's, or one agency's) are
    hidden, if they are: small, or hidden as decided for the period with that filter."""
    if 0 < ratings < period.minimum:
        return Hidden.SMALL_GROUP
    return Hidden.DERIVED if period.total_hidden(None, report_filter, [ratings]) else None


def _decided_agencies(units: tuple[CoverageUnit, ...], period: PeriodUnits, report_filter):
    """The agencies' rows with the decision's reasons to hide their ratings: each its
    figure under the report's filter (one channel's…), as its own report's is."""
    return tuple(
        replace(
            unit,
            hidden=_reason(
                period, replace(report_filter, agency_ids=frozenset({unit.key})), unit.ratings
            ),
        )
        for unit in units
    )


def dossier_coverage(
    session: Session,
    report_filter: ReportFilter,
    min_group_size: int,
    decided_for_period: PeriodUnits | None = None,
) -> Coverage | None:
    """The share of dossiers rated in the report's scope; None when no dossier was returned
    in it (the one-stop system's data was not imported for it).

    Ratings of every questionnaire count: a citizen rates a dossier with the quick form or
    the full survey, and either is a voice from it. Their counts are hidden as decided for
    the period with the units' tables (``decided_for_period``: the report's, else decided
    here, :func:`survey.results.period_units.decided_units`).
    """
    report_filter = replace(report_filter, questionnaire_version_ids=None)
    total = dossier_counts_by(session, report_filter, None)[None]
    if total == 0:
        return None
    levels = (
        (Agency, Dossier.agency_id),
        (ServicePoint, Dossier.service_point_id),
        (Official, Dossier.official_id),
    )
    agencies, service_points, officials = (
        _units(
            session,
            model,
            response_counts_by(session, report_filter, dimension),
            dossier_counts_by(session, report_filter, column),
        )
        for (model, column), dimension in zip(levels, LEVELS, strict=True)
    )
    period = decided_for_period or decided_units(session, report_filter, min_group_size)
    decided = CoverageDecision(period.cells, period.coverage())
    own = period.cells_of(report_filter)
    ratings = response_count(session, report_filter)
    return Coverage(
        scope=CoverageUnit(None, "", ratings, total, _reason(period, report_filter, ratings)),
        agencies=_decided_agencies(agencies, period, report_filter),
        service_points=_decided(service_points, 1, decided, own),
        officials=_decided(officials, 2, decided, own),
        threshold=coverage_threshold(),
    )
