"""One-stop scores under Circular 01/2018/TT-VPCP, Articles 13 and 15."""

import json
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import CIRCULAR_01_2018, OneStopScoringDefinition, onestop_scores


def test_circular_01_2018_definition_matches_the_text():
    # Circular 01/2018/TT-VPCP Art. 13: nine indices scored 2/1/0 per dossier; Art. 15:
    # officer indices 1-4 and 7 (maximum 10), agency maximum 18, bands 15/12/9/6.
    assert CIRCULAR_01_2018.index_numbers == tuple(range(1, 10))
    assert sorted(CIRCULAR_01_2018.point_values) == [0.0, 1.0, 2.0]
    assert CIRCULAR_01_2018.officer_indices == (1, 2, 3, 4, 7)
    assert CIRCULAR_01_2018.officer_maximum == 10.0
    assert CIRCULAR_01_2018.agency_maximum == 18.0
    assert [(minimum, label) for minimum, _, label in CIRCULAR_01_2018.classification] == [
        (15.0, "Xuất sắc"),
        (12.0, "Tốt"),
        (9.0, "Khá"),
        (6.0, "Trung bình"),
        (0.0, "Yếu"),
    ]


def test_index_score_is_mean_points_per_dossier_rounded_to_one_decimal():
    # Art. 15: score of index i = sum of dossier points / number of dossiers.
    # Index 1: (2·30 + 1·60 + 0·10) / 100 = 1.2; index 3: (2·7 + 1·2) / 9 = 1.777… → 1.8.
    result = onestop_scores({1: {2: 30, 1: 60, 0: 10}, 3: {2: 7, 1: 2}})
    assert result.scores == {1: 1.2, 3: 1.8}
    assert [index.dossiers for index in result.indices] == [100, 9]
    assert result.indices[0].name == CIRCULAR_01_2018.indices[0][1]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({2: 1, 1: 3}, 1.3),  # 5/4 = 1.25: half up gives 1.3 (banker's rounding would give 1.2)
        ({2: 7, 1: 13}, 1.4),  # 27/20 = 1.35: 1.4 (float round(1.35, 1) gives 1.4 only by luck)
        ({2: 1, 1: 19}, 1.1),  # 21/20 = 1.05: 1.1 (float round(1.05, 1) gives 1.0)
        ({2: 3, 0: 17}, 0.3),  # 6/20 = 0.3 exactly
        ({0: 5}, 0.0),
        ({2: 5}, 2.0),
    ],
)
def test_rounding_is_half_up_and_exact(counts, expected):
    assert onestop_scores({5: counts}).scores == {5: expected}


def test_full_marks_everywhere_is_excellent():
    result = onestop_scores({number: {2: 10} for number in range(1, 10)})
    assert result.agency_total == 18.0
    assert result.officer_total == 10.0
    assert (result.classification_key, result.classification_label) == ("excellent", "Xuất sắc")
    assert result.missing_indices == ()
    assert result.is_complete and result.index_count == 9
    assert result.attainable_maximum == 18.0


def test_a_total_on_four_indices_is_out_of_8_and_not_complete():
    # The quick rating's indices 1, 3, 4 and 7; the case system has not supplied 2, 5, 6, 8, 9.
    result = onestop_scores({1: {2: 1, 1: 1}, 3: {1: 4}, 4: {2: 3}, 7: {0: 2, 1: 2}})
    assert result.agency_total == 1.5 + 1.0 + 2.0 + 0.5
    assert result.missing_indices == (2, 5, 6, 8, 9)
    assert (result.index_count, result.attainable_maximum) == (9, 8.0)
    assert not result.is_complete


