"""The dashboards: numbers against an independent count of the raw rows, scope, bad filters."""

from __future__ import annotations

import html
import re

import pytest

from analysis import satisfaction_rate, sipas_index
from survey.i18n import format_number, format_percent
from survey.questionnaires.definition import scoring_for_analysis
from survey.results.filters import Period, ReportFilter
from tests.results.dataset import reference_level_counts, reference_response_counts

PERIOD = "2026-Q1"
PAGES = ("", "agencies", "officials", "criteria")


def reference_headline(world, key, agency_ids=None):
    """(responses, satisfaction rate) of the overall question, counted in plain Python."""
    versions = {world.organisation.version_ids[key]}
    selection = ReportFilter(
        Period.parse(PERIOD), agency_ids=agency_ids, questionnaire_version_ids=versions
    )
    n = sum(reference_response_counts(world.responses, selection).values())
    counts = reference_level_counts(world.responses, selection, ["overall_satisfaction"])[None]
    levels = (1, 2, 3) if key == "onestop-quick" else (1, 2, 3, 4, 5)
    satisfied = (2, 3) if key == "onestop-quick" else (4, 5)
    rate = satisfaction_rate(
        [counts["overall_satisfaction"][0][level] for level in levels], levels, satisfied
    )
    return n, rate


def vietnamese(app, function, *args):
    with app.test_request_context("/?lang=vi"):
        return function(*args)


