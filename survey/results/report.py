"""One report, as the dashboards, the three downloads, the command line and the public page use it.

A :class:`ReportRequest` is what an officer asked for (a period, an agency subtree as of a
date, optional desk, official, procedure field, channel, respondent type, questionnaire
version, flagged responses or not), already checked: the web form (:mod:`survey.results.forms`)
and ``flask report`` both build one. :func:`build_report` narrows it to the officer's scope,
runs :func:`survey.results.overview.satisfaction_overview` and adds what the pages show beside
it: names, factors, criteria weakest first, officials' Circular 01/2018 scores per quarter
and year, and the open comments for those entitled to them. Every number that leaves the
system through a :class:`Report` has already been through small-group suppression; its
tables (:attr:`Report.tables`, built once by :mod:`survey.results.report_tables`) say which
cells are hidden and why, and every page and file renders those.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import (
    CronbachAlphaResult,
    OneStopScores,
    OneStopScoringDefinition,
    onestop_scores,
)
from survey.collect.models import Answer, Channel, RespondentType, Response
from survey.db import utcnow
from survey.feedback.responsiveness import CaseResponsiveness, case_responsiveness
from survey.i18n import current_language, format_day, format_number
from survey.org.models import Agency, Official, ServicePoint
from survey.org.tree import AgencyTree
from survey.questionnaires.definition import (
    QuestionnaireDefinition,
    scoring_for_analysis,
)
from survey.questionnaires.models import QuestionnaireVersion
from survey.results.coverage import Coverage, dossier_coverage
from survey.results.disclosure import (
    ONESTOP_TOTAL,
    Key,
    Pair,
    criterion_key,
    factor_key,
    hidden_across_reports,
    index_key,
    overall_key,
    report_disclosure,
)
from survey.results.filters import (
    Dimension,
    Period,
    ReportFilter,
    vietnam_local_date,
)
from survey.results.fold import as_of_moment, counts_as_of
from survey.results.official_periods import hidden_dossiers, summed
from survey.results.onestop_points import (
    combined_points_counts_by,
    officer_mark_counts,
    scored_dossier_counts,
)
from survey.results.overview import (
    SatisfactionOverview,
    decided_in_year,
    satisfaction_overview,
)
from survey.results.period_units import PeriodUnits
from survey.results.queries import (
    response_counts_by,
    selected_response_ids,
)
from survey.results.report_tables import ReportTables, period_words, report_tables
from survey.results.tables import Hidden
from survey.results.versions import latest_definition
from survey.results.weighting import WeightedSatisfaction, WeightedUnits, weighted_satisfactions
from survey.settings import get_setting

CHANNEL_LABELS = {
    Channel.KIOSK: _l("Kiosk at the desk"),
    Channel.QR: _l("Phone (QR code)"),
    Channel.WEB: _l("Web link"),
    Channel.PAPER: _l("Paper form"),
}
RESPONDENT_TYPE_LABELS = {
    RespondentType.CITIZEN: _l("Citizens"),
    RespondentType.ORGANISATION: _l("Organisations and businesses"),
}
#: How many open comments a dashboard shows (the response-level CSV has them all).
COMMENTS_SHOWN = 50


def report_settings() -> tuple[int, int]:
    """``(MIN_GROUP_SIZE, MIN_RATINGS_FOR_RANKING)``: the one place reports read them
    (administrators change them on the settings page, see :mod:`survey.settings`)."""
    return int(get_setting("MIN_GROUP_SIZE")), int(get_setting("MIN_RATINGS_FOR_RANKING"))


def publishes_official_results() -> bool:
    """May the public page show official-level results (``PUBLISH_OFFICIAL_RESULTS``)?"""
    return bool(get_setting("PUBLISH_OFFICIAL_RESULTS"))


@dataclass(frozen=True)
class ReportRequest:
    """What a report is about, every choice already validated (ids known to exist)."""

    period: Period
    questionnaire_key: str = "sipas"
    #: The subtree's root; None: every agency the officer may see.
    agency: Agency | None = None
    #: The organisation chart used to find the subtree (None: today).
    as_of: date | None = None
    #: Include the units merged into the subtree, with their history (rolled up).
    include_merged: bool = True
    service_point: ServicePoint | None = None
    official: Official | None = None
    procedure_field: str | None = None
    channel: Channel | None = None
    respondent_type: RespondentType | None = None
    version: QuestionnaireVersion | None = None
    include_flagged: bool = False
    trend_by: Dimension = Dimension.MONTH

    def agency_ids(self, session: Session, visible: set[int] | None, today: date):
        """The agencies the report counts: the chosen subtree within ``visible`` (None: all)."""
        if self.agency is None:
            return None if visible is None else frozenset(visible)
        tree = AgencyTree.load(session)
        as_of = self.as_of or today
        chosen = (
            tree.rolled_up(self.agency.id, as_of)
            if self.include_merged
            else tree.subtree(self.agency.id, as_of)
        )
        return frozenset(chosen if visible is None else chosen & visible)

    def report_filter(self, session: Session, visible: set[int] | None, today: date):
        return ReportFilter(
            period=self.period,
            agency_ids=self.agency_ids(session, visible, today),
            service_point_id=self.service_point.id if self.service_point else None,
            official_id=self.official.id if self.official else None,
            procedure_field=self.procedure_field,
            channel=self.channel,
            respondent_type=self.respondent_type,
            questionnaire_version_ids=frozenset({self.version.id}) if self.version else None,
            include_flagged=self.include_flagged,
        )

    def description(
        self, questionnaire_title: str, language: str, today: date
    ) -> list[tuple[str, str]]:
        """The filters in words, for the page, the PDF ("filters used") and the workbook.

        ``today``: the day the report counts for, as :meth:`agency_ids` was given it.
        """
        rows = [
            (_("Questionnaire"), questionnaire_title),
            (_("Period"), period_words(self.period, today)),
            (
                _("Agency"),
                self.agency.localized_name(language) if self.agency else _("All agencies you see"),
            ),
        ]
        if self.agency is not None:
            rows.append((_("Organisation chart of"), format_day(self.as_of or today)))
            rows.append(
                (
                    _("Merged units"),
                    _("Rolled up into their successors")
                    if self.include_merged
                    else _("Kept apart (left out)"),
                )
            )
        if self.service_point is not None:
            rows.append((_("Desk"), self.service_point.name))
        if self.official is not None:
            rows.append((_("Official"), self.official.name))
        if self.procedure_field is not None:
            rows.append((_("Procedure field"), self.procedure_field))
        if self.channel is not None:
            rows.append((_("Channel"), str(CHANNEL_LABELS[self.channel])))
        if self.respondent_type is not None:
            rows.append((_("Respondents"), str(RESPONDENT_TYPE_LABELS[self.respondent_type])))
        if self.version is not None:
            rows.append((_("Questionnaire version"), str(self.version.version_number)))
        rows.append(
            (
                _("Responses flagged for review"),
                _("Included") if self.include_flagged else _("Left out"),
            )
        )
        return rows


@dataclass(frozen=True)
class CriterionRow:
    """One criterion (SIPAS) or one Circular 01/2018 index (one-stop rating)."""

    key: str
    group: str
    text: str
    #: Percent for a criterion, points for an index; None when hidden (too few answers).
    value: float | None
    low: float | None
    high: float | None
    #: Answers (criterion) or dossiers (index); None when hidden.
    n: int | None
    is_points: bool
    #: Why the figures are withheld; None when shown.
    hidden: Hidden | None


@dataclass(frozen=True)
class FactorRow:
    """One SIPAS factor: its index, interval, overall question and Cronbach's alpha."""

    key: Hashable
    title: str
    #: Percent; None when hidden (it would give a hidden criterion away).
    index: float | None
    index_hidden: Hidden | None
    #: The bootstrap interval (percent); None when it could not be computed or is hidden.
    low: float | None
    high: float | None
    #: The factor's overall question, satisfied share (0-1); None when hidden or absent.
    overall: float | None
    overall_hidden: Hidden | None
    #: None when it could not be computed or is hidden (``alpha_hidden``).
    alpha: CronbachAlphaResult | None
    #: Set when fewer respondents than the minimum group size answered every criterion:
    #: their number is a small group, and a coefficient on so few says nothing.
    alpha_hidden: Hidden | None