@pytest.mark.parametrize(
    ("total_in_tenths", "key"),
    [
        (150, "excellent"),
        (149, "good"),
        (120, "good"),
        (119, "fair"),
        (90, "fair"),
        (89, "average"),
        (60, "average"),
        (59, "weak"),
        (0, "weak"),
    ],
)
def test_agency_bands_include_their_lower_bound(total_in_tenths, key):
    # "12 to < 15 tốt" etc.: build a total of exactly total_in_tenths / 10 from nine indices
    # whose scores are multiples of 0.1 (an index with 20 dossiers scores points_sum / 20).
    counts = {}
    remaining = total_in_tenths
    for number in range(1, 10):
        tenths = min(remaining, 20)
        remaining -= tenths
        # tenths/10 = 2·tenths/20: that many dossiers with 2 points, the rest with 0.
        counts[number] = {2: tenths, 0: 20 - tenths}
    assert remaining == 0
    result = onestop_scores(counts)
    assert result.agency_total == pytest.approx(total_in_tenths / 10, abs=1e-12)
    assert result.classification_key == key


def test_indices_without_data_are_left_out_of_the_totals():
    result = onestop_scores({1: {2: 4}, 2: {}, 5: {2: 0, 1: 0, 0: 0}, 8: {1: 2}})
    assert result.scores == {1: 2.0, 8: 1.0}
    assert result.missing_indices == (2, 3, 4, 5, 6, 7, 9)
    assert result.officer_total == 2.0
    assert result.agency_total == 3.0
    # The bands apply to the total as it is, not rescaled to the indices present.
    assert result.classification_key == "weak"


def test_no_officer_index_gives_no_officer_total():
    result = onestop_scores({5: {2: 3}, 6: {1: 3}})
    assert result.officer_total is None
    assert result.agency_total == 3.0


def test_totals_are_sums_of_rounded_scores():
    # Three officer indices each 2/3 = 0.666… → 0.7; the total is 2.1, not round(2.0, 1).
    result = onestop_scores({1: {2: 1, 0: 2}, 2: {2: 1, 0: 2}, 3: {2: 1, 0: 2}})
    assert result.scores == {1: 0.7, 2: 0.7, 3: 0.7}
    assert result.officer_total == 2.1
    assert result.agency_total == 2.1


def test_definition_built_from_json_scoring_data():
    # The app parses a questionnaire's scoring definition from JSON: lists, string keys.
    data = json.loads(
        """{
          "title": "Test rules",
          "indices": [[1, "Đúng hẹn"], [2, "Thái độ"], [3, "Công khai"]],
          "point_values": [0, 0.5, 1],
          "officer_indices": [2],
          "classification": [[2.5, "high", "Cao"], [1.5, "middle", "Trung bình"],
                             [0, "low", "Thấp"]],
          "decimals": 2
        }"""
    )
    definition = OneStopScoringDefinition(**data)
    assert definition.indices == ((1, "Đúng hẹn"), (2, "Thái độ"), (3, "Công khai"))
    assert definition.officer_maximum == 1.0
    assert definition.agency_maximum == 3.0
    counts = {"1": {"1": 2, "0.5": 1}, "2": {"0.5": 3}, "3": {"1": 1, "0": 2}}
    result = onestop_scores(counts, definition)
    # (2 + 0.5)/3 = 0.8333… → 0.83; 0.5; 1/3 → 0.33.
    assert result.scores == {1: 0.83, 2: 0.5, 3: 0.33}
    assert result.officer_total == 0.5
    assert result.agency_total == pytest.approx(1.66, abs=1e-12)
    assert (result.classification_key, result.classification_label) == ("middle", "Trung bình")


@pytest.mark.parametrize(
    ("points_counts", "message"),
    [
        ({10: {2: 1}}, "index 10 is not in the scoring definition"),
        ({1: {3: 1}}, "3 points is not allowed"),
        ({1: {2: -1}}, "must not be negative"),
        ({1: {2: 1.5}}, "whole numbers"),
        ({1: {}}, "no dossiers"),
        ({}, "no dossiers"),
        ({1.5: {2: 1}}, "index number must be an integer"),
        ({1: [2, 1]}, "must map point values"),
        ([(1, {2: 1})], "points_counts must map"),
        ({1: {"two": 1}}, "must be a number"),
        ({1: {True: 1}}, "must be a number"),  # equal to 1 as a key, but not a point value
        ({1: {2.0000001: 1}}, "points is not allowed"),
    ],
)
def test_onestop_scores_rejects_bad_counts(points_counts, message):
    with pytest.raises(ValueError, match=message):
        onestop_scores(points_counts)


