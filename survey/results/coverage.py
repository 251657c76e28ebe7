"""The share of dossiers rated (tỷ lệ hồ sơ được đánh giá): ratings ÷ dossiers returned.

For the report's period and scope, per desk, official and agency and for the whole scope:
the ratings of every questionnaire (:func:`survey.results.queries.response_counts_by`) set
against the dossiers the one-stop system returned in the same Vietnam-local days
(:class:`survey.dossiers.models.Dossier`). Desks below the coverage setting
(``DOSSIER_COVERAGE_PERCENT``, 5 % by default) are listed: there the index rests on few voices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.dossiers.models import Dossier
from survey.i18n import current_language
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.results.filters import Dimension, ReportFilter
from survey.results.onestop_points import dossier_conditions
from survey.results.queries import response_count, response_counts_by
from survey.settings import get_setting


@dataclass(frozen=True)
class CoverageUnit:
    """One desk, official or agency (``key`` its id), or the whole scope (``key`` None)."""

    key: int | None
    name: str
    ratings: int
    dossiers: int

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
        """Desks that returned dossiers and whose share rated is below the threshold."""
        return tuple(
            unit
            for unit in self.service_points
            if unit.rate is not None and unit.rate < self.threshold
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


def dossier_coverage(session: Session, report_filter: ReportFilter) -> Coverage | None:
    """The share of dossiers rated in the report's scope; None when no dossier was returned
    in it (the one-stop system's data was not imported for it).

    Ratings of every questionnaire count: a citizen rates a dossier with the quick form or
    the full survey, and either is a voice from it.
    """
    report_filter = replace(report_filter, questionnaire_version_ids=None)
    total = dossier_counts_by(session, report_filter, None)[None]
    if total == 0:
        return None
    levels = (
        (Agency, Dimension.AGENCY, Dossier.agency_id),
        (ServicePoint, Dimension.SERVICE_POINT, Dossier.service_point_id),
        (Official, Dimension.OFFICIAL, Dossier.official_id),
    )
    agencies, service_points, officials = (
        _units(
            session,
            model,
            response_counts_by(session, report_filter, dimension),
            dossier_counts_by(session, report_filter, column),
        )
        for model, dimension, column in levels
    )
    return Coverage(
        scope=CoverageUnit(None, "", response_count(session, report_filter), total),
        agencies=agencies,
        service_points=service_points,
        officials=officials,
        threshold=coverage_threshold(),
    )
