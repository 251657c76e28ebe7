"""A known data set for the results tests, and an independent reference computed in Python.

The data go through ``store_responses`` (the one write path) and the count tables are
folded from its queue, as in production. The reference reads the raw rows into Python and counts
them with plain loops: a second computation that shares no SQL with the code under test.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import select

from analysis import hidden_cell_intervals
from survey.collect.models import Answer, Channel, RespondentType, Response
from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, write_session
from survey.org.models import Procedure
from survey.questionnaires.definition import load_definition, scoring_for_analysis
from survey.results.counts import fold_all
from survey.results.filters import Dimension, Period, ReportFilter, vietnam_local_date
from survey.results.overview import decided_in_year
from survey.results.period_units import year_periods
from tests.factories import make_agency, make_desk, make_official, make_published_version

#: Moments around the Vietnam-local month boundary: 23:30 UTC on the 31st is the 1st locally.
BOUNDARY_MOMENTS = (datetime(2026, 1, 31, 16, 59), datetime(2026, 1, 31, 17, 0))


@dataclass
class Organisation:
    agency_ids: list[int]
    desk_ids: list[int]
    official_ids: list[int]
    procedure_ids: list[int]
    version_ids: dict[str, int]
    definitions: dict


def build_organisation() -> Organisation:
    with write_session() as session:
        province = make_agency(session, name="Tỉnh thử nghiệm", kind="UBND tỉnh")
        wards = [make_agency(session, parent_id=province.id) for _ in range(2)]
        desks = [make_desk(session, agency=agency) for agency in (province, *wards)]
        officials = [
            make_official(session, desk, name=f"Cán bộ {n}") for n, desk in enumerate(desks)
        ]
        officials.append(make_official(session, desks[0], name="Cán bộ mới"))
        procedures = [
            Procedure(code=f"TEST-{n}", name=f"Thủ tục {n}", field=field)
            for n, field in enumerate(["Hộ tịch", "Đất đai", "Hộ tịch"])
        ]
        session.add_all(procedures)
        session.flush()
        versions = {key: make_published_version(session, key) for key in ("sipas", "onestop-quick")}
        return Organisation(
            agency_ids=[province.id, *(ward.id for ward in wards)],
            desk_ids=[desk.id for desk in desks],
            official_ids=[official.id for official in officials],
            procedure_ids=[procedure.id for procedure in procedures],
            version_ids={key: version.id for key, version in versions.items()},
            definitions={
                key: load_definition(version.definition) for key, version in versions.items()
            },
        )


def random_submission(rng: random.Random, organisation: Organisation, number: int):
    """One response row and its answers, varied in every dimension the reports use."""
    key = "sipas" if rng.random() < 0.3 else "onestop-quick"
    definition = organisation.definitions[key]
    desk = rng.randrange(len(organisation.desk_ids))
    if number < len(BOUNDARY_MOMENTS):
        submitted = BOUNDARY_MOMENTS[number]
    else:
        submitted = datetime(2025, 11, 1) + timedelta(minutes=rng.randrange(200 * 24 * 60))
    answers = []
    for item in definition.items:
        roll = rng.random()
        if roll < 0.1:
            continue
        if item.type == "text":
            answers.append(
                {"item_key": item.key, "value": None, "text": "Góp ý", "is_not_applicable": False}
            )
        elif item.allow_not_applicable and roll < 0.2:
            answers.append(
                {"item_key": item.key, "value": None, "text": None, "is_not_applicable": True}
            )
        else:
            # Skewed towards satisfied answers, as real data are.
            values = sorted(item.scale.values)
            value = values[min(len(values) - 1, int(len(values) * rng.random() ** 0.6))]
            answers.append(
                {"item_key": item.key, "value": value, "text": None, "is_not_applicable": False}
            )
    row = {
        "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
        "questionnaire_version_id": organisation.version_ids[key],
        "channel": rng.choice(list(Channel)),
        "agency_id": organisation.agency_ids[desk],
        "service_point_id": organisation.desk_ids[desk] if rng.random() < 0.9 else None,
        "official_id": (
            rng.choice([organisation.official_ids[desk], organisation.official_ids[-1]])
            if rng.random() < 0.8
            else None
        ),
        "procedure_id": rng.choice([*organisation.procedure_ids, None]),
        "respondent_type": rng.choice([*RespondentType, None]),
        "language": "vi",
        "submitted_dt": submitted,
        "is_flagged": rng.random() < 0.08,
    }
    row["body_hash"] = canonical_body_hash({"answers": answers, **row})
    return row, answers


class HeadlineProvince(NamedTuple):
    """A published one-stop quick questionnaire, its headline item and that item's top
    value, and a province to build communes under (:func:`headline_province`)."""

    version_id: int
    definition: object
    headline: str
    top: int
    province_id: int


def headline_province(session) -> HeadlineProvince:
    version = make_published_version(session, "onestop-quick")
    definition = load_definition(version.definition)
    headline = scoring_for_analysis(definition)["headline_item"]
    top = max(definition.item(headline).scale.values)
    province = make_agency(session, name="Tỉnh", kind="UBND tỉnh")
    return HeadlineProvince(version.id, definition, headline, top, province.id)


def headline_row(
    version_id, agency_id, desk_id, official_id, day, item_key, value, channel=Channel.KIOSK
):
    """One response (by kiosk unless ``channel``) answering only ``item_key`` with
    ``value``, as :func:`survey.collect.store.store_responses` takes it: (row, answers)."""
    row = {
        "uuid": uuid.uuid4(),
        "questionnaire_version_id": version_id,
        "channel": channel,
        "agency_id": agency_id,
        "service_point_id": desk_id,
        "official_id": official_id,
        "procedure_id": None,
        "respondent_type": None,
        "language": "vi",
        "submitted_dt": day,
        "is_flagged": False,
    }
    given = [{"item_key": item_key, "value": value, "text": None, "is_not_applicable": False}]
    row["body_hash"] = canonical_body_hash({"answers": given, **row})
    return row, given


def add_headline_rows(
    rows: list, answers: dict, where: tuple, days, item_key, value, channel=Channel.KIOSK
) -> None:
    """Add one response per day of ``days`` (:func:`headline_row`; ``where``: version,
    agency, desk and official ids) to ``rows`` and its answers to ``answers``."""
    for day in days:
        row, given = headline_row(*where, day, item_key, value, channel)
        rows.append(row)
        answers[row["uuid"]] = given


def queue_one_sipas_response(organisation: Organisation, *, flagged: bool = False) -> None:
    """Store one SIPAS response submitted in 2026-Q1 and leave it in the queue: the caller
    folds it (as another process would) or reads the page with it still waiting."""
    rng = random.Random(4242)
    row, answers = random_submission(rng, organisation, 10)
    while row["questionnaire_version_id"] != organisation.version_ids["sipas"]:
        row, answers = random_submission(rng, organisation, 10)
    row |= {"submitted_dt": datetime(2026, 2, 10, 3, 0), "is_flagged": flagged}
    row["body_hash"] = canonical_body_hash({"answers": answers, **row})
    with write_session() as session:
        store_responses(session, [row], {row["uuid"]: answers})


def province_total(page: str) -> int:
    """The number of responses in the province headline of a public results page."""
    headline = page[page.index('id="province-heading"') :]
    return int(re.search(r"<strong>([\d.]+)</strong>", headline).group(1).replace(".", ""))


def store_months(session, version_id, agency_id, desk_id, item_key, months) -> None:
    """Store one kiosk response answering ``item_key`` per value of ``months``: the values
    given in each month of 2026 (the 10th), January first."""
    rows, answers = [], {}
    for month, values in enumerate(months, start=1):
        for value in values:
            day = datetime(2026, month, 10, 3, 0)
            row, given = headline_row(version_id, agency_id, desk_id, None, day, item_key, value)
            rows.append(row)
            answers[row["uuid"]] = given
    store_responses(session, rows, answers)


def submit(organisation: Organisation, responses: int, seed: int = 1, batch: int = 37) -> None:
    """Store ``responses`` random responses in batches, repeating some of them."""
    rng = random.Random(seed)
    submissions = [random_submission(rng, organisation, number) for number in range(responses)]
    for start in range(0, responses, batch):
        chunk = submissions[start : start + batch]
        # A retry of earlier submissions rides along: stored once, counted once.
        chunk += rng.sample(submissions[: start + 1], k=min(3, start + 1))
        unique = {row["uuid"]: (row, answers) for row, answers in chunk}
        with write_session() as session:
            store_responses(
                session,
                [row for row, _ in unique.values()],
                {response_uuid: answers for response_uuid, (_, answers) in unique.items()},
            )
    fold_all(write_session)


# --------------------------------------------------------------------------------------
# The reference: plain Python over the raw rows
# --------------------------------------------------------------------------------------


def raw_responses() -> list[dict]:
    procedures = dict(db.session.execute(select(Procedure.id, Procedure.field)).all())
    answers = defaultdict(list)
    for answer in db.session.scalars(select(Answer)):
        answers[answer.response_id].append(answer)
    result = []
    for response in db.session.scalars(select(Response)):
        day = vietnam_local_date(response.submitted_dt)
        result.append(
            {
                "id": response.id,
                "day": day,
                "agency": response.agency_id,
                "service_point": response.service_point_id,
                "official": response.official_id,
                "procedure_field": procedures.get(response.procedure_id),
                "channel": response.channel,
                "respondent_type": response.respondent_type,
                "version": response.questionnaire_version_id,
                "is_flagged": response.is_flagged,
                "answers": {answer.item_key: answer for answer in answers[response.id]},
            }
        )
    return result


def selected(response: dict, report_filter: ReportFilter) -> bool:
    f = report_filter
    return (
        f.period.start <= response["day"] < f.period.end
        and (f.agency_ids is None or response["agency"] in f.agency_ids)
        and (f.service_point_id is None or response["service_point"] == f.service_point_id)
        and (f.official_id is None or response["official"] == f.official_id)
        and (f.procedure_field is None or response["procedure_field"] == f.procedure_field)
        and (f.channel is None or response["channel"] == f.channel)
        and (f.respondent_type is None or response["respondent_type"] == f.respondent_type)
        and (
            f.questionnaire_version_ids is None
            or response["version"] in f.questionnaire_version_ids
        )
        and (f.include_flagged or not response["is_flagged"])
    )


def group_of(response: dict, dimension: Dimension | None):
    if dimension is None:
        return None
    if dimension is Dimension.MONTH:
        return Period.month(response["day"].year, response["day"].month)
    if dimension is Dimension.QUARTER:
        return Period.quarter(response["day"].year, (response["day"].month + 2) // 3)
    return response[dimension.value if dimension is not Dimension.AGENCY else "agency"]


def reference_level_counts(responses, report_filter, item_keys, dimension=None) -> dict:
    """group → item → (Counter of values, not applicable, texts)."""
    result: dict = {}
    for response in responses:
        if not selected(response, report_filter):
            continue
        items = [key for key in item_keys if key in response["answers"]]
        if not items:
            continue
        group = result.setdefault(
            group_of(response, dimension), {key: [Counter(), 0, 0] for key in item_keys}
        )
        for key in items:
            answer = response["answers"][key]
            if answer.is_not_applicable:
                group[key][1] += 1
            elif answer.text is not None:
                group[key][2] += 1
            else:
                group[key][0][answer.value] += 1
    return result


def reference_response_counts(responses, report_filter, dimension=None) -> Counter:
    return Counter(
        group_of(response, dimension) for response in responses if selected(response, report_filter)
    )


def reference_points(responses, report_filter, organisation, dimension=None) -> dict:
    """group → index → Counter(points), with ``OnestopIndex.points_for`` response by response."""
    result: dict = {}
    by_version = {organisation.version_ids[key]: d for key, d in organisation.definitions.items()}
    for response in responses:
        onestop = by_version[response["version"]].scoring.onestop
        if onestop is None or not selected(response, report_filter):
            continue
        values = {key: answer.value for key, answer in response["answers"].items()}
        for index in onestop.indices:
            points = index.points_for(values)
            if points is not None:
                group = result.setdefault(group_of(response, dimension), {})
                group.setdefault(index.number, Counter())[points] += 1
    return result


def hidden_count_widths(values, figures, minimum: int) -> list[float]:
    """The width of the interval a reader can narrow each hidden small count to, given
    every published count: ``figures`` as (cells, the count or None when hidden) over
    cells of ``values`` (unknown to the reader, at least 0); a hidden count at least 1
    and at most ``minimum - 1`` when small."""
    values = list(values)
    lower, upper = [0.0] * len(values), [np.inf] * len(values)
    relations, small = [], []
    for parts, shown in set(figures):
        if shown is not None:
            relations.append(({i: 1.0 for i in parts}, float(shown)))
            continue
        n = sum(values[i] for i in parts)
        relations.append(({len(values): 1.0, **{i: -1.0 for i in parts}}, 0.0))
        if 0 < n < minimum:
            small.append(len(values))
        lower.append(1.0 if 0 < n < minimum else 0.0)
        upper.append(minimum - 1.0 if 0 < n < minimum else np.inf)
        values.append(n)
    low, high = hidden_cell_intervals(
        np.array(values, dtype=float),
        np.ones(len(values), dtype=bool),
        relations,
        np.array(lower),
        np.array(upper),
    )
    return [high[k] - low[k] for k in small]


def year_unit_figures(year: Period, minimum: int):
    """Every figure the units' decisions of ``year``'s months, quarters and the year
    publish (their responses; None when hidden), as :func:`hidden_count_widths` takes
    them: the counts of cells (agency, desk, official, questionnaire, month) unknown to the
    reader, and each figure's cells with its count."""
    base: dict[tuple, int] = {}
    figures = []
    for period in year_periods(year):
        units = decided_in_year(db.session, ReportFilter(period), minimum).units
        months = [
            m for m in range(1, 13) if period.start <= year.start.replace(month=m) < period.end
        ]
        if len(months) == 1:
            for cell, count in zip(units.cells, units.counts[:, 0], strict=True):
                base[(*cell, months[0])] = int(count)
        for figure, hidden in zip(units.figures, units.hidden, strict=True):
            cells = {units.cells[i] for i in figure.parts}
            count = int(units.counts[list(figure.parts), 0].sum())
            figures.append((cells, months, None if hidden else count))
    keys = list(base)
    parts = [
        (tuple(k for k, key in enumerate(keys) if key[:4] in cells and key[4] in months), shown)
        for cells, months, shown in figures
    ]
    return [base[key] for key in keys], parts


