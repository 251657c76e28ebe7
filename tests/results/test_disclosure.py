"""The disclosure-control step: the six ways issue 21 recovered a hidden figure, each
audited by linear programming against what the report publishes beside it."""

from types import SimpleNamespace

import numpy as np
import pytest

from analysis import hidden_cell_intervals
from survey.results import disclosure
from survey.results.disclosure import (
    ONESTOP_TOTAL,
    SumFigure,
    criterion_key,
    factor_key,
    hidden_by_period,
    hidden_groups,
    hidden_sums,
    index_key,
    report_disclosure,
)

MIN = 5


def _criterion(key, rate, n):
    return SimpleNamespace(criterion=key, rate=rate, n=n)


def _sipas(factors):
    """A SIPAS result as ``analysis.sipas_index`` returns it: means of means."""
    built = []
    for key, criteria in factors.items():
        rates = [c.rate for c in criteria]
        built.append(
            SimpleNamespace(
                factor=key,
                criteria=criteria,
                index=sum(rates) / len(rates),
                overall_question=None,
            )
        )
    index = sum(f.index for f in built) / len(built)
    return SimpleNamespace(factors=built, index=index, overall_question_index=None)


def _interval(values, hidden, relations, upper):
    low, high = hidden_cell_intervals(
        values, hidden, relations, np.zeros(len(values)), upper, integral=False
    )
    return low, high


def test_case_1_a_hidden_criterion_does_not_follow_from_its_factor():
    # AG-X-NC, 2026-Q3: access_equipment 4 of 4 (100 %) hidden; 66.7 and 83.3 shown.
    sipas = _sipas(
        {
            "access": [
                _criterion("equipment", 100.0, 4),
                _criterion("signs", 66.7, 30),
                _criterion("seats", 83.3, 30),
            ],
            "staff": [_criterion("polite", 90.0, 40), _criterion("helpful", 80.0, 40)],
        }
    )
    hidden = report_disclosure(sipas, None, 0.0, MIN)
    assert criterion_key("access", "equipment") in hidden
    # Everything the report could show: five criteria, two factors; the SIPAS index always.
    keys = [criterion_key("access", c) for c in ("equipment", "signs", "seats")]
    keys += [criterion_key("staff", c) for c in ("polite", "helpful")]
    keys += [factor_key("access"), factor_key("staff")]
    values = [100.0, 66.7, 83.3, 90.0, 80.0, sipas.factors[0].index, sipas.factors[1].index]
    relations = [
        ({5: 3.0, 0: -1.0, 1: -1.0, 2: -1.0}, 0.0),
        ({6: 2.0, 3: -1.0, 4: -1.0}, 0.0),
        ({5: 1.0, 6: 1.0}, 2 * sipas.index),
    ]
    mask = [key in hidden for key in keys]
    low, high = _interval(values, mask, relations, np.full(7, 100.0))
    assert high[0] - low[0] >= 100 / MIN
    # The factor index alone cannot be hidden to protect it (it is twice the SIPAS index
    # minus the other factor): a second criterion of the factor is hidden instead.
    assert criterion_key("access", "signs") in hidden
    # before: the factor shown with only the criterion hidden gave it away exactly
    only = [True] + [False] * 6
    low, high = _interval(values, only, relations, np.full(7, 100.0))
    assert low[0] == pytest.approx(100.0) and high[0] == pytest.approx(100.0)


def test_a_factor_index_is_hidden_when_that_is_enough():
    # With the mean of the factors' overall questions beside two overall questions, one
    # of them on four answers: the mean is derived, and hiding it protects the question.
    sipas = _sipas({"access": [_criterion("signs", 70.0, 30)]})
    sipas.factors[0].overall_question = _criterion("access", 75.0, 4)
    second = SimpleNamespace(
        factor="staff",
        criteria=[_criterion("polite", 90.0, 40)],
        index=90.0,
        overall_question=_criterion("staff", 85.0, 40),
    )
    sipas.factors.append(second)
    sipas.index = 80.0
    sipas.overall_question_index = 80.0
    hidden = report_disclosure(sipas, None, 0.0, MIN)
    assert hidden == {("overall", "access"), ("overall_index",)}