@dataclass(frozen=True)
class OfficialScores:
    """One official's Circular 01/2018 scores in one quarter (or the whole period)."""

    official_id: int
    period: Period
    #: Dossiers the points are taken over (imported ones, and ratings not linked to one of
    #: them); None when hidden by small-group suppression.
    dossiers: int | None
    scores: OneStopScores | None
    is_suppressed: bool
    #: Fewer dossiers scored than the ranking's minimum: no points, no class.
    has_too_few_dossiers: bool
    #: Dossiers with points on every officer index, and those at the definition's mark or
    #: above (``officer_classification``); None when the definition classes no official.
    marks: tuple[int, int] | None = None
    #: Why ``marks`` are withheld: with the official's hidden figures, or, over the whole
    #: period, because a hidden quarter would be the whole minus the others.
    marks_hidden: Hidden | None = None


@dataclass(frozen=True)
class Comment:
    submitted_day: date
    agency_name: str
    text: str


@dataclass(frozen=True)
class Report:
    request: ReportRequest
    report_filter: ReportFilter
    definition: QuestionnaireDefinition
    overview: SatisfactionOverview
    min_group_size: int
    min_ratings_for_ranking: int
    agency_names: dict[int, str]
    official_names: dict[int, str]
    #: The agency of each official, by name (the officials' table names it beside them).
    official_agencies: dict[int, str]
    factors: tuple[FactorRow, ...]
    criteria: tuple[CriterionRow, ...]
    #: Columns of the officials' table: each quarter of the period, then the whole period.
    score_periods: tuple[Period, ...]
    official_scores: dict[int, dict[Period, OfficialScores]]
    #: None when the reader may not see response-level data.
    comments: tuple[Comment, ...] | None
    #: Ratings against the dossiers returned; None without dossiers in the scope.
    coverage: Coverage | None
    #: The headline rate weighted to the dossiers returned, for the scope and for each agency
    #: and official; None without dossiers or headline.
    weighting: WeightedUnits | None
    #: The feedback cases opened in the period and scope, and how they were handled; None
    #: when none was opened.
    responsiveness: CaseResponsiveness | None
    #: Figures withheld by :func:`survey.results.disclosure.report_disclosure` (its keys).
    hidden_figures: frozenset[Key]
    generated_dt: datetime
    #: Read on a replica: every response stored before this (UTC) is in the numbers
    #: (:func:`survey.results.fold.counts_as_of`); None on the main database.
    data_as_of: datetime | None
    #: The platform's local day the report was built for (its organisation chart by default).
    today: date
    language: str

    @property
    def weighted(self) -> WeightedSatisfaction | None:
        """The whole scope's weighted rate (None without one)."""
        return None if self.weighting is None else self.weighting.scope

    @property
    def filters(self) -> list[tuple[str, str]]:
        """What the report covers, for the pages and every file; how fresh its data is when
        read on a replica."""
        description = self.request.description(
            self.definition.title(self.language), self.language, self.today
        )
        if self.data_as_of is not None:
            description.append((_("Data as of"), as_of_moment(self.data_as_of)))
        return description

    @cached_property
    def tables(self) -> ReportTables:
        """Every table of the report, built once: the pages and the files render these."""
        return report_tables(self)

    @property
    def onestop_total_hidden(self) -> Hidden | None:
        """Why the Circular 01/2018 total (and its band) is withheld, if it is."""
        return Hidden.DERIVED if ONESTOP_TOTAL in self.hidden_figures else None

    def classification_label(self, scores) -> str:
        """The Circular 01/2018 band of an agency's ``scores`` in the report's language (the
        bands are for agencies: an official is never classed with them)."""
        onestop = self.definition.scoring.onestop
        assert onestop is not None, "only a one-stop report has scores to classify"
        label = next(
            label
            for _minimum, key, label in onestop.classification
            if key == scores.classification_key
        )
        return self.definition.text(label, self.language)

    def onestop_total_words(self, scores) -> str:
        """The agency total out of the maximum its indices with data allow, e.g.
        "6,0 / 8 (4 of 9 indices)": never out of 18 when indices have no data."""
        maximum = scores.attainable_maximum
        return _(
            "%(total)s / %(maximum)s (%(n)s of %(count)s indices)",
            total=format_number(scores.agency_total, 1),
            maximum=format_number(maximum, 0 if float(maximum).is_integer() else 1),
            n=format_number(len(scores.indices)),
            count=format_number(scores.index_count),
        )

    def onestop_classification_words(self, scores) -> str:
        """The Circular's band, given only when every index has data (the bands are set
        for the full maximum); otherwise the sentence that it cannot be given yet."""
        if scores.is_complete:
            return self.classification_label(scores)
        return _(
            "Not yet enough indices to classify: the Circular's bands need all %(count)s "
            "indices, %(n)s have data",
            count=format_number(scores.index_count),
            n=format_number(len(scores.indices)),
        )

    def onestop_missing_words(self, scores) -> str:
        """Each index without data and why: who supplies it and from which dossier columns;
        indices missing for the same reason are named together."""
        onestop = self.definition.scoring.onestop
        assert onestop is not None, "only a one-stop report has indices"
        groups: dict[str, list[str]] = {}
        for number in scores.missing_indices:
            index = onestop.index(number)
            if index.dossier_fields:
                reason = _(
                    "no rating answered it and no dossier returned in the selection has the "
                    "dossier columns %(fields)s",
                    fields=", ".join(index.dossier_fields),
                )
            elif index.source == "questionnaire":
                reason = _("no rating in the selection answered it")
            elif index.dossier_field_needed:
                reason = _(
                    "no column of the dossier import supplies it yet: it needs %(field)s",
                    field=self.definition.text(index.dossier_field_needed, self.language),
                )
            else:
                reason = _(
                    "the one-stop case system supplies it; this questionnaire version names "
                    "no dossier column for it"
                )
            title = self.definition.text(index.title, self.language)
            groups.setdefault(reason, []).append(f"{number} ({title})")
        return "; ".join(
            _("index %(indices)s: %(reason)s", indices=", ".join(indices), reason=reason)
            for reason, indices in groups.items()
        )

    def agency_name(self, agency_id) -> str:
        return self.agency_names.get(agency_id, str(agency_id))

    def official_name(self, official_id) -> str:
        return self.official_names.get(official_id, str(official_id))

    def official_agency(self, official_id) -> str:
        return self.official_agencies.get(official_id, "")


