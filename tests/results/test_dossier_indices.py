"""The Circular 01/2018 indices from ratings and imported dossiers together, against a
recomputation in plain Python from the raw dossier rows and answers: Circular 01/2018's
point rules written out here (not read from the definition), a rated dossier linked to its
rating counted once by the precedence of the built-in one-stop quick rating, unlinked ones
apart; with the columns of indices 5, 6, 8 and 9, the total out of 18 and its band, and the
officials' share of dossiers at 5 points or more on indices 1, 2, 3, 4 and 7."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert, select, update

from analysis import OneStopScoringDefinition, onestop_scores
from survey.collect.models import Response
from survey.db import db, write_session
from survey.dossiers.models import (
    Complaint,
    Dossier,
    FeedbackHandling,
    OneStopDesk,
    OnlineService,
    Publication,
)
from survey.i18n import format_number, format_percent
from survey.org.models import Official
from survey.questionnaires.definition import scoring_for_analysis
from survey.results.filters import Dimension, Period, ReportFilter, vietnam_local_date
from survey.results.onestop_points import (
    combined_points_counts_by,
    officer_mark_counts,
    points_by_value,
)
from tests.results.dataset import group_of, reference_points, selected
from tests.results.test_downloads import QUERY
from tests.results.test_routes import PERIOD, vietnamese

#: Whose points count for a rated dossier linked to its rating, when both give some.
PRECEDENCE = {1: "dossier", 3: "dossier", 4: "citizen", 7: "citizen"}


def timeliness(dossier: dict) -> str | None:
    if dossier["returned_dt"] is None:
        return None
    if dossier["returned_dt"] > dossier["due_dt"]:
        return "late"
    if vietnam_local_date(dossier["returned_dt"]) < vietnam_local_date(dossier["due_dt"]):
        return "early"
    return "on_time"


def circular_points(dossier: dict) -> dict[int, int | None]:
    """Circular 01/2018, Article 13, from the dossier's own fields."""
    timely = timeliness(dossier)
    by_time = {"early": 2, "on_time": 1, "late": 0, None: None}[timely]
    visits, agencies, complaint = (
        dossier["extra_visits"],
        dossier["agencies_contacted"],
        dossier["complaint"],
    )
    conduct = None
    if complaint == Complaint.HARASSMENT:
        conduct = 0
    elif complaint is not None:
        conduct = by_time
    points = {
        1: by_time,
        2: by_time,
        3: None if visits is None else 2 if visits == 0 else 1 if visits == 1 else 0,
        4: None if agencies is None else 2 if agencies <= 1 else 1 if agencies == 2 else 0,
        7: conduct,
    }
    three_levels = {
        5: ("one_stop_desk", {"both": 2, "partly": 1, "neither": 0}),
        6: ("procedure_published", {"full": 2, "partial": 1, "none": 0}),
        8: ("feedback_handling", {"none": 2, "early": 2, "on_time": 1, "late": 0}),
        9: ("online_service", {"full": 2, "partial": 1, "none": 0}),
    }
    for number, (column, by_value) in three_levels.items():
        value = dossier.get(column)
        points[number] = None if value is None else by_value[value]
    return points


@pytest.fixture
def dossier_world(app, results_world):
    """Half of the quick ratings carry a dossier hash; dossiers for most of them (some
    handled by another official, some returned outside the period or not yet), and as many
    again not rated. The columns of indices 5, 6, 8 and 9 are absent."""
    return _dossier_world(app, results_world, None)


@pytest.fixture
def full_dossier_world(app, results_world):
    """The same dossiers with the columns of indices 5, 6, 8 and 9 (drawn apart, a few
    empty)."""
    return _dossier_world(app, results_world, random.Random(29))


