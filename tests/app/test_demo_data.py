"""The demo behaves like a real survey: answers from one latent satisfaction per respondent."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from survey.db import db, write_session
from survey.demo import IMPROVING_UNIT, seed_demo
from survey.org.models import Agency
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.overview import Tier, satisfaction_overview
from survey.results.versions import latest_definition

UNTIL = date(2026, 12, 1)
RESPONSES = 5000


@pytest.fixture
def demo(app_context):
    report = seed_demo(write_session, responses=RESPONSES, seed=7, until=UNTIL)
    assert report.responses_created == RESPONSES
    return report


def overview_of(key, period, **filters):
    return satisfaction_overview(
        db.session,
        ReportFilter(period, **filters),
        latest_definition(db.session, key, None),
        min_group_size=5,
        min_ratings_for_ranking=30,
        **({"trend_by": Dimension.QUARTER} if "agency_ids" in filters else {}),
    )


def test_the_demo_looks_like_a_real_survey(demo):
    everything = Period.custom(date(2025, 6, 1), UNTIL)
    sipas = overview_of("sipas", everything)
    alphas = {key: result.alpha for key, result in sipas.factor_alphas.items()}
    assert len(alphas) == 5 and all(0.75 <= alpha <= 0.95 for alpha in alphas.values()), alphas

    quick = overview_of("onestop-quick", everything)
    # Agencies genuinely differ: some are told apart from the province.
    ranked_agencies = [unit for unit in quick.agencies if unit.tier is not None]
    assert {unit.tier for unit in ranked_agencies} != {Tier.LEVEL}
    adjusted = [unit.shrunk_rate for unit in ranked_agencies]
    assert max(adjusted) - min(adjusted) > 0.05
    # A few officials clearly below the province, not most of them.
    below = [unit for unit in quick.officials if unit.tier is Tier.BELOW]
    ranked = [unit for unit in quick.officials if unit.tier is not None]
    assert 2 <= len(below) <= len(ranked) // 4

    # One agency improves over the year, quarter after quarter.
    improving = db.session.scalar(select(Agency.id).where(Agency.code == IMPROVING_UNIT))
    year = overview_of("onestop-quick", Period.year(2026), agency_ids=frozenset({improving}))
    assert year.trend.test.direction == "rising" and year.trend.test.pvalue < 0.01
    rates = [point.rate.rate for point in year.trend.points if point.rate is not None]
    assert rates[-1] - rates[0] > 0.05


def test_the_demo_is_the_same_for_a_seed(demo):
    # Every response is drawn from its own generator of the seed: seeding again finds each
    # one already there (same identifier), and nothing is added.
    again = seed_demo(write_session, responses=RESPONSES, seed=7, until=UNTIL)
    assert again.responses_created == 0 and again.responses_present == RESPONSES
