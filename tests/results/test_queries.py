"""Every query equals an independent count of the raw rows, from the count tables and raw."""

import uuid
from dataclasses import replace
from datetime import date, datetime

import numpy as np
import pytest
from sqlalchemy import delete, update

from survey.collect.models import Answer, Channel, RespondentType
from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, write_session
from survey.org.models import Procedure
from survey.results.counts import fold_all
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.queries import (
    LevelCounts,
    level_counts,
    level_counts_by,
    onestop_points_counts,
    onestop_points_counts_by,
    respondent_matrix,
    response_count,
    response_counts_by,
    suppress_table,
)
from tests.results.dataset import (
    build_organisation,
    raw_responses,
    reference_level_counts,
    reference_points,
    reference_response_counts,
    selected,
    submit,
)

WHOLE_MONTHS = Period(date(2025, 11, 1), date(2026, 6, 1))


@pytest.fixture
def dataset(app_context):
    organisation = build_organisation()
    submit(organisation, responses=260, seed=5)
    return organisation, raw_responses()


def filters(organisation) -> dict[str, ReportFilter]:
    base = ReportFilter(WHOLE_MONTHS)
    return {
        "everything": base,
        "agencies": ReportFilter(WHOLE_MONTHS, agency_ids=organisation.agency_ids[1:]),
        "no agency": ReportFilter(WHOLE_MONTHS, agency_ids=set()),
        "service point": ReportFilter(WHOLE_MONTHS, service_point_id=organisation.desk_ids[0]),
        "official": ReportFilter(WHOLE_MONTHS, official_id=organisation.official_ids[-1]),
        "procedure field": ReportFilter(WHOLE_MONTHS, procedure_field="Hộ tịch"),
        # From the tables by procedure, with raw edge days; and with a desk: raw only.
        "procedure field, agencies, days": ReportFilter(
            Period.custom(date(2026, 1, 31), date(2026, 4, 12)),
            agency_ids=organisation.agency_ids[:2],
            procedure_field="Đất đai",
            include_flagged=True,
        ),
        "procedure field and desk": ReportFilter(
            WHOLE_MONTHS, procedure_field="Hộ tịch", service_point_id=organisation.desk_ids[0]
        ),
        "channel": ReportFilter(WHOLE_MONTHS, channel=Channel.KIOSK),
        "respondent type": ReportFilter(WHOLE_MONTHS, respondent_type=RespondentType.CITIZEN),
        "version": ReportFilter(
            WHOLE_MONTHS, questionnaire_version_ids={organisation.version_ids["sipas"]}
        ),
        "with flagged": ReportFilter(WHOLE_MONTHS, include_flagged=True),
        "one quarter": ReportFilter(Period.parse("2026-Q1"), include_flagged=True),
        "custom days": ReportFilter(Period.custom(date(2026, 1, 15), date(2026, 2, 20))),
        # Whole months inside from the count tables, the days at either end raw; the first
        # edge day ends one minute before the boundary moments' month starts.
        "days around whole months": ReportFilter(
            Period.custom(date(2026, 1, 31), date(2026, 4, 12)),
            agency_ids=organisation.agency_ids[:2],
        ),
        "whole months then days": ReportFilter(
            Period(date(2025, 12, 1), date(2026, 2, 10)), channel=Channel.QR
        ),
        "combined": ReportFilter(
            Period.parse("2026-Q1"),
            agency_ids=organisation.agency_ids[:2],
            channel=Channel.QR,
            include_flagged=True,
        ),
    }


def item_keys(organisation) -> list[str]:
    return sorted({item.key for d in organisation.definitions.values() for item in d.items})


def as_level_counts(reference: dict) -> dict:
    return {
        group: {
            key: LevelCounts(dict(levels), na, texts) for key, (levels, na, texts) in items.items()
        }
        for group, items in reference.items()
    }


@pytest.mark.parametrize("use_counts", [True, False], ids=["counts", "raw"])
def test_level_counts_by_every_dimension_and_filter(dataset, use_counts):
    organisation, responses = dataset
    keys = item_keys(organisation)
    for name, report_filter in filters(organisation).items():
        for dimension in Dimension:
            expected = as_level_counts(
                reference_level_counts(responses, report_filter, keys, dimension)
            )
            found = level_counts_by(
                db.session, report_filter, dimension, keys, use_counts=use_counts
            )
            assert found == expected, (name, dimension)
        expected = as_level_counts(reference_level_counts(responses, report_filter, keys))
        found = level_counts(db.session, report_filter, keys, use_counts=use_counts)
        assert found == expected.get(None, {key: LevelCounts() for key in keys}), name