def build_report(
    session: Session,
    request: ReportRequest,
    visible: set[int] | None,
    today: date,
    *,
    with_comments: bool,
    matrix_limit: int | None = None,
) -> Report:
    """The report of ``request`` within the agencies ``visible`` to the reader (None: all)."""
    min_group_size, min_ratings = report_settings()
    language = current_language()
    definition = latest_definition(
        session, request.questionnaire_key, request.version.id if request.version else None
    )
    report_filter = request.report_filter(session, visible, today)
    options = {} if matrix_limit is None else {"matrix_limit": matrix_limit}
    overview = satisfaction_overview(
        session,
        report_filter,
        definition,
        min_group_size=min_group_size,
        min_ratings_for_ranking=min_ratings,
        trend_by=request.trend_by,
        **options,
    )
    agency_names = dict(_names(session, Agency, [u.key for u in overview.agencies]))
    decided = _decided_units(session, overview, min_group_size)
    score_periods: tuple[Period, ...] = ()
    official_scores: dict[int, dict[Period, OfficialScores]] = {}
    if definition.scoring.onestop is not None:
        score_periods = _score_periods(report_filter.period)
        official_scores = _official_scores(
            session,
            overview.report_filter,
            definition,
            score_periods,
            (min_group_size, min_ratings),
            _hidden_official_pairs(decided, overview),
        )
    official_ids = {unit.key for unit in overview.officials} | set(official_scores)
    official_names = dict(_names(session, Official, official_ids))
    official_agencies = _official_agencies(session, official_ids, language)
    comments = None
    if with_comments:
        comments = _comments(session, overview.report_filter, definition, language)
    hidden_figures = report_disclosure(
        overview.sipas,
        overview.onestop,
        _max_points(definition),
        min_group_size,
        hidden_across_reports(session, overview.report_filter, definition, min_group_size),
    )
    return Report(
        request=request,
        report_filter=overview.report_filter,
        definition=definition,
        overview=overview,
        min_group_size=min_group_size,
        min_ratings_for_ranking=min_ratings,
        agency_names=agency_names,
        official_names=official_names,
        official_agencies=official_agencies,
        factors=_factors(overview, definition, language, hidden_figures, min_group_size),
        criteria=_criteria(overview, definition, language, hidden_figures),
        score_periods=score_periods,
        official_scores=official_scores,
        comments=comments,
        coverage=dossier_coverage(session, overview.report_filter, min_group_size, decided),
        weighting=_weighting(session, overview, definition, min_group_size),
        responsiveness=_responsiveness(session, overview.report_filter, today),
        hidden_figures=hidden_figures,
        generated_dt=utcnow(),
        data_as_of=counts_as_of(session),
        today=today,
        language=language,
    )


