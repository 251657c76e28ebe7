"""The registry of count grains is the single description of the count tables."""

import itertools

import pytest
from sqlalchemy import BigInteger

from survey.collect.models import Channel, RespondentType
from survey.results.counts import _STAGING, DERIVED_MODELS, response_dimensions
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.grains import (
    ANSWERS,
    COLUMNS,
    GRAINS,
    KINDS,
    POINTS,
    RESPONSES,
    dimensions_of,
    grains_of,
    narrowest,
)
from survey.results.models import COUNT_MODELS
from survey.results.queries import _narrowest

YEAR = Period.year(2026)


def test_every_grain_has_a_table_keyed_by_its_dimensions_then_its_kind():
    assert len({grain.table for grain in GRAINS}) == len(GRAINS)
    assert list(COUNT_MODELS) == [grain.table for grain in GRAINS]
    for grain in GRAINS:
        model = COUNT_MODELS[grain.table]
        table = model.__table__
        assert model.__name__ == grain.model and model.__tablename__ == grain.table
        assert tuple(column.name for column in table.primary_key) == grain.key
        assert grain.key == (*grain.dimensions, *grain.kind.key)
        assert [column.name for column in table.columns] == [*grain.key, "count"]
        assert isinstance(table.c["count"].type, BigInteger) and not table.c["count"].nullable
        assert model in DERIVED_MODELS


def test_every_column_is_a_response_dimension_or_a_kinds_key():
    dimensions = {name for grain in GRAINS for name in grain.dimensions}
    keys = {name for kind in KINDS for name in kind.key}
    assert dimensions | keys == set(COLUMNS) and not dimensions & keys
    labels = [column.name for column in response_dimensions(sorted(dimensions))]
    assert labels == sorted(dimensions)


def test_each_kind_is_staged_at_the_finest_grouping_of_its_grains():
    for kind in KINDS:
        staged = [column.name for column in _STAGING[kind].columns]
        assert staged == [*dimensions_of(kind), *kind.key, "count"]
        for grain in grains_of(kind):
            assert set(grain.dimensions) <= set(dimensions_of(kind))


def test_narrowest_is_the_smallest_grain_covering_the_columns():
    dimensions = [name for name in COLUMNS if any(name in g.dimensions for g in GRAINS)]
    for kind in KINDS:
        for size in range(len(dimensions) + 1):
            for columns in itertools.combinations(dimensions, size):
                chosen = narrowest(kind, columns)
                covering = [grain for grain in grains_of(kind) if grain.covers(columns)]
                if not covering:
                    assert chosen is None
                    continue
                assert chosen in covering and chosen.kind == kind
                assert len(chosen.dimensions) == min(len(grain.dimensions) for grain in covering)


def table_of(kind, report_filter, dimension=None):
    grain = _narrowest(kind, report_filter, dimension)
    return None if grain is None else grain.table


@pytest.mark.parametrize(
    ("changes", "dimension", "prefix"),
    [
        ({}, None, "agency_"),
        ({"agency_ids": {1, 2}, "questionnaire_version_ids": {3}}, Dimension.AGENCY, "agency_"),
        ({"include_flagged": True}, Dimension.MONTH, "agency_"),
        ({}, Dimension.QUARTER, "agency_"),
        ({"official_id": 4}, None, "official_"),
        ({}, Dimension.OFFICIAL, "official_"),
        ({"official_id": 4}, Dimension.QUARTER, "official_"),
        ({"service_point_id": 5}, None, ""),
        ({"channel": Channel.QR}, Dimension.OFFICIAL, ""),
        ({"respondent_type": RespondentType.CITIZEN}, None, ""),
        ({}, Dimension.SERVICE_POINT, ""),
        ({}, Dimension.CHANNEL, ""),
        ({}, Dimension.RESPONDENT_TYPE, ""),
        ({"procedure_field": "Hộ tịch"}, None, "procedure_"),
        ({"procedure_field": "Hộ tịch"}, Dimension.AGENCY, "procedure_"),
        ({}, Dimension.PROCEDURE_FIELD, "procedure_"),
        # What no count table keeps together: the raw rows answer.
        ({"procedure_field": "Hộ tịch"}, Dimension.OFFICIAL, None),
        ({"channel": Channel.KIOSK}, Dimension.PROCEDURE_FIELD, None),
        ({"procedure_field": "Hộ tịch", "service_point_id": 5}, None, None),
    ],
)
def test_a_report_reads_the_smallest_table_that_keeps_its_filter_and_grouping(
    changes, dimension, prefix
):
    report_filter = ReportFilter(YEAR, **changes)
    names = {RESPONSES: "response_counts", ANSWERS: "answer_counts", POINTS: "onestop_point_counts"}
    for kind, name in names.items():
        expected = None if prefix is None else prefix + name
        assert table_of(kind, report_filter, dimension) == expected, kind.name