def _dossier_world(app, results_world, handling):
    rng = random.Random(17)
    organisation = results_world.organisation
    quick = organisation.version_ids["onestop-quick"]
    rated = [r for r in results_world.responses if r["version"] == quick and rng.random() < 0.5]
    dossiers = []
    with app.app_context(), write_session() as session:
        for response in rated:
            response["dossier_hash"] = f"hash-{response['id']}"
            session.execute(
                update(Response)
                .where(Response.id == response["id"])
                .values(dossier_hash=response["dossier_hash"])
            )
            if rng.random() < 0.85:
                dossiers.append(_dossier(rng, organisation, response["dossier_hash"], response))
        for number in range(len(rated)):
            dossiers.append(_dossier(rng, organisation, f"unrated-{number}", None))
        if handling is not None:
            for dossier in dossiers:
                dossier.update(_index_columns(handling))
        session.execute(insert(Dossier), dossiers)
    return results_world, dossiers


def _dossier(rng, organisation, code_hash, response) -> dict:
    desk = rng.randrange(len(organisation.desk_ids))
    agency = response["agency"] if response else organisation.agency_ids[desk]
    official = response["official"] if response and rng.random() < 0.8 else None
    if official is None and rng.random() < 0.7:
        official = rng.choice(organisation.official_ids)
    returned = datetime(2025, 12, 20) + timedelta(minutes=rng.randrange(120 * 24 * 60))
    # A due date alone is the end of that Vietnam-local day (16:59:59 UTC).
    due_day = vietnam_local_date(returned) + timedelta(days=rng.choice((-3, -1, 0, 0, 1, 4)))
    due = datetime.combine(due_day, datetime.min.time()) + timedelta(hours=16, seconds=3599)
    return {
        "code_hash": code_hash,
        "agency_id": agency,
        "official_id": official,
        "received_dt": min(due, returned) - timedelta(days=rng.randint(1, 9)),
        "due_dt": due,
        "returned_dt": None if rng.random() < 0.05 else returned,
        "extra_visits": rng.choice((0, 0, 0, 1, 2, 3, None)),
        "agencies_contacted": rng.choice((1, 1, 1, 2, 3, None)),
        "complaint": rng.choice(
            [Complaint.NONE] * 6 + [Complaint.HARASSMENT, Complaint.OTHER, None]
        ),
    }


def _index_columns(rng) -> dict:
    def pick(members, weights):
        return rng.choices([*members, None], weights=[*weights, 3])[0]

    return {
        "one_stop_desk": pick(list(OneStopDesk), (80, 12, 5)),
        "procedure_published": pick(list(Publication), (85, 8, 4)),
        "feedback_handling": pick(list(FeedbackHandling), (70, 10, 10, 7)),
        "online_service": pick(list(OnlineService), (30, 30, 37)),
    }


def dossier_selected(dossier: dict, report_filter: ReportFilter) -> bool:
    returned = dossier["returned_dt"]
    return (
        returned is not None
        and report_filter.period.start <= vietnam_local_date(returned) < report_filter.period.end
        and (report_filter.agency_ids is None or dossier["agency_id"] in report_filter.agency_ids)
    )


def reference(world, dossiers, report_filter, dimension) -> dict:
    """group → index → Counter(points), ratings and dossiers combined by hand."""
    result = reference_points(world.responses, report_filter, world.organisation, dimension)
    responses = {
        r["dossier_hash"]: r
        for r in world.responses
        if r.get("dossier_hash") and selected(r, report_filter)
    }
    citizen = {key: _citizen(world, response) for key, response in responses.items()}
    for dossier in dossiers:
        if not dossier_selected(dossier, report_filter):
            continue
        group = dossier["official_id"] if dimension is Dimension.OFFICIAL else None
        linked = dossier["code_hash"] in responses
        if linked:
            response = responses[dossier["code_hash"]]
        for number, points in circular_points(dossier).items():
            if points is None:
                continue
            theirs = citizen[dossier["code_hash"]].get(number) if linked else None
            if theirs is not None and PRECEDENCE[number] == "citizen":
                continue
            if theirs is not None:  # the dossier's points replace the rating's
                counter = result[group_of(response, dimension)][number]
                counter[theirs] -= 1
            result.setdefault(group, {}).setdefault(number, Counter())[points] += 1
    return {
        group: {n: {p: c for p, c in counter.items() if c} for n, counter in by_index.items()}
        for group, by_index in result.items()
    }