def test_case_2_a_hidden_index_does_not_follow_from_the_total():
    # AG-SNNMT, 2026-12: index 7 hidden (4 dossiers), total 8.0 with three others at 2.0.
    onestop = SimpleNamespace(
        indices=[
            SimpleNamespace(number=number, score=2.0, dossiers=dossiers)
            for number, dossiers in ((1, 30), (3, 30), (4, 30), (7, 4))
        ],
        agency_total=8.0,
    )
    hidden = report_disclosure(None, onestop, 2.0, MIN)
    assert hidden == {index_key(7), ONESTOP_TOTAL}


QUARTERS = np.array([[7, 5, 6, 4, 22], [9, 8, 12, 10, 39], [6, 6, 7, 5, 24], [12, 9, 15, 11, 47]])


def _period_relations(table):
    rows, columns = table.shape
    index = np.arange(table.size).reshape(table.shape)
    relations = [
        ({int(c): 1.0 for c in index[:, column]}, float(table[:, column].sum()))
        for column in range(columns)
    ]
    for row in range(rows):
        relations.append(({int(index[row, -1]): 1.0, **{int(c): -1.0 for c in index[row, :-1]}}, 0))
    return relations


def test_case_3_a_hidden_quarter_is_not_the_year_minus_the_other_quarters():
    # 22 − 7 − 5 − 6 = 4 when each period was suppressed on its own.
    hidden = hidden_by_period(QUARTERS, MIN)
    assert hidden[0, 3]
    small = (QUARTERS > 0) & (QUARTERS < MIN)

    def intervals(suppressed):
        return hidden_cell_intervals(
            QUARTERS.reshape(-1),
            suppressed.reshape(-1),
            _period_relations(QUARTERS),
            np.where(small, 1, 0).reshape(-1),
            np.where(small, MIN - 1, np.inf).reshape(-1),
        )

    low, high = intervals(hidden)
    assert np.all((high - low)[small.reshape(-1)] >= 1)
    # each column on its own, as before: the quarter follows from the year
    low, high = intervals(small)
    assert low[3] == high[3] == 4


def test_case_4_two_hidden_units_beside_their_total_are_not_ones():
    hidden = hidden_groups([1, 1, 10], [1, 1, 10], MIN, lower_bound=1)
    assert hidden.tolist() == [True, True, True]


def test_case_5_a_rate_on_fewer_than_five_answers_is_hidden():
    # 6 responses, but 4 answers to the rated question: 1/4 or 4/4 would be shown.
    hidden = hidden_groups([6, 9, 12, 30], [4, 9, 12, 30], MIN, lower_bound=1)
    assert hidden[0]
    assert hidden.sum() >= 2  # and one more, or the totals give its answers away
    assert not hidden_groups([6, 9, 12, 30], [6, 9, 12, 30], MIN, lower_bound=1).any()


def test_the_same_counts_get_the_same_decision():
    first = hidden_by_period(QUARTERS, MIN)
    assert np.array_equal(first, hidden_by_period(QUARTERS.copy(), MIN))


def test_a_decision_on_the_same_counts_is_kept(monkeypatch):
    """The reports of one period decide once in a process: the same counts and figures
    give the kept decision without a new audit, and a caller changing its copy changes
    nothing kept."""
    counts = np.array([[2, 2], [6, 6], [20, 20]])
    figures = [SumFigure(parts, answers=True, listed=True) for parts in ((0,), (1,), (0, 1, 2))]
    first = hidden_sums(counts, figures, MIN)
    assert first.tolist() == [True, False, False]  # the third cell, in no figure, covers
    audits = []
    original = disclosure._hidden_sums
    monkeypatch.setattr(disclosure, "_hidden_sums", lambda *a: audits.append(a) or original(*a))
    again = hidden_sums(counts.copy(), figures, MIN)
    assert audits == [] and again.tolist() == first.tolist()
    again[:] = False
    assert hidden_sums(counts, figures, MIN).tolist() == first.tolist() and audits == []
    assert hidden_sums(counts, figures, 7).tolist() == [True, True, False]
    assert len(audits) == 1