def units_figures(overview, mine, cells) -> list[tuple[tuple[int, ...], int | None]]:
    """The response counts a report's overview publishes, each with its cells (of
    ``cells``, keyed (agency, official, …); ``mine`` the report's): its totals, and its
    agencies' and officials' lines (None when hidden)."""
    figures = [(tuple(mine), overview.responses)]
    figures += [
        (tuple(i for i in mine if cells[i][level] == unit.key), unit.responses)
        for level, units in ((0, overview.agencies), (1, overview.officials))
        for unit in units
    ]
    return figures


def store_staff(app, minimum: int, spec) -> dict[str, int]:
    """Store quick-form responses (``spec``: commune → official, or (desk, official) →
    channel → the days of its responses) under a province, with ``minimum`` the smallest
    group shown; the communes', desks' and officials' ids by name."""
    app.config["MIN_GROUP_SIZE"] = minimum
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    with app.app_context(), write_session() as session:
        version_id, _definition, headline, top, province_id = headline_province(session)
        ids, rows, answers = {}, [], {}
        for commune_name, staff in spec.items():
            commune = make_agency(session, parent_id=province_id)
            ids[commune_name] = commune.id
            desks: dict[str, Any] = {}
            for who, by_channel in staff.items():
                desk_name, name = who if isinstance(who, tuple) else ("", who)
                if desk_name not in desks:
                    desks[desk_name] = make_desk(session, agency=commune)
                    ids[desk_name or f"{commune_name} desk"] = desks[desk_name].id
                desk = desks[desk_name]
                official = make_official(session, desk, name=name)
                ids[name] = official.id
                for channel, days in by_channel.items():
                    where = (version_id, commune.id, desk.id, official.id)
                    add_headline_rows(rows, answers, where, days, headline, top, channel)
        store_responses(session, rows, answers)
    with app.app_context():
        fold_all(write_session)
    return ids