def _citizen(world, response) -> dict[int, int]:
    definition = world.organisation.definitions["onestop-quick"]
    values = {key: answer.value for key, answer in response["answers"].items()}
    return {
        index.number: points
        for index in definition.scoring.onestop.indices
        if (points := index.points_for(values)) is not None
    }


def _drop_empty(points) -> dict:
    return {
        group: {n: {p: c for p, c in by.items() if c} for n, by in by_index.items()}
        for group, by_index in points.items()
    }


@pytest.mark.parametrize("dimension", [None, Dimension.OFFICIAL])
def test_points_from_ratings_and_dossiers_agree_with_a_recomputation(app, dossier_world, dimension):
    world, dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    for agency_ids in (None, {world.ward_id}):
        selection = ReportFilter(
            Period.parse(PERIOD), agency_ids=agency_ids, questionnaire_version_ids=versions
        )
        expected = reference(world, dossiers, selection, dimension)
        with app.app_context():
            got = combined_points_counts_by(db.session, selection, dimension)
        assert _drop_empty(got) == expected
        assert any(2 in by_index for by_index in got.values())  # index 2: dossiers only


def test_the_nine_index_total_agrees_with_a_recomputation(app, dossier_world):
    world, dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), questionnaire_version_ids=versions)
    expected_points = reference(world, dossiers, selection, None)[None]
    total = Decimal(0)
    for counter in expected_points.values():
        mean = Decimal(sum(p * n for p, n in counter.items())) / sum(counter.values())
        total += mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert set(expected_points) == {1, 2, 3, 4, 7}
    definition = world.organisation.definitions["onestop-quick"]
    rules = OneStopScoringDefinition(**scoring_for_analysis(definition)["onestop"])
    with app.app_context():
        scores = onestop_scores(combined_points_counts_by(db.session, selection, None)[None], rules)
    assert Decimal(str(scores.agency_total)) == total
    assert scores.missing_indices == (5, 6, 8, 9)


def test_a_filter_on_the_rating_channel_leaves_dossiers_out(app, dossier_world):
    world, _dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), channel="qr", questionnaire_version_ids=versions)
    with app.app_context():
        got = combined_points_counts_by(db.session, selection, None)
    expected = reference_points(world.responses, selection, world.organisation, None)
    assert _drop_empty(got) == {
        group: {n: dict(counter) for n, counter in by.items()} for group, by in expected.items()
    }


#: Circular 01/2018's bands for an agency's total out of 18, written out here.
AGENCY_BANDS = ((15, "excellent"), (12, "good"), (9, "fair"), (6, "average"), (0, "weak"))


def hand_total(points: dict) -> Decimal:
    """Sum of the index means, each rounded half up to one decimal (Article 15)."""
    total = Decimal(0)
    for counter in points.values():
        mean = Decimal(sum(p * n for p, n in counter.items())) / sum(counter.values())
        total += mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return total


@pytest.mark.parametrize("agency", [None, "ward"])
def test_all_nine_indices_give_a_total_out_of_18_with_its_band(app, full_dossier_world, agency):
    world, dossiers = full_dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(
        Period.parse(PERIOD),
        agency_ids=None if agency is None else {world.ward_id},
        questionnaire_version_ids=versions,
    )
    expected_points = reference(world, dossiers, selection, None)[None]
    assert set(expected_points) == set(range(1, 10))
    total = hand_total(expected_points)
    band = next(key for minimum, key in AGENCY_BANDS if total >= minimum)
    definition = world.organisation.definitions["onestop-quick"]
    rules = OneStopScoringDefinition(**scoring_for_analysis(definition)["onestop"])
    with app.app_context():
        got = combined_points_counts_by(db.session, selection, None)[None]
    assert _drop_empty({None: got}) == {None: expected_points}
    scores = onestop_scores(got, rules)
    assert scores.missing_indices == ()
    assert Decimal(str(scores.agency_total)) == total
    assert scores.attainable_maximum == 18 and scores.is_complete
    assert scores.classification_key == band