@pytest.mark.parametrize("use_counts", [True, False], ids=["counts", "raw"])
def test_level_counts_by_a_unit_and_procedure_field_at_once(dataset, use_counts):
    # The weighting's cells: every agency or official × procedure field in one query.
    organisation, responses = dataset
    keys = item_keys(organisation)
    for name, report_filter in filters(organisation).items():
        for unit in (Dimension.AGENCY, Dimension.OFFICIAL):
            expected = {}
            for field in ("Hộ tịch", "Đất đai", None):
                of_field = [r for r in responses if r["procedure_field"] == field]
                counted = reference_level_counts(of_field, report_filter, keys, unit)
                expected |= {(group, field): items for group, items in counted.items()}
            grouping = (unit, Dimension.PROCEDURE_FIELD)
            found = level_counts_by(
                db.session, report_filter, grouping, keys, use_counts=use_counts
            )
            assert found == as_level_counts(expected), (name, unit)


@pytest.mark.parametrize("use_counts", [True, False], ids=["counts", "raw"])
def test_response_counts_by_every_dimension_and_filter(dataset, use_counts):
    organisation, responses = dataset
    for name, report_filter in filters(organisation).items():
        for dimension in Dimension:
            expected = reference_response_counts(responses, report_filter, dimension)
            found = response_counts_by(db.session, report_filter, dimension, use_counts=use_counts)
            assert found == dict(expected), (name, dimension)
        expected = sum(reference_response_counts(responses, report_filter).values())
        assert response_count(db.session, report_filter, use_counts=use_counts) == expected, name


def test_a_procedure_field_report_reads_the_tables_by_procedure(dataset):
    organisation, _responses = dataset
    keys = item_keys(organisation)
    report_filter = ReportFilter(WHOLE_MONTHS, procedure_field="Hộ tịch", include_flagged=True)
    by_agency = level_counts_by(db.session, report_filter, Dimension.AGENCY, keys)
    points = onestop_points_counts(db.session, report_filter)
    n = response_count(db.session, report_filter)
    assert by_agency and points and n
    db.session.rollback()
    with write_session() as session:  # the raw answers gone: only count tables can answer
        session.execute(delete(Answer))
    assert level_counts_by(db.session, report_filter, Dimension.AGENCY, keys) == by_agency
    assert onestop_points_counts(db.session, report_filter) == points
    assert level_counts(db.session, report_filter, keys, use_counts=False) != level_counts(
        db.session, report_filter, keys
    )


def test_a_procedure_moved_to_another_field_is_reported_under_its_new_field(dataset):
    organisation, _responses = dataset
    db.session.rollback()
    with write_session() as session:
        session.execute(update(Procedure).where(Procedure.code == "TEST-2").values(field="Đất đai"))
    responses = raw_responses()
    keys = item_keys(organisation)
    for field in ("Hộ tịch", "Đất đai"):
        report_filter = ReportFilter(WHOLE_MONTHS, procedure_field=field)
        expected = as_level_counts(reference_level_counts(responses, report_filter, keys))
        assert level_counts(db.session, report_filter, keys) == expected[None], field
    by_field = response_counts_by(db.session, ReportFilter(WHOLE_MONTHS), Dimension.PROCEDURE_FIELD)
    assert by_field == dict(
        reference_response_counts(responses, ReportFilter(WHOLE_MONTHS), Dimension.PROCEDURE_FIELD)
    )


@pytest.mark.parametrize("use_counts", [True, False], ids=["counts", "raw"])
def test_onestop_points_follow_the_scoring_rules_response_by_response(dataset, use_counts):
    organisation, responses = dataset
    for name, report_filter in filters(organisation).items():
        for dimension in (Dimension.OFFICIAL, Dimension.QUARTER, Dimension.PROCEDURE_FIELD):
            expected = {
                group: {index: dict(points) for index, points in indices.items()}
                for group, indices in reference_points(
                    responses, report_filter, organisation, dimension
                ).items()
            }
            found = onestop_points_counts_by(
                db.session, report_filter, dimension, use_counts=use_counts
            )
            assert found == expected, (name, dimension)
        overall = reference_points(responses, report_filter, organisation).get(None, {})
        found = onestop_points_counts(db.session, report_filter, use_counts=use_counts)
        assert found == {index: dict(points) for index, points in overall.items()}, name


@pytest.mark.usefixtures("dataset")
def test_index_seven_combines_timeliness_and_harassment():
    points = onestop_points_counts(db.session, ReportFilter(WHOLE_MONTHS))
    assert set(points) == {1, 3, 4, 7}
    assert set(points[7]) <= {0, 1, 2} and sum(points[7].values()) > 0