def _responsiveness(session, report_filter: ReportFilter, today: date) -> CaseResponsiveness | None:
    """The feedback cases opened in the report's period and scope, and how they were handled."""
    return case_responsiveness(
        session,
        today,
        report_filter.period.utc_bounds(),
        report_filter.agency_ids,
        report_filter.service_point_id,
        report_filter.official_id,
    )


def _weighting(session, overview, definition, min_group_size) -> WeightedUnits | None:
    """The headline rate weighted to the dossiers returned, for the scope, each agency and
    each official (None when the headline is hidden or absent, or without dossiers)."""
    if overview.headline is None or overview.is_suppressed:
        return None
    item_key = overview.headline_item_key
    satisfied = scoring_for_analysis(definition)["satisfied_values"][item_key]
    return weighted_satisfactions(
        session, overview.report_filter, item_key, satisfied, min_group_size
    )


def _names(session, model, ids) -> list[tuple[int, str]]:
    ids = sorted(set(ids))
    if not ids:
        return []
    language = current_language()
    if model is Agency:
        return [
            (agency.id, agency.localized_name(language))
            for agency in session.scalars(select(Agency).where(Agency.id.in_(ids)))
        ]
    return list(session.execute(select(model.id, model.name).where(model.id.in_(ids))))


def _max_points(definition) -> float:
    """The most points a one-stop index can score (0 without one-stop scoring)."""
    if definition.scoring.onestop is None:
        return 0.0
    rules = OneStopScoringDefinition(**scoring_for_analysis(definition)["onestop"])
    return float(max(rules.point_values))


