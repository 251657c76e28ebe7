"""The overview's numbers are analysis applied to independently counted raw answers."""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import numpy as np
import pytest
from scipy import stats

from analysis import (
    OneStopScoringDefinition,
    funnel_limits,
    hidden_cell_intervals,
    onestop_scores,
    rank_ranges,
    satisfaction_rate,
    sipas_index,
)
from survey.db import db
from survey.questionnaires.definition import scoring_for_analysis
from survey.results import overview as overview_module
from survey.results import report as report_module
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.overview import Tier, satisfaction_overview
from survey.results.tables import Hidden
from tests.results.dataset import (
    build_organisation,
    raw_responses,
    reference_level_counts,
    reference_points,
    reference_response_counts,
    submit,
)

PERIOD = Period.parse("2026-Q1")
HALF_YEAR = Period.custom(date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture
def dataset(app_context):
    organisation = build_organisation()
    submit(organisation, responses=400, seed=9)
    return organisation, raw_responses()


@dataclass(frozen=True)
class OfficialsTable:
    """The officials' scores table of the quick rating over the first half of 2026."""

    definition: dict
    report_filter: ReportFilter
    #: Its columns: the quarters, then the half year.
    periods: tuple[Period, ...]

    def scores(self, minimum: int) -> dict:
        """The table with at least ``minimum`` dossiers in a shown cell."""
        return report_module._official_scores(
            db.session, self.report_filter, self.definition, self.periods, (minimum, 1), set()
        )


@pytest.fixture
def officials_table(dataset) -> OfficialsTable:
    organisation, _ = dataset
    versions = {organisation.version_ids["onestop-quick"]}
    return OfficialsTable(
        organisation.definitions["onestop-quick"],
        ReportFilter(HALF_YEAR, questionnaire_version_ids=versions),
        report_module._score_periods(HALF_YEAR),
    )


def overview(organisation, key, **settings):
    settings = {"min_group_size": 5, "min_ratings_for_ranking": 30, **settings}
    return satisfaction_overview(
        db.session, ReportFilter(PERIOD), organisation.definitions[key], **settings
    )


def test_the_quick_rating_overview_matches_the_raw_answers(dataset):
    organisation, responses = dataset
    result = overview(organisation, "onestop-quick")
    versions = {organisation.version_ids["onestop-quick"]}
    only_quick = ReportFilter(PERIOD, questionnaire_version_ids=versions)
    assert result.responses == sum(reference_response_counts(responses, only_quick).values())
    levels, _, _ = reference_level_counts(responses, only_quick, ["overall_satisfaction"])[None][
        "overall_satisfaction"
    ]
    assert result.headline == satisfaction_rate(
        [levels[1], levels[2], levels[3]], (1, 2, 3), (2, 3)
    )
    scoring = scoring_for_analysis(organisation.definitions["onestop-quick"])
    points = reference_points(responses, only_quick, organisation)[None]
    expected = onestop_scores(
        {index: dict(counts) for index, counts in points.items()},
        OneStopScoringDefinition(**scoring["onestop"]),
    )
    assert result.onestop == expected
    assert [point.period.label for point in result.trend.points] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert result.change is not None and result.change.previous_period == Period.parse("2025-Q4")
    assert result.sipas is None


def test_the_sipas_overview_computes_the_index_with_an_interval(dataset):
    organisation, responses = dataset
    result = overview(organisation, "sipas")
    scoring = scoring_for_analysis(organisation.definitions["sipas"])
    only_sipas = ReportFilter(PERIOD, questionnaire_version_ids={organisation.version_ids["sipas"]})
    keys = [k for f in scoring["factors"] for k in (*f["criterion_items"], f["overall_item"])]
    counts = reference_level_counts(responses, only_sipas, keys)[None]
    expected = sipas_index(
        {
            f["key"]: {k: dict(counts[k][0]) for k in f["criterion_items"]}
            for f in scoring["factors"]
        },
        (4, 5),
        {f["key"]: dict(counts[f["overall_item"]][0]) for f in scoring["factors"]},
    )
    assert result.sipas == expected
    assert (
        result.sipas_interval.ci.low <= result.sipas_interval.index <= result.sipas_interval.ci.high
    )
    assert set(result.factor_alphas) == {f["key"] for f in scoring["factors"]}


@pytest.mark.parametrize("kind", ["agencies", "officials"])
def test_one_minimum_for_agencies_and_officials_below_it_never_ranked_nor_flagged(dataset, kind):
    organisation, _ = dataset
    result = overview(organisation, "onestop-quick", min_ratings_for_ranking=25)
    units = getattr(result, kind)
    assert units
    flags = ("is_below_95", "is_above_95", "is_below_998", "is_above_998")
    for unit in units:
        if unit.has_too_few_ratings or unit.is_suppressed:
            assert unit.rank is None and unit.rank_range is None and unit.tier is None
            assert unit.shrunk_rate is None and unit.funnel_95 is None
            assert all(getattr(unit, flag) is None for flag in flags)
        else:
            assert unit.ratings >= 25 and unit.rank is not None
            best, worst = unit.rank_range
            assert best <= unit.rank <= worst
            expected = (
                Tier.BELOW if unit.is_below_95 else Tier.ABOVE if unit.is_above_95 else Tier.LEVEL
            )
            assert unit.tier is expected
    ranked = [unit for unit in units if unit.rank is not None]
    assert [unit.rank for unit in ranked] == list(range(1, len(ranked) + 1))
    assert units[: len(ranked)] == tuple(ranked)  # the ranked first, then those apart
    shrunk = [unit.shrunk_rate for unit in ranked]
    assert shrunk == sorted(shrunk, reverse=True)


def test_agencies_below_the_minimum_are_listed_apart(dataset):
    organisation, _ = dataset
    everyone = overview(organisation, "onestop-quick", min_ratings_for_ranking=1)
    sizes = sorted(unit.ratings for unit in everyone.agencies if unit.ratings)
    minimum = sizes[len(sizes) // 2]  # half the agencies fall below it
    result = overview(organisation, "onestop-quick", min_ratings_for_ranking=minimum)
    apart = [unit for unit in result.agencies if unit.rank is None]
    assert apart and all(unit.ratings < minimum for unit in apart if unit.ratings is not None)
    assert {unit.key for unit in result.agencies if unit.rank} == {
        unit.key for unit in everyone.agencies if unit.ratings and unit.ratings >= minimum
    }


def test_rank_ranges_come_from_the_adjusted_intervals(dataset):
    organisation, _ = dataset
    result = overview(organisation, "onestop-quick", min_group_size=1, min_ratings_for_ranking=1)
    ranked = [unit for unit in result.officials if unit.rank is not None]
    best, worst = rank_ranges(
        [unit.shrunk_low for unit in ranked], [unit.shrunk_high for unit in ranked]
    )
    assert [unit.rank_range for unit in ranked] == list(
        zip(best.tolist(), worst.tolist(), strict=True)
    )
    # Intervals overlap in this data: not every official has a place of its own.
    assert any(low != high for low, high in (unit.rank_range for unit in ranked))


def test_a_small_month_of_the_trend_is_hidden_with_a_complement(dataset):
    organisation, _ = dataset
    sizes = [point.responses for point in overview(organisation, "onestop-quick").trend.points]
    threshold = min(sizes) + 1
    assert sum(size < threshold for size in sizes) == 1  # one month below the minimum
    result = overview(organisation, "onestop-quick", min_group_size=threshold)
    hidden = [point for point in result.trend.points if point.responses is None]
    # Alone, it would be the published total minus the other months.
    assert len(hidden) >= 2
    assert all(point.rate is None for point in hidden)
    shown = [point.responses for point in result.trend.points if point.responses is not None]
    assert result.responses - sum(shown) == sum(sizes) - sum(shown)


def test_a_month_without_responses_is_shown_empty_not_hidden(dataset):
    organisation, _ = dataset
    # April to June 2026: the data set's responses end in May.
    result = satisfaction_overview(
        db.session,
        ReportFilter(Period.custom(date(2026, 4, 1), date(2026, 6, 30))),
        organisation.definitions["onestop-quick"],
        min_group_size=5,
        min_ratings_for_ranking=30,
    )
    june = result.trend.points[-1]
    assert june.period == Period.parse("2026-06")
    assert (june.responses, june.rate) == (0, None)
    assert all(point.responses for point in result.trend.points[:-1])


def test_a_small_official_with_every_rating_satisfied_is_not_called_above(dataset):
    # On the arcsine scale alone 11 of 11 is "above the province"; an official that good
    # by chance is common (0.835¹¹ = 0.14), so the exact test keeps it inside.
    organisation, _ = dataset
    result = overview(organisation, "onestop-quick", min_group_size=1, min_ratings_for_ranking=1)
    rated = [unit for unit in result.officials if unit.ratings]
    x = np.array([unit.satisfied for unit in rated])
    n = np.array([unit.ratings for unit in rated])
    arcsine_only = funnel_limits(x, n)
    perfect = [i for i, unit in enumerate(rated) if unit.satisfied == unit.ratings]
    assert perfect and any(arcsine_only.is_above[0, i] for i in perfect)
    for i in perfect:
        assert stats.binom.sf(x[i] - 1, n[i], arcsine_only.target) > 0.025
        assert rated[i].is_above_95 is False and rated[i].is_above_998 is False
    # A flag the exact test confirms is kept.
    for i, unit in enumerate(rated):
        if unit.is_above_95:
            assert arcsine_only.is_above[0, i]
            assert stats.binom.sf(x[i] - 1, n[i], arcsine_only.target) < 0.025


def test_small_groups_are_suppressed(dataset):
    organisation, _ = dataset
    nothing = overview(organisation, "sipas", min_group_size=10_000)
    assert nothing.is_suppressed and nothing.responses is None
    assert nothing.headline is None and nothing.agencies == () and nothing.trend is None
    some = overview(organisation, "onestop-quick", min_group_size=40)
    hidden = [unit for unit in some.officials if unit.is_suppressed]
    assert hidden and all(unit.rate is None and unit.responses is None for unit in hidden)
    # Never exactly one hidden unit: it would follow from the published total.
    assert len(hidden) != 1


def test_the_sipas_interval_is_kept_while_its_respondents_are_the_same(dataset, monkeypatch):
    """Kept by the content of the respondent matrix: never a number a fresh computation
    would not give."""
    organisation, _ = dataset
    runs = []
    original = overview_module.index_bootstrap_ci

    def counting(*args, **kwargs):
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(overview_module, "index_bootstrap_ci", counting)
    monkeypatch.setattr(overview_module, "_respondent_cache", OrderedDict())

    def respondent_level(result):
        return result.sipas_interval, result.sipas_sample_size, result.factor_alphas

    first = overview(organisation, "sipas")
    assert respondent_level(overview(organisation, "sipas")) == respondent_level(first)
    assert len(runs) == 1 and first.sipas_interval is not None
    sample = overview(organisation, "sipas", matrix_limit=10)  # other respondents
    assert len(runs) == 2 and sample.sipas_sample_size <= 10

    submit(organisation, responses=60, seed=10)
    db.session.rollback()  # end the read transaction: see the new responses
    changed = overview(organisation, "sipas")
    assert len(runs) == 3
    assert changed.sipas_sample_size > first.sipas_sample_size
    monkeypatch.setattr(overview_module, "_respondent_cache", OrderedDict())
    fresh = overview(organisation, "sipas")
    assert len(runs) == 4
    assert respondent_level(changed) == respondent_level(fresh)


def test_officials_scores_by_quarter_and_over_the_half_year_match_the_raw_answers(
    dataset, officials_table
):
    organisation, responses = dataset
    periods = officials_table.periods
    assert periods == (Period.parse("2026-Q1"), Period.parse("2026-Q2"), HALF_YEAR)
    scores = officials_table.scores(1)
    rules = OneStopScoringDefinition(**scoring_for_analysis(officials_table.definition)["onestop"])
    checked = 0
    for period in periods:
        period_filter = officials_table.report_filter.with_period(period)
        dossiers = reference_response_counts(responses, period_filter, Dimension.OFFICIAL)
        points = reference_points(responses, period_filter, organisation, Dimension.OFFICIAL)
        for official, count in dossiers.items():
            if official is None:
                continue
            found = scores[official][period]
            assert found.dossiers == count
            expected = None
            if official in points:
                by_index = {index: dict(counter) for index, counter in points[official].items()}
                expected = onestop_scores(by_index, rules)
            assert found.scores == expected
            checked += 1
    assert checked > 10  # officials with ratings in both quarters and over the half year


def test_no_hidden_quarter_of_an_official_follows_from_the_year_or_the_totals(
    dataset, officials_table
):
    # Issue 21, case 3, over the test data: every published cell of the officials' scores
    # table, recounted from the raw rows; the audit finds each hidden small count still
    # free to take at least two values, given the years and each period's total (the
    # dossiers naming no official count in it, and no report shows them).
    _, responses = dataset
    periods, report_filter = officials_table.periods, officials_table.report_filter
    counts = [
        reference_response_counts(responses, report_filter.with_period(period), Dimension.OFFICIAL)
        for period in periods
    ]
    officials = sorted({key for by_official in counts for key in by_official if key is not None})
    table = np.array([[by_official.get(key, 0) for by_official in counts] for key in officials])
    minimum = int(np.median(table[:, 0])) + 1  # a rule that hides some quarters
    scores = officials_table.scores(minimum)
    published = np.array(
        [[scores[key][period].dossiers for period in periods] for key in officials], dtype=object
    )
    hidden = np.array([[cell is None for cell in row] for row in published])
    assert np.array_equal(np.where(hidden, 0, published).astype(int), np.where(hidden, 0, table))
    small = (table > 0) & (table < minimum)
    assert hidden[small].all() and small[:, :-1].any()
    nobody = np.array([[by_official.get(None, 0) for by_official in counts]])
    table, small = np.vstack([table, nobody]), np.vstack([small, np.zeros_like(nobody, bool)])
    hidden = np.vstack([hidden, np.ones_like(nobody, bool)])
    index = np.arange(table.size).reshape(table.shape)
    relations = [
        ({int(c): 1 for c in index[:, column]}, int(table[:, column].sum()))
        for column in range(table.shape[1])
    ]
    relations += [({int(row[-1]): 1, **{int(c): -1 for c in row[:-1]}}, 0) for row in index]
    low, high = hidden_cell_intervals(
        table.reshape(-1),
        hidden.reshape(-1),
        relations,
        np.where(small, 1, 0).reshape(-1),
        np.where(small, minimum - 1, np.inf).reshape(-1),
    )
    assert nobody.all() and np.all((high - low)[small.reshape(-1)] >= 1)


@pytest.mark.parametrize("dimension", [Dimension.OFFICIAL, Dimension.AGENCY])
def test_no_hidden_unit_follows_from_the_totals_of_responses_or_answers(dataset, dimension):
    # Issue 21, cases 4 and 5 over the test data: the units' responses and answers as the
    # report publishes them, recounted from the raw rows and audited.
    organisation, responses = dataset
    definition = organisation.definitions["onestop-quick"]
    key = scoring_for_analysis(definition)["headline_item"]
    versions = {organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(PERIOD, questionnaire_version_ids=versions)
    sizes = reference_response_counts(responses, selection, dimension)
    levels = reference_level_counts(responses, selection, [key], dimension)
    units = sorted(unit for unit in sizes if unit is not None)
    table = np.array(
        [[sizes[unit], sum(levels.get(unit, {key: [{}]})[key][0].values())] for unit in units]
    )
    minimum = int(np.median(table[:, 1])) + 1
    result = overview(organisation, "onestop-quick", min_group_size=minimum)
    listed = result.officials if dimension is Dimension.OFFICIAL else result.agencies
    rows = {unit.key: unit for unit in listed}
    hidden = np.array([[rows[unit].is_suppressed] * 2 for unit in units])
    for unit, (n, answers) in zip(units, table, strict=True):
        if not rows[unit].is_suppressed:
            assert (rows[unit].responses, rows[unit].ratings) == (n, answers)
    small = (table > 0) & (table < minimum)
    assert small[:, 1].any() and hidden[small].all()
    relations = [
        ({2 * i + column: 1 for i in range(len(units))}, int(table[:, column].sum()))
        for column in (0, 1)
    ]
    low, high = hidden_cell_intervals(
        table.reshape(-1),
        hidden.reshape(-1),
        relations,
        np.where(small, 1, [1, 0]).reshape(-1),
        np.where(small, minimum - 1, np.inf).reshape(-1),
    )
    assert np.all((high - low)[small.reshape(-1)] >= min(1, minimum - 2))


def test_an_officials_share_at_the_mark_over_the_year_hides_with_any_hidden_quarter(
    dataset, officials_table
):
    # The share of dossiers at 5 points or more (and how many were counted) over the whole
    # year is its quarters added up: shown beside a hidden quarter, it would give it away.
    # (A span of quarters an officer chose is hidden whole beside a hidden quarter.)
    _, responses = dataset
    year = Period.year(2026)
    periods = report_module._score_periods(year)
    officials_table = OfficialsTable(
        officials_table.definition, officials_table.report_filter.with_period(year), periods
    )
    first = reference_response_counts(
        responses, officials_table.report_filter.with_period(periods[0]), Dimension.OFFICIAL
    )
    minimum = int(np.median([n for key, n in first.items() if key is not None])) + 1
    scores = officials_table.scores(minimum)
    derived = 0
    for by_period in scores.values():
        for found in by_period.values():
            assert found.marks is not None  # the built-in definition classes officials
            if found.is_suppressed:
                assert found.marks_hidden is Hidden.FEW_DOSSIERS
        whole = by_period.get(year)
        quarter_hidden = any(by_period[q].is_suppressed for q in periods[:-1] if q in by_period)
        if whole is not None and quarter_hidden and not whole.is_suppressed:
            assert whole.marks_hidden is Hidden.DERIVED
            derived += 1
        elif whole is not None and not whole.is_suppressed:
            assert whole.marks_hidden is None
    assert derived > 0