def reference_marks(world, dossiers, report_filter, mark=5) -> dict:
    """official → (dossiers with points on indices 1, 2, 3, 4 and 7, those adding up to
    ``mark`` or more), dossier by dossier: a rating linked to its dossier is that dossier
    (the index's precedence picks whose points), other ratings and dossiers stand alone."""
    officer = (1, 2, 3, 4, 7)
    selected_dossiers = {d["code_hash"]: d for d in dossiers if dossier_selected(d, report_filter)}
    units: list[tuple] = []  # (official, {index: points})
    linked: dict[str, dict] = {}
    for response in world.responses:
        if not selected(response, report_filter):
            continue
        citizen = {n: p for n, p in _citizen(world, response).items() if n in officer}
        hash_ = response.get("dossier_hash")
        if hash_ in selected_dossiers:
            linked[hash_] = (response, citizen)
        elif citizen:
            units.append((response["official"], citizen))
    for code_hash, dossier in selected_dossiers.items():
        own = circular_points(dossier)
        response, citizen = linked.get(code_hash, (None, {}))
        values = {}
        for number in officer:
            theirs, ours = citizen.get(number), own.get(number)
            first, second = (
                (theirs, ours) if PRECEDENCE.get(number) == "citizen" else (ours, theirs)
            )
            values[number] = first if first is not None else second
        official = dossier["official_id"]
        if official is None and response is not None:
            official = response["official"]
        units.append((official, values))
    result: dict = {}
    for official, values in units:
        if official is None:
            continue
        scored, at_mark = result.get(official, (0, 0))
        if all(values.get(number) is not None for number in officer):
            scored += 1
            at_mark += sum(values[number] for number in officer) >= mark
        result[official] = (scored, at_mark)
    return result


def test_officials_share_of_dossiers_at_5_points_agrees_with_a_recomputation(
    app, full_dossier_world
):
    world, dossiers = full_dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), questionnaire_version_ids=versions)
    expected = reference_marks(world, dossiers, selection)
    with app.app_context():
        got = officer_mark_counts(db.session, selection, (1, 2, 3, 4, 7), 5)
    assert got == expected
    # Dossiers and unlinked ratings both count, and not every dossier reaches the mark.
    assert sum(scored for scored, _at in got.values()) > 20
    assert any(0 < at_mark < scored for scored, at_mark in got.values())


#: Circular 01/2018's classes of an official by the share of dossiers at 5 points or more.
OFFICIAL_CLASSES = (
    (100, "Từ 5 điểm trở lên"),
    (70, "Từ 3,5 đến dưới 5 điểm"),
    (0, "Dưới 3,5 điểm"),
)


def expected_classes(app, world, dossiers) -> dict[str, tuple[str, str, str]]:
    """Official's name → (dossiers counted, share, class), written as a Vietnamese reader
    reads them, from the hand recomputation."""
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), questionnaire_version_ids=versions)
    with app.app_context():
        names = dict(db.session.execute(select(Official.id, Official.name)).all())
    result = {}
    for official, (scored, at_mark) in reference_marks(world, dossiers, selection).items():
        if not scored:
            continue
        share = Fraction(100 * at_mark, scored)
        label = next(label for minimum, label in OFFICIAL_CLASSES if share >= minimum)
        shown = vietnamese(app, format_percent, float(share))
        result[names[official]] = (vietnamese(app, format_number, scored), shown, label)
    return result