def _official_agencies(session, ids, language) -> dict[int, str]:
    """The name of each official's agency, in ``language``."""
    if not ids:
        return {}
    rows = session.execute(
        select(Official.id, Agency)
        .join(Agency, Official.agency_id == Agency.id)
        .where(Official.id.in_(sorted(ids)))
    )
    return {official_id: agency.localized_name(language) for official_id, agency in rows}


def _factors(
    overview, definition, language, hidden_figures, min_group_size
) -> tuple[FactorRow, ...]:
    """Each SIPAS factor; its overall question and its alpha hidden below the minimum
    group size, its index when that would give a hidden criterion away."""

    if overview.sipas is None:
        return ()
    titles = {f.key: definition.text(f.title, language) for f in definition.scoring.factors}
    interval = overview.sipas_interval
    rows = []
    for factor in overview.sipas.factors:
        index_hidden = Hidden.DERIVED if factor_key(factor.factor) in hidden_figures else None
        ci = interval.factor_cis.get(factor.factor) if interval and not index_hidden else None
        overall = factor.overall_question
        reason = Hidden.SMALL_GROUP if overall_key(factor.factor) in hidden_figures else None
        alpha = overview.factor_alphas.get(factor.factor)
        few = alpha is not None and alpha.n_respondents < min_group_size
        rows.append(
            FactorRow(
                key=factor.factor,
                title=titles[factor.factor],
                index=None if index_hidden else factor.index,
                index_hidden=index_hidden,
                low=ci.low if ci else None,
                high=ci.high if ci else None,
                overall=overall.rate if overall is not None and reason is None else None,
                overall_hidden=reason,
                alpha=None if few else alpha,
                alpha_hidden=Hidden.SMALL_GROUP if few else None,
            )
        )
    return tuple(rows)


