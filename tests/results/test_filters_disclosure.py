"""Issue 21 across filters: a report filtered by one value (a channel here) and the
unfiltered report are one decision.

Official X of commune A took 20 responses, 3 by kiosk and 17 by QR code. Decided for each
filter apart, the kiosk report hid X's 3 as small while the unfiltered report showed X's
20 and the QR report X's 17: 20 − 17 = 3. The same held for commune A's totals. Decided at
once, with every fixed scope's totals of each channel beside the unfiltered units, every
count the province's and each commune's reports publish, unfiltered and for each channel,
leaves each hidden small count open by at least one (an audit by linear programming), and
a report filtered by two things at once (an official and a channel) withholds totals no
decision covers.
"""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from survey.collect.models import Channel
from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.questionnaires.definition import (
    builtin_definitions,
    load_definition,
    scoring_for_analysis,
)
from survey.results.counts import fold_all
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from survey.results.report_tables import totals_footnotes
from tests.factories import make_agency, make_desk, make_official, make_published_version
from tests.results.dataset import (
    build_organisation,
    headline_province,
    headline_row,
    hidden_count_widths,
    store_staff,
    submit,
    units_figures,
)

MIN = 5
KIOSK, QR = Channel.KIOSK, Channel.QR
#: Responses in 2026 per commune, official and channel.
STAFF = {
    "A": {"X": {KIOSK: 3, QR: 17}, "Y": {QR: 12}},
    "B": {"Z": {KIOSK: 8, QR: 9}, "T": {KIOSK: 6}},
}


@pytest.fixture
def world(app):
    """The communes' and officials' ids, and every (agency, official, channel) cell's
    responses (spread over the months of 2026)."""
    spread = {
        commune: {
            name: {
                channel: [datetime(2026, 1 + n % 12, 10, 3, 0) for n in range(count)]
                for channel, count in by_channel.items()
            }
            for name, by_channel in staff.items()
        }
        for commune, staff in STAFF.items()
    }
    ids = store_staff(app, MIN, spread)
    cells = {
        (ids[commune], ids[name], channel): count
        for commune, staff in STAFF.items()
        for name, by_channel in staff.items()
        for channel, count in by_channel.items()
    }
    return ids, cells


def _report(app, agency_id=None, channel=None, official_id=None, period="2026", desk_id=None):
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=Period.parse(period),
            service_point=None if desk_id is None else db.session.get(ServicePoint, desk_id),
            questionnaire_key="onestop-quick",
            agency=None if agency_id is None else db.session.get(Agency, agency_id),
            channel=channel,
            official=None if official_id is None else db.session.get(Official, official_id),
        )
        return build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)


def _published(app, agency_id, channel, cells):
    """Every response count one report publishes: (its cells, the count or None when
    hidden), from its totals and its agencies' and officials' tables."""
    overview = _report(app, agency_id, channel).overview
    within = overview.report_filter.agency_ids
    mine = [
        i
        for i, (agency, _official, by) in enumerate(cells)
        if (within is None or agency in within) and channel in (None, by)
    ]
    figures = units_figures(overview, mine, cells)
    return figures


def test_no_hidden_count_follows_from_the_other_channels_reports(app, world):
    ids, counted = world
    cells = list(counted)
    figures = [
        figure
        for agency_id in (None, ids["A"], ids["B"])
        for channel in (None, KIOSK, QR)
        for figure in _published(app, agency_id, channel, cells)
    ]
    values = [counted[cell] for cell in cells]
    for parts, shown in figures:
        assert shown is None or shown == sum(values[i] for i in parts), parts
    decided: dict[tuple, bool] = {}
    for parts, shown in figures:
        assert decided.setdefault(parts, shown is None) == (shown is None), parts
    x_kiosk = tuple(i for i, cell in enumerate(cells) if cell == (ids["A"], ids["X"], KIOSK))
    assert decided[x_kiosk]
    widths = hidden_count_widths(values, figures, MIN)
    assert widths
    assert all(width >= 1 for width in widths), widths


def test_a_report_filtered_by_an_official_and_a_channel_withholds_its_totals(app, world):
    ids, _counted = world
    # (X's own report withholds its 20 too: with commune A's 32 it gave Y's 12 away, one
    # in each month, each month's report listing Y)
    combined = _report(app, official_id=ids["X"], channel=QR)
    assert combined.overview.responses is None
    with app.test_request_context("/?lang=vi"):
        (note,) = totals_footnotes(combined)
    assert note.startswith("Kết quả của báo cáo này được ẩn: báo cáo kết hợp một quầy")
    # even when the channel holds every response of the official: no decision covers two
    # filters at once
    assert _report(app, official_id=ids["T"], channel=KIOSK).overview.responses is None


def test_the_change_is_not_shown_from_a_previous_period_whose_totals_are_withheld(app, world):
    ids, _counted = world
    # 2026-Q1: commune A took 12 responses, 3 by kiosk: its QR ones (9) are hidden
    assert _report(app, ids["A"], QR, period="2026-Q1").overview.responses is None
    # 2026-Q2: all 8 of A's responses came by QR code, shown; the change from Q1 would
    # print Q1's hidden QR rate beside it
    current = _report(app, ids["A"], QR, period="2026-Q2").overview
    assert current.responses == 8
    assert current.headline is not None
    assert current.change is None