def test_the_officials_table_gives_each_share_and_class_in_the_page_and_files(
    app, full_dossier_world, officer
):
    world, dossiers = full_dossier_world
    expected = expected_classes(app, world, dossiers)
    client = officer()
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/officer/results/report.csv?{QUERY}").data.decode("utf-8-sig"))
        )
    )
    header = rows.index(next(row for row in rows if "Xếp loại công chức" in row))
    columns = rows[header]
    scored_at = columns.index("Hồ sơ có điểm ở các chỉ số của công chức")
    share_at, class_at = (
        columns.index("Tỷ lệ hồ sơ đạt mức điểm"),
        columns.index("Xếp loại công chức"),
    )
    classified = {}
    for row in rows[header + 1 :]:
        if len(row) <= class_at:
            break
        if row[class_at] in {label for _minimum, label in OFFICIAL_CLASSES}:
            classified[row[0]] = (row[scored_at], row[share_at], row[class_at])
    # Every official is classed exactly as recomputed, on their dossiers (ratings alone
    # would be too few); any other is not classed (or hidden), and the class says so.
    assert len(classified) >= 1
    others = [
        row for row in rows[header + 1 : header + 1 + len(expected)] if row[0] not in classified
    ]
    assert all(
        row[class_at].startswith(("Chưa xếp loại", "Ẩn")) or row[class_at] == "ẩn" for row in others
    )
    for name, got in classified.items():
        assert got == expected[name], name
    assert "Các mức xếp loại của cơ quan chỉ áp dụng cho cơ quan" in "\n".join(
        row[0] for row in rows[header:] if row
    )

    sheet = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))[
        "Điểm của công chức"
    ]
    values = list(sheet.iter_rows(values_only=True))
    top = next(n for n, row in enumerate(values) if "Xếp loại công chức" in row)
    by_name = {row[0]: row for row in values[top + 1 :] if row and row[0] in classified}
    for name, (_scored, _share, label) in classified.items():
        assert by_name[name][values[top].index("Xếp loại công chức")] == label

    page = client.get(f"/officer/results/officials?{QUERY}").get_data(as_text=True)
    flat = " ".join(page.split())
    for name, (scored, share, label) in classified.items():
        words = (
            f"{share} trong {scored} hồ sơ có điểm ở đủ các chỉ số của công chức đạt mức "
            f"điểm: {label}"
        )
        assert words.replace("\xa0", " ") in flat, name

    pdf = client.get(f"/officer/results/report.pdf?{QUERY}").data
    text = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        .replace("\u00a0", " ")
        .split()
    )
    assert "Xếp loại công chức" in text
    for _scored, _share, label in classified.values():
        assert label in text


@pytest.mark.parametrize(
    "dimension, field",
    [
        (Dimension.OFFICIAL, "official_id"),
        (Dimension.SERVICE_POINT, "service_point_id"),
        (Dimension.PROCEDURE_FIELD, "procedure_field"),
        (Dimension.CHANNEL, "channel"),
    ],
)
def test_points_by_value_are_each_values_report_by_agency(app, dossier_world, dimension, field):
    """Each value's points by agency, in one pass, are what the report choosing the value
    counts for each agency: a rating and its dossier handled by another official are
    each counted in their own official's report, neither taken back."""
    world, _dossiers = dossier_world
    versions = {world.organisation.version_ids["onestop-quick"]}
    unfiltered = ReportFilter(Period.parse(PERIOD), questionnaire_version_ids=versions)
    with app.app_context():
        got = points_by_value(db.session, unfiltered, dimension)
        values = {value for _agency, value in got} - {None}
        assert len(values) > 1
        for value in values:
            selection = replace(unfiltered, **{field: value})
            report = combined_points_counts_by(db.session, selection, Dimension.AGENCY)
            mine = {agency: by for (agency, v), by in got.items() if v == value}
            assert _drop_empty(mine) == _drop_empty(report), value