def _criteria(overview, definition, language, hidden_figures) -> tuple[CriterionRow, ...]:
    """Each criterion's rate (or each one-stop index's score), weakest first."""
    rows = []
    if overview.sipas is not None:
        titles = {f.key: definition.text(f.title, language) for f in definition.scoring.factors}
        for factor in overview.sipas.factors:
            for criterion in factor.criteria:
                shown = (
                    criterion.rate is not None
                    and criterion_key(factor.factor, criterion.criterion) not in hidden_figures
                )
                rows.append(
                    CriterionRow(
                        key=str(criterion.criterion),
                        group=titles[factor.factor],
                        text=definition.text(definition.item(criterion.criterion).text, language),
                        value=criterion.rate if shown else None,
                        low=criterion.ci.low if shown else None,
                        high=criterion.ci.high if shown else None,
                        n=criterion.n if shown else None,
                        is_points=False,
                        hidden=None if shown else Hidden.SMALL_GROUP,
                    )
                )
    if overview.onestop is not None:
        onestop = definition.scoring.onestop
        for index in overview.onestop.indices:
            shown = index_key(index.number) not in hidden_figures
            rows.append(
                CriterionRow(
                    key=str(index.number),
                    group=_("Circular 01/2018"),
                    text=definition.text(onestop.index(index.number).title, language),
                    value=index.score if shown else None,
                    low=None,
                    high=None,
                    n=index.dossiers if shown else None,
                    is_points=True,
                    hidden=None if shown else Hidden.SMALL_GROUP,
                )
            )
    # Weakest first; a hidden criterion has no rate to order by and goes last.
    return tuple(sorted(rows, key=lambda row: (row.value is None, row.value or 0)))