def test_a_report_withholding_its_totals_shows_no_criteria_nor_indices(app):
    app.config["MIN_GROUP_SIZE"] = MIN
    with app.app_context():
        organisation = build_organisation()
        submit(organisation, 400)
    withheld = []
    with app.app_context(), app.test_request_context("/?lang=vi"):
        for agency_id in organisation.agency_ids:
            for channel in Channel:
                request = ReportRequest(
                    period=Period.parse("2026-Q1"),
                    questionnaire_key="sipas",
                    agency=db.session.get(Agency, agency_id),
                    channel=channel,
                )
                report = build_report(
                    db.session, request, None, date(2027, 1, 5), with_comments=False
                )
                if report.overview.total_hidden:
                    withheld.append(report)
                    overview = report.overview
                    assert overview.responses is None
                    assert overview.sipas is None and overview.onestop is None
                    assert not report.tables.criteria.rows
    assert withheld


#: Responses in 2026 per commune, channel and month (1–4).
MONTHS = {
    "A": {QR: {1: 10, 2: 10, 3: 10, 4: 10}, KIOSK: {2: 3, 4: 6}},
    "B": {QR: {1: 10, 2: 10, 3: 10, 4: 10}},
}


@pytest.fixture
def months_world(app):
    """The communes' ids and every (commune, channel, month) cell's responses."""
    spec = {
        commune: {
            f"{commune}, quầy 1": {
                channel: [
                    datetime(2026, month, 1 + day, 3, 0)
                    for month, count in by_month.items()
                    for day in range(count)
                ]
                for channel, by_month in by_channel.items()
            }
        }
        for commune, by_channel in MONTHS.items()
    }
    ids = store_staff(app, MIN, spec)
    cells = {
        (ids[commune], channel, month): count
        for commune, by_channel in MONTHS.items()
        for channel, by_month in by_channel.items()
        for month, count in by_month.items()
    }
    return ids, cells


def test_no_hidden_month_follows_from_the_other_channels_trends(app, months_world):
    ids, counted = months_world
    cells = list(counted)
    figures = []
    for agency_id in (None, ids["A"], ids["B"]):
        for channel in (None, KIOSK, QR):
            overview = _report(app, agency_id, channel).overview
            mine = [
                i
                for i, (agency, by, _month) in enumerate(cells)
                if agency_id in (None, agency) and channel in (None, by)
            ]
            figures.append((tuple(mine), overview.responses))
            for point in overview.trend.points if overview.trend else ():
                month = point.period.start.month
                parts = tuple(i for i in mine if cells[i][2] == month)
                figures.append((parts, point.responses if parts else 0))
    values = [counted[cell] for cell in cells]
    for parts, shown in figures:
        assert shown is None or shown == sum(values[i] for i in parts), parts
    kiosk_february = (cells.index((ids["A"], KIOSK, 2)),)
    assert (kiosk_february, None) in figures
    widths = hidden_count_widths(values, [f for f in figures if f[0]], MIN)
    assert widths
    assert all(width >= 1 for width in widths), widths


def test_a_small_desk_is_not_its_agency_less_the_other_desks_report(app):
    days = [datetime(2026, 1 + n % 12, 10, 3, 0) for n in range(20)]
    ids = store_staff(
        app,
        MIN,
        {
            "A": {("Quầy 1", "M"): {QR: days[:17]}, ("Quầy 2", "N"): {QR: days[:3]}},
            "B": {("Quầy 3", "P"): {QR: days[:12]}},
        },
    )
    assert _report(app, ids["A"]).overview.responses in (None, 20)
    assert _report(app, desk_id=ids["Quầy 2"]).overview.responses is None
    shown = [
        _report(app, ids["A"]).overview.responses,
        _report(app, desk_id=ids["Quầy 1"]).overview.responses,
    ]
    # commune A's 20 and its first desk's 17 are never both shown: 20 − 17 = 3
    assert None in shown, shown