@pytest.mark.parametrize("key", ["onestop-quick", "sipas"])
def test_the_overview_shows_the_numbers_of_the_raw_answers(app, results_world, officer, key):
    page = officer().get(f"/officer/results/?period={PERIOD}&questionnaire={key}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    n, rate = reference_headline(results_world, key)
    assert f"<strong>{vietnamese(app, format_number, n)}</strong>" in text
    assert vietnamese(app, format_percent, rate.rate * 100) in text
    assert vietnamese(app, format_percent, rate.ci.low * 100) in text
    assert "<svg" in text and "<table" in text
    # No inline style or script (the Content-Security-Policy): scripts are files.
    assert "style=" not in text and re.search(r"<script(?![^>]*\bsrc=)", text) is None


def test_the_sipas_index_matches_the_published_method(app, results_world, officer):
    page = (
        officer()
        .get(f"/officer/results/?period={PERIOD}&questionnaire=sipas")
        .get_data(as_text=True)
    )
    definition = results_world.organisation.definitions["sipas"]
    scoring = scoring_for_analysis(definition)
    selection = ReportFilter(
        Period.parse(PERIOD),
        questionnaire_version_ids={results_world.organisation.version_ids["sipas"]},
    )
    keys = [k for f in scoring["factors"] for k in (*f["criterion_items"], f["overall_item"])]
    counts = reference_level_counts(results_world.responses, selection, keys)[None]
    expected = sipas_index(
        {
            f["key"]: {k: dict(counts[k][0]) for k in f["criterion_items"]}
            for f in scoring["factors"]
        },
        (4, 5),
        {f["key"]: dict(counts[f["overall_item"]][0]) for f in scoring["factors"]},
    )
    assert f"<strong>{vietnamese(app, format_percent, expected.index)}</strong>" in page
    for factor in expected.factors:
        assert vietnamese(app, format_percent, factor.index) in page
    assert "Chỉ số hài lòng (SIPAS)" in page


@pytest.mark.parametrize("page", PAGES)
def test_every_page_answers_for_both_questionnaires(results_world, officer, page):
    client = officer()
    for key in ("sipas", "onestop-quick"):
        for period in ("2026", "2026-02", PERIOD):
            response = client.get(f"/officer/results/{page}?period={period}&questionnaire={key}")
            assert response.status_code == 200, (page, key, period)


def test_a_scoped_officer_sees_only_their_subtree(app, results_world, officer):
    client = officer("agency_manager")
    assert client.get(f"/officer/results/?agency={results_world.province_id}").status_code == 404
    other_ward = results_world.organisation.agency_ids[2]
    assert client.get(f"/officer/results/agencies?agency={other_ward}").status_code == 404
    page = client.get(f"/officer/results/?period={PERIOD}&questionnaire=onestop-quick")
    n, _rate = reference_headline(results_world, "onestop-quick", {results_world.ward_id})
    assert f"<strong>{vietnamese(app, format_number, n)}</strong>" in page.get_data(as_text=True)
    # A desk or official of another agency is as unknown as one that does not exist.
    other_desk = results_world.organisation.desk_ids[2]
    assert client.get(f"/officer/results/?service_point={other_desk}").status_code == 404
    assert client.get("/officer/results/?official=987654").status_code == 404


def test_open_comments_only_for_roles_entitled_to_responses(results_world, officer):
    query = f"/officer/results/criteria?period={PERIOD}&questionnaire=onestop-quick"
    assert "Góp ý" in officer("agency_manager").get(query).get_data(as_text=True)
    viewer_page = officer("viewer").get(query).get_data(as_text=True)
    assert "Góp ý" not in viewer_page and "Ý kiến góp ý" not in viewer_page
    assert "Toàn bộ phiếu (CSV)" not in viewer_page


@pytest.mark.parametrize("period", ["Quý 1/2026", "quý I/2026", "Q1/2026", "2026-Q1"])
def test_the_period_is_read_as_officers_write_it(results_world, officer, period):
    page = officer().get("/officer/results/", query_string={"period": period})
    assert page.status_code == 200
    assert "<dd>Quý 1/2026</dd>" in page.get_data(as_text=True)


def test_officials_with_too_few_ratings_are_not_ranked(app, results_world, officer):
    app.config["MIN_RATINGS_FOR_RANKING"] = 10_000
    page = officer().get(f"/officer/results/officials?period={PERIOD}&questionnaire=onestop-quick")
    text = page.get_data(as_text=True)
    assert "Công chức có quá ít lượt đánh giá để xếp hạng" in text
    assert "Quá ít lượt đánh giá (dưới 10.000)" in text
    assert "Quá ít hồ sơ được chấm điểm (" in text  # the Circular 01/2018 table
    for tier in ("Cao hơn rõ rệt", "Thấp hơn rõ rệt", "Không phân biệt được"):
        assert tier not in text


def _rows(html: str, caption: str) -> list[list[str]]:
    """The cells of the table with ``caption``, as text."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    ]


def test_the_funnel_plot_names_every_agency_and_refers_to_the_table(app, results_world, officer):
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    client = officer()
    query = f"period={PERIOD}&questionnaire=onestop-quick"
    text = html.unescape(client.get(f"/officer/results/agencies?{query}").get_data(as_text=True))
    (funnel,) = [svg for svg in re.findall(r"<svg.*?</svg>", text, re.S) if "Biểu đồ phễu" in svg]
    assert ">Số câu trả lời</text>" in funnel and ">Tỷ lệ hài lòng</text>" in funnel
    assert re.search(r">Toàn tỉnh: \d+,\d\u00a0%</text>", funnel)
    points = re.findall(r"<circle [^>]*><title>(\d+)\. ([^:<]+): ", funnel)
    rows = _rows(text, "Các cơ quan, đơn vị, cao nhất trước")
    assert len(points) == len(rows) >= 2
    # Point n is row n of the table: same number, same name.
    assert sorted((int(n), name) for n, name in points) == [(int(row[0]), row[2]) for row in rows]
    for number, _name in points:
        assert f">{number}</text>" in funnel
    tiers = {
        "Cao hơn rõ rệt so với toàn tỉnh",
        "Không phân biệt được với toàn tỉnh",
        "Thấp hơn rõ rệt so với toàn tỉnh",
    }
    assert all(row[-1] in tiers for row in rows)
    flagged = [
        f"{row[0]}. {row[2]}" for row in rows if row[-1] != "Không phân biệt được với toàn tỉnh"
    ]
    sentences = re.findall(r'<p class="flagged">(.*?)</p>', text)
    if flagged:
        assert all(any(name in sentence for sentence in sentences) for name in flagged)
    else:
        assert sentences == ["Không có đơn vị nào cao hơn hoặc thấp hơn rõ rệt so với toàn tỉnh."]
    assert "Thứ hạng được ghi thành khoảng" in text


def test_an_agency_below_the_minimum_is_listed_apart_never_plotted(app, results_world, officer):
    client = officer()
    query = f"period={PERIOD}&questionnaire=onestop-quick"
    app.config["MIN_RATINGS_FOR_RANKING"] = 1
    everyone = _rows(
        html.unescape(client.get(f"/officer/results/agencies?{query}").get_data(as_text=True)),
        "Các cơ quan, đơn vị, cao nhất trước",
    )
    smallest = min(everyone, key=lambda row: int(row[3].replace(".", "")))
    app.config["MIN_RATINGS_FOR_RANKING"] = int(smallest[3].replace(".", "")) + 1
    text = html.unescape(client.get(f"/officer/results/agencies?{query}").get_data(as_text=True))
    apart = _rows(text, "Cơ quan, đơn vị có quá ít lượt đánh giá để xếp hạng")
    assert smallest[2] in [row[0] for row in apart]
    assert smallest[2] not in [row[2] for row in _rows(text, "Các cơ quan, đơn vị, cao nhất trước")]
    assert f". {smallest[2]}: " not in text  # not a point of the funnel plot


def test_small_selections_are_suppressed(app, results_world, officer):
    app.config["MIN_GROUP_SIZE"] = 10_000
    text = officer().get(f"/officer/results/?period={PERIOD}").get_data(as_text=True)
    assert "không hiển thị kết quả, để bảo vệ người trả lời" in text
    assert "<svg" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2026-Q9", "Xin ghi kỳ báo cáo"),
        ("period=abc", "Xin ghi kỳ báo cáo"),
        ("period=1200", "Xin chọn một năm từ 2000 đến 2100"),
        ("first_day=31/02/2026&last_day=01/03/2026", "Xin ghi một ngày có thật"),
        ("first_day=01/01/9999&last_day=02/01/9999", "Xin ghi một ngày có thật"),
        ("first_day=10/03/2026&last_day=01/03/2026", "Ngày kết thúc đứng trước ngày bắt đầu"),
        ("first_day=01/01/2000&last_day=01/01/2026", "gồm trọn các tháng trong cùng một năm"),
        ("first_day=03/01/2026&last_day=09/01/2026", "làm lộ câu trả lời của từng người"),
        ("first_day=01/12/2025&last_day=31/01/2026", "gồm trọn các tháng trong cùng một năm"),
        ("first_day=01/03/2026", "Xin ghi cả ngày cuối"),
        ("last_day=01/03/2026", "Xin ghi cả ngày đầu"),
        ("as_of=yesterday", "Xin ghi một ngày có thật"),
        ("agency=abc", "Xin chọn một mục trong danh sách"),
        ("agency=-1", "Xin chọn một mục trong danh sách"),
        ("agency=99999999999999999999", "Xin chọn một mục trong danh sách"),
        ("channel=fax", "Xin chọn một kênh"),
        ("respondent_type=robot", "Xin chọn một mục"),
        ("procedure_field=Nope", "Không có lĩnh vực này"),
        ("version=v1", "Xin chọn một mục"),
        ("trend_by=week", "Xin chọn một mục"),
        ("questionnaire=x", "Xin chọn một phiếu khảo sát"),
        ("merged=both", "Xin chọn một mục"),
        ("period=" + "9" * 5000, "Giá trị này quá dài"),
        ("period=2026-Q1%00", "Xin ghi kỳ báo cáo"),
    ],
)
def test_bad_filters_get_a_clear_message(results_world, officer, query, message):
    client = officer()
    for page in PAGES:
        response = client.get(f"/officer/results/{page}?{query}")
        assert response.status_code == 400, (page, query)
        assert message in response.get_data(as_text=True)
    for download in ("report.pdf", "report.csv", "report.xlsx", "responses.csv"):
        assert client.get(f"/officer/results/{download}?{query}").status_code == 400


def test_the_circular_01_classification_is_in_the_readers_language(results_world, officer):
    bands = results_world.organisation.definitions["onestop-quick"].scoring.onestop.classification
    client = officer()
    not_yet = {"vi": "Chưa đủ chỉ số để xếp loại", "en": "Not yet enough indices to classify"}
    for language in ("vi", "en"):
        query = f"period={PERIOD}&questionnaire=onestop-quick&lang={language}"
        overview = client.get(f"/officer/results/?{query}").get_data(as_text=True)
        # Four of the nine indices have data: the agency total gets no band, in any language.
        assert not any(f">{label[language]}</span>" in overview for *_, label in bands)
        assert not_yet[language] in overview
        # Issue 21: the agency's bands are never put on an official.
        officials = client.get(f"/officer/results/officials?{query}").get_data(as_text=True)
        assert "points (" in officials or "điểm (" in officials
        assert not any(label[language] in officials for _minimum, _key, label in bands)


def test_unknown_things_are_404_and_junk_language_is_ignored(results_world, officer):
    client = officer()
    assert client.get("/officer/results/?agency=987654").status_code == 404
    assert client.get("/officer/results/?version=987654").status_code == 404
    assert client.get("/officer/results/report.docx").status_code == 404
    response = client.get("/officer/results/?lang=%3Cscript%3E" + "x" * 3000)
    assert response.status_code == 200
    assert "Tổng quan kết quả" in response.get_data(as_text=True)


def test_the_officer_must_sign_in(client, results_world):
    response = client.get("/officer/results/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
