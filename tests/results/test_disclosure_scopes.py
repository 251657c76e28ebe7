"""Issue 21, case 6: a unit's suppression does not depend on which report shows it.

A district's report hides a small commune and, as the complement, the cheapest other
commune of the district; the province's report, decided on its own, would hide the small
commune with a small commune of the other district instead and show the complement, and
the district's total would then give the small commune away. Decided once for the period
at the finest level, the complement is hidden in both reports, and the audit over
everything the reports publish together finds no small commune pinned down.
"""

import uuid
from datetime import datetime

import numpy as np
import pytest

from analysis import hidden_cell_intervals
from survey.collect.models import Channel
from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, write_session
from survey.questionnaires.definition import load_definition, scoring_for_analysis
from survey.results.counts import fold_all
from survey.results.disclosure import hidden_groups
from survey.results.filters import Period, ReportFilter
from survey.results.overview import satisfaction_overview
from tests.factories import make_agency, make_desk, make_published_version

MIN = 5
#: Responses per commune: X (2) and Y (6) in the first district, U (3) in the second.
WARDS = {"first": {"X": 2, "Y": 6, "Z": 20}, "second": {"U": 3, "V": 20}}


@pytest.fixture
def world(app_context):
    with write_session() as session:
        version = make_published_version(session, "onestop-quick")
        definition = load_definition(version.definition)
        province = make_agency(session, name="Tỉnh", kind="UBND tỉnh")
        ward_ids, communes = {}, {}
        for ward_name, staff in WARDS.items():
            ward = make_agency(session, parent_id=province.id)
            ward_ids[ward_name] = {ward.id}
            for name in staff:
                commune = make_agency(session, parent_id=ward.id)
                desk = make_desk(session, agency=commune)
                communes[name] = (commune.id, desk.id)
                ward_ids[ward_name].add(commune.id)
        rows, answers = [], {}
        headline = scoring_for_analysis(definition)["headline_item"]
        top = max(definition.item(headline).scale.values)
        for staff in WARDS.values():
            for name, count in staff.items():
                agency_id, desk_id = communes[name]
                for _ in range(count):
                    row = {
                        "uuid": uuid.uuid4(),
                        "questionnaire_version_id": version.id,
                        "channel": Channel.KIOSK,
                        "agency_id": agency_id,
                        "service_point_id": desk_id,
                        "official_id": None,
                        "procedure_id": None,
                        "respondent_type": None,
                        "language": "vi",
                        "submitted_dt": datetime(2026, 2, 10, 3, 0),
                        "is_flagged": False,
                    }
                    given = [
                        {
                            "item_key": headline,
                            "value": top,
                            "text": None,
                            "is_not_applicable": False,
                        }
                    ]
                    row["body_hash"] = canonical_body_hash({"answers": given, **row})
                    rows.append(row)
                    answers[row["uuid"]] = given
        store_responses(session, rows, answers)
    fold_all(write_session)
    ids = {name: commune_id for name, (commune_id, _desk) in communes.items()}
    return definition, province.id, ward_ids, ids


def _communes(definition, agency_ids):
    result = satisfaction_overview(
        db.session,
        ReportFilter(Period.parse("2026-Q1"), agency_ids=agency_ids),
        definition,
        min_group_size=MIN,
        min_ratings_for_ranking=1,
    )
    return {unit.key: unit.is_suppressed for unit in result.agencies}


def test_case_6_a_complement_in_a_districts_report_is_hidden_in_the_provinces(world):
    definition, _province, wards, ids = world
    first = {ids[name]: WARDS["first"][name] for name in WARDS["first"]}
    everyone = {ids[name]: n for staff in WARDS.values() for name, n in staff.items()}
    # Decided apart, the two reports disagree on Y: the case the issue found.
    alone = hidden_groups(list(first.values()), list(first.values()), MIN, lower_bound=1)
    apart = hidden_groups(list(everyone.values()), list(everyone.values()), MIN, lower_bound=1)
    assert alone[list(first).index(ids["Y"])] and not apart[list(everyone).index(ids["Y"])]

    in_ward = _communes(definition, frozenset(wards["first"]))
    in_province = _communes(definition, None)
    in_second = _communes(definition, frozenset(wards["second"]))
    for commune, hidden in in_ward.items():
        assert in_province[commune] == hidden
    for commune, hidden in in_second.items():
        assert in_province[commune] == hidden
    assert in_ward[ids["X"]] and in_province[ids["X"]] and in_province[ids["U"]]

    # Everything the three reports publish together: the shown communes, the province's
    # and each district's totals of responses; a listed commune has at least one response.
    keys = sorted(everyone)
    values = np.array([everyone[key] for key in keys])
    hidden = np.array([in_province[key] for key in keys])
    relations = [({i: 1 for i in range(len(keys))}, int(values.sum()))]
    for ward_name in WARDS:
        members = {ids[name] for name in WARDS[ward_name]}
        relations.append(
            (
                {i: 1 for i, key in enumerate(keys) if key in members},
                sum(WARDS[ward_name].values()),
            )
        )
    small = (values > 0) & (values < MIN)
    low, high = hidden_cell_intervals(
        values, hidden, relations, np.where(small, 1, 1), np.where(small, MIN - 1, np.inf)
    )
    assert small.any() and np.all((high - low)[small] >= 1)
