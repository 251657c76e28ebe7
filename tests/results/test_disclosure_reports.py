"""Issue 21 over the test data: the criteria and one-stop indices of the province's report
and of each ward's, played against each other, and each report's files read back.

Each criterion's answers (each index's dossiers) in a report are the sum over its
agencies; a reader holding every report knows each shown count and each report's links
(a factor index is the mean of its criteria, the one-stop total the sum of its indices).
Linear programming finds no small count pinned down by the reports together, no small
criterion or index narrowed below its protection by its own report's links, and the
CSV, XLSX and PDF of every report print "ẩn" where the report hides a figure and state
the rule in their method notes.
"""

import csv
import io
from datetime import date

import numpy as np
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from analysis import hidden_cell_intervals
from survey.db import db
from survey.org.models import Agency
from survey.results import downloads
from survey.results.disclosure import ONESTOP_TOTAL, hidden_in_scopes
from survey.results.filters import Period, ReportFilter
from survey.results.overview import satisfaction_overview
from survey.results.report import ReportRequest, build_report
from tests.results.dataset import build_organisation, submit

PERIOD = Period.parse("2026")


@pytest.fixture
def organisation(app_context):
    organisation = build_organisation()
    submit(organisation, responses=400, seed=9)
    return organisation


def _minimum(organisation, key):
    """A rule that hides some criteria or indices of the wards and no ward's report
    whole: the fewest responses, or answers to the overall question, of a ward (an index
    or criterion has fewer answers when some citizens skipped it or answered "not
    applicable")."""
    definition = organisation.definitions[key]
    versions = frozenset({organisation.version_ids[key]})
    overviews = [
        satisfaction_overview(
            db.session,
            ReportFilter(PERIOD, agency_ids=frozenset({ward}), questionnaire_version_ids=versions),
            definition,
            min_group_size=1,
            min_ratings_for_ranking=1,
        )
        for ward in organisation.agency_ids[1:]
    ]
    return min(min(o.responses, o.headline.n) for o in overviews)


def _reports(app, organisation, key, minimum):
    app.config["MIN_GROUP_SIZE"] = minimum
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    scopes = [None, *organisation.agency_ids[1:]]
    reports = []
    with app.test_request_context("/?lang=vi"):
        for agency_id in scopes:
            agency = None if agency_id is None else db.session.get(Agency, agency_id)
            request = ReportRequest(period=PERIOD, questionnaire_key=key, agency=agency)
            report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
            files = downloads.report_csv(report), downloads.report_xlsx(report)
            reports.append((report, files, downloads.report_pdf(report)))
    members = [set(organisation.agency_ids), *({ward} for ward in organisation.agency_ids[1:])]
    return reports, members


def _true_counts(report):
    """Each criterion's answers (index's dossiers) in the report, hidden or not."""
    counts = {}
    if report.overview.sipas is not None:
        for factor in report.overview.sipas.factors:
            for criterion in factor.criteria:
                counts[str(criterion.criterion)] = criterion.n
    if report.overview.onestop is not None:
        for index in report.overview.onestop.indices:
            counts[str(index.number)] = index.dossiers
    return counts


@pytest.mark.parametrize("key", ["sipas", "onestop-quick"])
def test_no_small_criterion_or_index_follows_from_all_the_reports_together(app, organisation, key):
    minimum = _minimum(organisation, key)
    # the true counts, from the same reports with nothing hidden (a report that withholds
    # its totals shows no criterion)
    true = [_true_counts(report) for report, _f, _p in _reports(app, organisation, key, 1)[0]]
    reports, members = _reports(app, organisation, key, minimum)
    # the own agency of the province (its responses outside the wards) and each ward
    agencies = organisation.agency_ids
    parts = {}
    for figure in true[0]:
        wards = [true[k].get(figure, 0) for k in range(1, len(reports))]
        parts[figure] = [true[0][figure] - sum(wards), *wards]
    checked = 0
    for figure, by_agency in parts.items():
        values, hidden, lower, upper, relations = (
            list(by_agency),
            [True] * len(agencies),
            [],
            [],
            [],
        )
        lower, upper = [0] * len(agencies), [np.inf] * len(agencies)
        small = [False] * len(agencies)
        for (report, _files, _pdf), inside in zip(reports, members, strict=True):
            row = next((row for row in report.criteria if row.key == figure), None)
            if row is None:
                continue
            value = sum(v for a, v in zip(agencies, by_agency, strict=True) if a in inside)
            assert row.n in (None, value)
            is_small = 0 < value < minimum
            assert row.hidden is not None or not is_small
            values.append(value)
            hidden.append(row.hidden is not None)
            small.append(is_small)
            lower.append(1 if is_small else 0)
            upper.append(minimum - 1 if is_small else np.inf)
            tied = {agencies.index(a): -1 for a in inside}
            relations.append(({len(values) - 1: 1, **tied}, 0))
        low, high = hidden_cell_intervals(values, hidden, relations, lower, upper)
        checked += sum(small)
        assert np.all((high - low)[np.array(small)] >= 1), figure
    assert checked  # the rule hides some criteria or indices
    for report, files, pdf in reports:
        _check_links(report, minimum)
        _check_files(report, files, pdf)