def test_onestop_scores_rejects_index_given_twice():
    with pytest.raises(ValueError, match="given twice"):
        onestop_scores({1: {2: 1}, "1": {1: 1}})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"indices": []}, "indices must not be empty"),
        ({"indices": [(1, "a"), (1, "b")]}, "distinct"),
        ({"officer_indices": [1, 12]}, r"officer_indices \[12\]"),
        ({"point_values": []}, "point_values must not be empty"),
        ({"classification": [(6, "a", "A"), (9, "b", "B"), (0, "c", "C")]}, "decreasing"),
        ({"classification": [(15, "a", "A"), (6, "b", "B")]}, "lowest possible total"),
        ({"classification": []}, "classification must not be empty"),
        ({"decimals": -1}, "decimals"),
        ({"decimals": 1.5}, "decimals"),
    ],
)
def test_definition_rejects_inconsistent_rules(changes, message):
    data = {
        "indices": CIRCULAR_01_2018.indices,
        "point_values": CIRCULAR_01_2018.point_values,
        "officer_indices": CIRCULAR_01_2018.officer_indices,
        "classification": CIRCULAR_01_2018.classification,
    }
    data.update(changes)
    with pytest.raises(ValueError, match=message):
        OneStopScoringDefinition(**data)


index_counts = st.dictionaries(
    st.integers(min_value=1, max_value=9),
    st.fixed_dictionaries(
        {
            2: st.integers(min_value=0, max_value=400),
            1: st.integers(min_value=0, max_value=400),
            0: st.integers(min_value=0, max_value=400),
        }
    ),
    min_size=1,
).filter(lambda counts: any(sum(c.values()) for c in counts.values()))


@given(index_counts)
def test_scores_equal_expanded_dossiers_rounded_half_up(points_counts):
    result = onestop_scores(points_counts)
    expected = {}
    for number, counts in points_counts.items():
        dossiers = np.repeat(list(counts.keys()), list(counts.values()))
        if dossiers.size:
            exact = Decimal(int(dossiers.sum())) / Decimal(dossiers.size)
            expected[number] = float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    assert result.scores == dict(sorted(expected.items()))
    assert result.agency_total == pytest.approx(sum(expected.values()), abs=1e-9)
    officer = [expected[n] for n in (1, 2, 3, 4, 7) if n in expected]
    assert result.officer_total == (pytest.approx(sum(officer), abs=1e-9) if officer else None)
    assert 0.0 <= result.agency_total <= 18.0


def _decimal(points) -> Decimal:
    if isinstance(points, Fraction):
        return Decimal(points.numerator) / Decimal(points.denominator)
    return Decimal(str(points))


half_points = OneStopScoringDefinition(
    indices=[(1, "a"), (2, "b")],
    point_values=[0, 0.5, 1, 1.5],
    officer_indices=[2],
    classification=[(2, "high", "High"), (0, "low", "Low")],
    decimals=2,
)


@given(
    st.dictionaries(
        st.sampled_from([1, 2]),
        st.dictionaries(
            st.sampled_from([0, 0.5, 1, 1.5, "0.5", "1.5", Fraction(3, 2)]),
            st.integers(min_value=0, max_value=10**6),
        ),
        min_size=1,
    ).filter(lambda counts: any(sum(c.values()) for c in counts.values()))
)
def test_fractional_points_are_added_and_rounded_exactly(points_counts):
    # Keys as JSON or a form gives them (numbers, strings); a value given twice in two
    # spellings ("0.5" and 0.5) is the same point value, counted together.
    result = onestop_scores(points_counts, half_points)
    expected = {}
    for number, counts in points_counts.items():
        dossiers = sum(counts.values())
        if dossiers:
            total = sum(_decimal(points) * count for points, count in counts.items())
            exact = total / Decimal(dossiers)
            expected[number] = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    assert result.scores == dict(sorted(expected.items()))
    assert result.officer_total == expected.get(2)
    assert result.classification_key == ("high" if sum(expected.values()) >= 2 else "low")