def _few_by_kiosk(app, key, item, value):
    """Commune A: 30 QR responses answer ``item`` (of questionnaire ``key``) with
    ``value``, and 3 of its 25 kiosk ones; commune B: 20 QR ones. A function: the count
    commune A's 2026 report (by ``channel``, None: every channel) shows on its criteria
    table's row ``row``, None when hidden."""
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    with app.app_context(), write_session() as session:
        version = make_published_version(session, key)
        headline = scoring_for_analysis(load_definition(version.definition))["headline_item"]
        top = max(load_definition(version.definition).item(headline).scale.values)
        province = make_agency(session, name="Tỉnh", kind="UBND tỉnh")
        rows, answers, ids = [], {}, {}
        for name, by_channel in {"A": {QR: (30, 30), KIOSK: (25, 3)}, "B": {QR: (20, 20)}}.items():
            commune = make_agency(session, parent_id=province.id)
            ids[name] = commune.id
            desk = make_desk(session, agency=commune)
            official = make_official(session, desk, name=name)
            for channel, (responses, with_item) in by_channel.items():
                for n in range(responses):
                    day = datetime(2026, 1 + n % 12, 10, 3, 0)
                    row, given = headline_row(
                        version.id, commune.id, desk.id, official.id, day, headline, top, channel
                    )
                    if n < with_item:
                        given.append(
                            {
                                "item_key": item,
                                "value": value,
                                "text": None,
                                "is_not_applicable": False,
                            }
                        )
                        row["body_hash"] = canonical_body_hash({"answers": given, **row})
                    rows.append(row)
                    answers[row["uuid"]] = given
        store_responses(session, rows, answers)
    with app.app_context():
        fold_all(write_session)

    def shown(channel, row_key):
        with app.test_request_context("/?lang=vi"):
            request = ReportRequest(
                period=Period.parse("2026"),
                questionnaire_key=key,
                agency=db.session.get(Agency, ids["A"]),
                channel=channel,
            )
            report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
            assert report.overview.responses is not None
            return next(row.n for row in report.criteria if row.key == row_key)

    return shown


def test_a_criterion_few_answered_by_kiosk_is_not_the_agency_less_the_qr_report(app):
    """Commune A's kiosk report hides criterion c (3 answers); its QR report printed c's
    30 beside the unfiltered report's 33: 33 − 30 = 3."""
    scoring = scoring_for_analysis(load_definition(builtin_definitions()["sipas"]))
    criterion = scoring["factors"][0]["criterion_items"][0]
    shown = _few_by_kiosk(app, "sipas", criterion, 5)
    assert shown(None, criterion) == 33
    assert shown(KIOSK, criterion) is None
    assert shown(QR, criterion) is None


def test_an_index_few_rated_by_kiosk_is_not_the_agency_less_the_qr_report(app):
    """The same with a one-stop index (index 1, from the rated handling time): its QR
    report printed the index's 30 dossiers beside the unfiltered 33."""
    shown = _few_by_kiosk(app, "onestop-quick", "result_timeliness", 1)
    assert shown(None, "1") == 33
    assert shown(KIOSK, "1") is None
    assert shown(QR, "1") is None


def test_an_index_of_few_dossiers_in_a_field_is_not_the_agency_less_the_other_fields(app):
    """Imported dossiers returned in 2026: commune A 3 in "Hộ tịch" and 30 in "Đất đai",
    commune B 20 in "Đất đai" (and ratings in both fields scoring no index). Commune A's
    "Hộ tịch" report hides index 2's 3 dossiers; its "Đất đai" report printed 30 beside
    the unfiltered 33."""
    app.config["MIN_GROUP_SIZE"] = MIN
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    fields = ("Hộ tịch", "Đất đai")
    with app.app_context(), write_session() as session:
        version_id, _definition, headline, top, province_id = headline_province(session)
        procedures = {
            field: Procedure(code=f"1.00{n}", name=field, field=field)
            for n, field in enumerate(fields)
        }
        session.add_all(procedures.values())
        rows, answers, dossiers, ids = [], {}, [], {}
        for name, by_field in {"A": {fields[0]: 3, fields[1]: 30}, "B": {fields[1]: 20}}.items():
            commune = make_agency(session, parent_id=province_id)
            ids[name] = commune.id
            desk = make_desk(session, agency=commune)
            official = make_official(session, desk, name=name)
            session.flush()
            for field, count in by_field.items():
                for n in range(count):
                    returned = datetime(2026, 1 + n % 12, 10, 3, 0)
                    dossiers.append(
                        {
                            "code_hash": f"{name}-{field}-{n}",
                            "agency_id": commune.id,
                            "official_id": official.id,
                            "procedure_id": procedures[field].id,
                            "received_dt": returned - timedelta(days=5),
                            "due_dt": returned + timedelta(days=1),
                            "returned_dt": returned,
                        }
                    )
                for n in range(10):
                    day = datetime(2026, 1 + n, 12, 3, 0)
                    row, given = headline_row(
                        version_id, commune.id, desk.id, official.id, day, headline, top
                    )
                    row["procedure_id"] = procedures[field].id
                    row["body_hash"] = canonical_body_hash({"answers": given, **row})
                    rows.append(row)
                    answers[row["uuid"]] = given
        session.execute(insert(Dossier), dossiers)
        store_responses(session, rows, answers)
    with app.app_context():
        fold_all(write_session)

    def index_2(field):
        with app.test_request_context("/?lang=vi"):
            request = ReportRequest(
                period=Period.parse("2026"),
                questionnaire_key="onestop-quick",
                agency=db.session.get(Agency, ids["A"]),
                procedure_field=field,
            )
            report = build_report(db.session, request, None, date(2027, 1, 5), with_comments=False)
            assert report.overview.responses is not None
            return next(row.n for row in report.criteria if row.key == "2")

    assert index_2(None) == 33
    assert index_2(fields[0]) is None
    assert index_2(fields[1]) is None