def _check_links(report, minimum):
    """Within one report: a hidden small criterion (index) keeps its protection width
    against the factor indices (the one-stop total) the report shows."""
    rows = {row.key: row for row in report.criteria}
    if report.overview.sipas is not None:
        factors = {row.key: row for row in report.factors}
        for factor in report.overview.sipas.factors:
            keys = [str(c.criterion) for c in factor.criteria if c.rate is not None]
            rates = [c.rate for c in factor.criteria if c.rate is not None]
            ns = [c.n for c in factor.criteria if c.rate is not None]
            published = factors[factor.factor].index
            hidden = [rows[k].hidden is not None for k in keys]
            _audit_mean(hidden, rates, ns, published, 100.0, minimum)
    if report.overview.onestop is not None:
        indices = report.overview.onestop.indices
        hidden = [rows[str(i.number)].hidden is not None for i in indices]
        total = report.overview.onestop.agency_total
        if ONESTOP_TOTAL in report.hidden_figures:
            total = None
        scores = [i.score for i in indices]
        dossiers = [i.dossiers for i in indices]
        _audit_mean(hidden, scores, dossiers, total, 2.0, minimum, weight=1.0)


def _audit_mean(hidden, values, ns, published, scale, minimum, weight=None):
    if published is None or not any(hidden):
        return
    k = len(values) if weight is None else weight
    relation = ({i: 1.0 for i in range(len(values))}, k * published)
    low, high = hidden_cell_intervals(values, hidden, [relation], 0, scale, integral=False)
    for i, n in enumerate(ns):
        if hidden[i] and 0 < n < minimum:
            assert high[i] - low[i] >= scale / minimum - 1e-6


def _check_files(report, files, pdf):
    csv_bytes, xlsx_bytes = files
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    sheet_rows = [
        list(row)
        for sheet in load_workbook(io.BytesIO(xlsx_bytes)).worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for criterion in report.criteria:
        in_csv = [row for row in rows if criterion.text in row and criterion.group in row]
        in_xlsx = [row for row in sheet_rows if criterion.text in row and criterion.group in row]
        assert in_csv and in_xlsx
        if criterion.hidden is not None:
            assert in_csv[0][2] == in_csv[0][5] == "ẩn"
            assert in_xlsx[0][2] == in_xlsx[0][5] == "ẩn"
        else:
            assert in_xlsx[0][5] == criterion.n
    rule = "được ẩn trong mọi báo cáo có số liệu đó"
    assert any(rule in " ".join(row) for row in rows)
    assert any(rule in " ".join(str(c) for c in row if c) for row in sheet_rows)
    assert "Để bảo vệ người trả lời" in pdf_text


def test_a_small_criterion_of_an_agency_is_not_the_provinces_less_the_others():
    # Commune A: 3 answers to a criterion, B: 20; the province (no answers of its own)
    # 23. Decided report by report, A's report hides its 3 and the others show 23 and
    # 20. Decided over every scope at once, the province's or B's is hidden too.
    parts = np.array([[3, 30], [20, 20]])
    decided = hidden_in_scopes(parts, [[0, 1], [0], [1]], 5)
    assert decided[(0,), 0] and (decided[(0, 1), 0] or decided[(1,), 0])
    assert not decided[(0,), 1] and not decided[(0, 1), 1]
    # the audit: A's and B's counts unknown, each scope's figure their sum if shown
    values = [3, 20, 23, 3, 20]
    hidden = [True, True, decided[(0, 1), 0], True, decided[(1,), 0]]
    relations = [({2: 1, 0: -1, 1: -1}, 0), ({3: 1, 0: -1}, 0), ({4: 1, 1: -1}, 0)]
    low, high = hidden_cell_intervals(
        values, hidden, relations, [0, 0, 0, 1, 0], [np.inf, np.inf, np.inf, 4, np.inf]
    )
    assert high[3] - low[3] >= 1