def _score_periods(period: Period) -> tuple[Period, ...]:
    """The quarters of ``period`` when it is made of whole quarters, then ``period`` itself."""
    months = period.months
    if not months or months % 3 or period.start.month % 3 != 1 or months == 3:
        return (period,)
    quarters = []
    start = period.start
    while start < period.end:
        quarter = Period.quarter(start.year, (start.month + 2) // 3)
        quarters.append(quarter)
        start = quarter.end
    return (*quarters, period)


def _decided_units(session, overview, min_group_size) -> PeriodUnits:
    """The period's decision on every unit's responses
    (:func:`survey.results.overview.decided_in_year`), computed once per report: the
    overview's when it has one (a report suppressed whole still lists its officials'
    scores and the share of dossiers rated)."""
    if overview.decision is not None:
        return overview.decision.period
    return decided_in_year(session, overview.report_filter, min_group_size).units


def _hidden_official_pairs(decided: PeriodUnits, overview) -> set[Pair]:
    """The officials' parts in each agency hidden in the officials' table for the period,
    whichever report shows them."""
    units = decided.units(overview.questionnaire_key)
    return set() if overview.headline_item_key is None or units is None else units.hidden_pairs()


def _official_scores(session, report_filter, definition, periods, settings, hidden_pairs):
    """Each official with ratings or dossiers, per period; ``hidden_pairs`` (officials'
    parts in an agency) are hidden in the officials' table over the whole period, and so
    are hidden here too when ratings count among their dossiers
    (:func:`survey.results.official_periods.hidden_dossiers`).
    The points are withheld when they rest on fewer dossiers than the ranking's minimum."""
    min_group_size, min_dossiers = settings
    rules = OneStopScoringDefinition(**scoring_for_analysis(definition)["onestop"])
    counted = _official_counts(session, report_filter, definition, periods)
    keys = sorted(
        {key for ratings, dossiers, *_rest in counted for key in ratings.keys() | dossiers} - {None}
    )
    hidden = hidden_dossiers(session, report_filter, periods, min_group_size, hidden_pairs, counted)
    result: dict[int, dict[Period, OfficialScores]] = {}
    for key in keys:
        for column, (period, (ratings, dossiers, points, marks)) in enumerate(
            zip(periods, counted, strict=True)
        ):
            if key not in ratings and key not in dossiers:
                continue
            is_hidden = bool(hidden[column][key])
            marks_hidden = Hidden.FEW_DOSSIERS if is_hidden else None
            if (
                column == len(periods) - 1 > 0
                and not is_hidden
                and any(hidden[quarter].get(key, False) for quarter in range(column))
            ):
                marks_hidden = Hidden.DERIVED
            scored = dossiers.get(key, (0, 0))[0]
            too_few = scored < min_dossiers
            has_points = any(sum(by_points.values()) for by_points in points.get(key, {}).values())
            scores = None
            if not is_hidden and not too_few and has_points:
                scores = onestop_scores(points[key], rules)
            result.setdefault(key, {})[period] = OfficialScores(
                official_id=key,
                period=period,
                dossiers=None if is_hidden else scored,
                scores=scores,
                is_suppressed=is_hidden,
                has_too_few_dossiers=too_few,
                marks=None if marks is None else marks.get(key, (0, 0)),
                marks_hidden=marks_hidden,
            )
    return result


def _official_counts(session, report_filter, definition, periods) -> list[tuple]:
    """Per period: ``(ratings, dossiers, points, marks)`` per official; ``dossiers`` as
    :func:`scored_dossier_counts` gives them; ``marks`` (dossiers scored on every officer
    index, those at the mark) is None when the definition classes nobody."""
    onestop = definition.scoring.onestop
    classes = onestop.officer_classification
    counted: list[tuple] = []
    for period in periods:
        if counted and period == periods[-1]:
            # The whole period is exactly its quarters (see _score_periods): add theirs up
            # rather than count the same rows again.
            counted.append(_added_up(counted))
            continue
        period_filter = report_filter.with_period(period)
        ratings = response_counts_by(session, period_filter, Dimension.OFFICIAL)
        dossiers = scored_dossier_counts(session, period_filter)
        points = combined_points_counts_by(session, period_filter, Dimension.OFFICIAL)
        marks = None
        if classes is not None:
            marks = officer_mark_counts(
                session, period_filter, onestop.officer_indices, classes.minimum_points
            )
        counted.append((ratings, dossiers, points, marks))
    return counted


def _added_up(counted):
    """Ratings, dossiers, points and marks per official over several periods' counts."""
    ratings: dict = defaultdict(int)
    points: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for period_ratings, _dossiers, period_points, _marks in counted:
        for official, count in period_ratings.items():
            ratings[official] += count
        for official, by_index in period_points.items():
            for index, by_points in by_index.items():
                for value, count in by_points.items():
                    points[official][index][value] += count
    return (
        dict(ratings),
        summed([dossiers for _ratings, dossiers, *_rest in counted]),
        {
            official: {index: dict(by_points) for index, by_points in by_index.items()}
            for official, by_index in points.items()
        },
        None if counted[0][3] is None else summed([marks for *_rest, marks in counted]),
    )


def _comments(session, report_filter, definition, language) -> tuple[Comment, ...]:
    """The newest open comments (response-level data: only for entitled readers)."""
    text_items = [item.key for item in definition.items if item.type == "text"]
    if not text_items:
        return ()
    statement = (
        select(Response.submitted_dt, Response.agency_id, Answer.text)
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.id.in_(selected_response_ids(report_filter)),
            Answer.item_key.in_(text_items),
            Answer.text.isnot(None),
        )
        .order_by(Response.submitted_dt.desc(), Response.id.desc())
        .limit(COMMENTS_SHOWN)
    )
    rows = session.execute(statement).all()
    names = dict(_names(session, Agency, [row.agency_id for row in rows]))
    return tuple(
        Comment(vietnam_local_date(row.submitted_dt), names.get(row.agency_id, ""), row.text)
        for row in rows
    )
