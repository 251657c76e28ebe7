"""Issue 21 over the test data: every report of a period (the province's and each ward's)
recounted from the raw rows, and everything they publish together audited.

The agencies' and officials' tables of all the reports are played against each other as a
reader holding every report would: each unit's figure in each report is the sum of its
responses (or answers) at the report's agencies, a shown figure is known, each report's
totals are known, a listed unit has at least one response and a unit hidden as too small
has fewer than the minimum. Linear programming then finds no small figure pinned down,
and a unit counted alike in two reports (an agency, an official's part) is hidden in
both or in neither (case 6). The months, the officials' quarters, the criteria and
indices and the files' text across reports: test_disclosure_trend, _officials, _reports.
"""

from collections import Counter

import numpy as np
import pytest

from analysis import hidden_cell_intervals
from survey.db import db
from survey.questionnaires.definition import scoring_for_analysis
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.overview import satisfaction_overview
from tests.results.dataset import build_organisation, raw_responses, selected, submit

PERIOD = Period.parse("2026-Q1")


@pytest.fixture
def dataset(app_context):
    organisation = build_organisation()
    submit(organisation, responses=400, seed=9)
    return organisation, raw_responses()


def _pairs(responses, selection, headline, dimension):
    """Responses and answers per (agency, unit) from the raw rows (unit None: no official)."""
    sizes, answers = Counter(), Counter()
    for response in responses:
        if not selected(response, selection):
            continue
        # responses without an official are in the report's totals, not in its table
        unit = response["agency"] if dimension is Dimension.AGENCY else response["official"]
        sizes[response["agency"], unit] += 1
        answer = response["answers"].get(headline)
        if answer is not None and answer.value is not None:
            answers[response["agency"], unit] += 1
    return sizes, answers


def _audit(pairs, figures, scopes, totals, minimum):
    """The smallest width a hidden small figure keeps, for one count (responses or answers).

    ``figures``: (scope index, unit, value, hidden); ``totals``: each scope's total as
    its report shows it (None: not shown); variables: the pair cells (hidden, at least
    0), then one per figure (its value if shown)."""
    cells = list(pairs)
    position = {pair: i for i, pair in enumerate(cells)}
    values = [pairs[pair] for pair in cells] + [value for _s, _u, value, _h in figures]
    hidden = [True] * len(cells) + [is_hidden for *_rest, is_hidden in figures]
    small = [False] * len(cells) + [h and 0 < v < minimum for _s, _u, v, h in figures]
    lower = [0] * len(cells) + [1 if v > 0 else 0 for _s, _u, v, _h in figures]
    upper = [np.inf] * len(cells) + [minimum - 1 if s else np.inf for s in small[len(cells) :]]
    relations = []
    for k, (scope, unit, _value, _hidden) in enumerate(figures):
        members = {position[p]: -1.0 for p in cells if p[1] == unit and p[0] in scopes[scope]}
        relations.append(({len(cells) + k: 1.0, **members}, 0.0))
    for agencies, total in zip(scopes, totals, strict=True):
        inside = [position[p] for p in cells if p[0] in agencies]
        if total is not None:  # the report's own total, if it shows it
            assert total == sum(values[i] for i in inside)
            relations.append(({i: 1.0 for i in inside}, float(total)))
    low, high = hidden_cell_intervals(values, hidden, relations, lower, upper)
    widths = (high - low)[np.array(small)]
    return widths.min() if widths.size else None


@pytest.mark.parametrize("dimension", [Dimension.OFFICIAL, Dimension.AGENCY])
def test_no_small_unit_follows_from_all_the_reports_of_a_period_together(dataset, dimension):
    organisation, responses = dataset
    definition = organisation.definitions["onestop-quick"]
    headline = scoring_for_analysis(definition)["headline_item"]
    versions = frozenset({organisation.version_ids["onestop-quick"]})
    everything = frozenset(organisation.agency_ids)
    scopes = [everything, *(frozenset({ward}) for ward in organisation.agency_ids[1:])]
    selection = ReportFilter(PERIOD, questionnaire_version_ids=versions)
    sizes, answers = _pairs(responses, selection, headline, dimension)
    minimum = int(np.median(list(answers.values()))) + 1  # a rule that hides some units
    response_figures, answer_figures, shown_as = [], [], {}
    response_totals, answer_totals = [], []
    for index, agencies in enumerate(scopes):
        report = satisfaction_overview(
            db.session,
            ReportFilter(
                PERIOD, agency_ids=None if index == 0 else agencies, **_versions(versions)
            ),
            definition,
            min_group_size=minimum,
            min_ratings_for_ranking=1,
        )
        response_totals.append(report.responses)
        answer_totals.append(report.headline.n if report.headline else None)
        listed = report.officials if dimension is Dimension.OFFICIAL else report.agencies
        for unit in listed:
            n = sum(v for (a, u), v in sizes.items() if u == unit.key and a in agencies)
            m = sum(v for (a, u), v in answers.items() if u == unit.key and a in agencies)
            if not unit.is_suppressed:  # the report's figures are the raw rows' counts
                assert (unit.responses, unit.ratings) == (n, m)
            assert unit.is_suppressed or (n >= minimum and m >= minimum)
            response_figures.append((index, unit.key, n, unit.is_suppressed))
            answer_figures.append((index, unit.key, m, unit.is_suppressed))
            shown_as.setdefault((unit.key, n, m), set()).add(unit.is_suppressed)
    # Case 6: the same figure (an agency, an official's part) is hidden in every report
    # or in none.
    assert all(len(decisions) == 1 for decisions in shown_as.values())
    assert any(h for *_rest, h in response_figures)
    for pairs, figures, totals in (
        (sizes, response_figures, response_totals),
        (answers, answer_figures, answer_totals),
    ):
        width = _audit(pairs, figures, scopes, totals, minimum)
        assert width is None or width >= min(1, minimum - 2)


def _versions(versions):
    return {"questionnaire_version_ids": versions}