def test_the_respondent_matrix_holds_the_answers_and_respects_its_cap(dataset):
    """Under every filter, and sampled: exactly the criteria answers of the raw responses."""
    organisation, responses = dataset
    sipas = organisation.version_ids["sipas"]
    criteria = [
        item for f in organisation.definitions["sipas"].scoring.factors for item in f.item_keys
    ]
    # Three criteria and an item that is no criterion (its column stays empty).
    keys = [criteria[0], criteria[5], criteria[-1], "overall_satisfaction"]

    def value(response, key):
        answer = response["answers"].get(key)
        if key not in criteria or answer is None or answer.value is None:
            return None
        return float(answer.value)

    def expected_rows(report_filter, limit):
        chosen = sorted((r for r in responses if selected(r, report_filter)), key=lambda r: r["id"])
        step = -(-len(chosen) // limit)
        sample = [r for r in chosen if r["id"] % step == 0][:limit] if step > 1 else chosen
        rows = [tuple(value(r, k) for k in keys) for r in sample]
        return len(chosen), [row for row in rows if any(v is not None for v in row)]

    checked = 0
    for name, any_filter in filters(organisation).items():
        report_filter = replace(any_filter, questionnaire_version_ids={sipas})
        for limit in (10_000, 7):
            n_responses, rows = expected_rows(report_filter, limit)
            matrix = respondent_matrix(db.session, report_filter, keys, limit=limit)
            assert matrix.n_responses == n_responses, name
            assert matrix.is_sample == (n_responses > limit), name
            got = [tuple(None if np.isnan(v) else float(v) for v in row) for row in matrix.values]
            assert got == rows, (name, limit)
            checked += len(rows)
    assert checked > 200 and any(v is not None for row in rows for v in row[:3])


def test_a_response_at_half_past_eleven_utc_counts_on_the_next_vietnamese_day(app_context):
    organisation = build_organisation()
    submit(organisation, responses=2)  # 16:59 and 17:00 UTC on 31 January 2026
    for use_counts in (True, False):
        by_month = response_counts_by(
            db.session,
            ReportFilter(Period.parse("2026-Q1"), include_flagged=True),
            Dimension.MONTH,
            use_counts=use_counts,
        )
        assert by_month == {Period.parse("2026-01"): 1, Period.parse("2026-02"): 1}
    first_of_february = ReportFilter(
        Period.custom(date(2026, 2, 1), date(2026, 2, 1)), include_flagged=True
    )
    assert response_count(db.session, first_of_february) == 1
    last_of_january = first_of_february.with_period(first_of_february.period.previous())
    assert response_count(db.session, last_of_january) == 1
    assert last_of_january.period.start == date(2026, 1, 31)


def test_store_and_read_a_response_submitted_at_2330_utc(app_context):
    organisation = build_organisation()
    row = {
        "uuid": uuid.uuid4(),
        "questionnaire_version_id": organisation.version_ids["onestop-quick"],
        "channel": Channel.QR,
        "agency_id": organisation.agency_ids[0],
        "language": "vi",
        "submitted_dt": datetime(2026, 7, 31, 23, 30),
        "body_hash": canonical_body_hash({"x": 1}),
    }
    answer = {
        "item_key": "overall_satisfaction",
        "value": 3,
        "text": None,
        "is_not_applicable": False,
    }
    with write_session() as session:
        store_responses(session, [row], {row["uuid"]: [answer]})
    fold_all(write_session)
    august = level_counts(
        db.session, ReportFilter(Period.parse("2026-08")), ["overall_satisfaction"]
    )
    assert august["overall_satisfaction"].levels == {3: 1}
    july = level_counts(db.session, ReportFilter(Period.parse("2026-07")), ["overall_satisfaction"])
    assert july["overall_satisfaction"].answered == 0


def test_small_cells_are_hidden_with_a_complement():
    table = {"Phường A": {1: 2, 2: 40, 3: 60}, "Phường B": {1: 30, 2: 50, 3: 70}}
    suppressed = suppress_table(table, [1, 2, 3], min_group_size=5)
    assert suppressed.is_hidden("Phường A", 1)
    assert suppressed.cells[0][0] is None
    # The hidden 2 cannot be recovered from row or column totals: others are hidden too.
    assert suppressed.hidden[0].sum() >= 2 and suppressed.hidden[:, 0].sum() >= 2
    assert suppressed.cells[1][2] == 70 or suppressed.hidden[1, 2]


def test_true_zeros_and_large_cells_are_published():
    suppressed = suppress_table({"A": {1: 0, 2: 9}, "B": {2: 12}}, [1, 2], min_group_size=5)
    assert suppressed.cells == ((0, 9), (0, 12)) and not suppressed.hidden.any()
