"""The public results page: no sign-in, suppressed, cacheable, officials only when enabled."""

from __future__ import annotations

import re
from collections import OrderedDict

import pytest

from survey.db import db, write_session
from survey.i18n import format_number
from survey.org.models import Agency
from survey.questionnaires.definition import scoring_for_analysis
from survey.results import public
from survey.results.counts import counts_generation, fold_all
from survey.results.filters import Dimension, Period, ReportFilter
from survey.results.public import _quarter_result
from survey.results.queries import LevelCounts
from survey.results.versions import latest_definition
from tests.results.dataset import (
    province_total,
    queue_one_sipas_response,
    reference_response_counts,
    submit,
)
from tests.results.test_routes import vietnamese


def quarter_counts(world, quarter):
    selection = ReportFilter(
        Period.quarter(2026, quarter),
        questionnaire_version_ids={world.organisation.version_ids["sipas"]},
    )
    return reference_response_counts(world.responses, selection, Dimension.AGENCY)


@pytest.fixture
def computed(monkeypatch) -> list[int]:
    """The year of each computation of the public page's figures, in order (each call of
    ``_public_results``, which a kept page does not make)."""
    years: list[int] = []
    original = public._public_results

    def counting(*args):
        years.append(args[1])
        return original(*args)

    monkeypatch.setattr(public, "_public_results", counting)
    return years


def test_anyone_sees_each_agency_by_quarter(app, client, results_world):
    response = client.get("/results?year=2026")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    text = response.get_data(as_text=True)
    assert "Công khai kết quả đánh giá sự hài lòng" in text
    assert "Tỉnh thử nghiệm" in text and "Chỉ số hài lòng" in text
    assert "Cách tính các số liệu" in text
    rows = re.findall(r'id="agency-(\d+)".*?Số phiếu</th>(.*?)</tr>', text, re.DOTALL)
    assert len(rows) == 3
    shown = 0
    for agency_id, cells in rows:
        for quarter, cell in enumerate(re.findall(r'<td class="number"[^>]*>(.*?)</td>', cells), 1):
            expected = quarter_counts(results_world, quarter).get(int(agency_id), 0)
            assert cell in ("ẩn", vietnamese(app, format_number, expected))
            shown += cell != "ẩn" and expected > 0
    assert shown >= 2
    # Officials are not published unless the administrator turns it on.
    assert "Công chức năm 2026" not in text


def test_small_quarters_are_hidden_with_their_complements(app, client, results_world):
    app.config["MIN_GROUP_SIZE"] = 20
    text = client.get("/results?year=2026").get_data(as_text=True)
    hidden = len(re.findall(r'<td class="number"[^>]*>ẩn</td>', text))
    small = [
        n
        for quarter in (1, 2, 3, 4)
        for n in quarter_counts(results_world, quarter).values()
        if 0 < n < 20
    ]
    assert small and hidden >= len(small) and hidden >= 2


def test_official_results_only_when_published(app, client, results_world):
    app.config["PUBLISH_OFFICIAL_RESULTS"] = True
    app.config["MIN_RATINGS_FOR_RANKING"] = 5
    text = client.get("/results?year=2026&questionnaire=onestop-quick").get_data(as_text=True)
    assert "Công chức năm 2026" in text and "Cán bộ 0" in text


def test_the_page_speaks_khmer(client, results_world):
    text = client.get("/results?year=2026&lang=km").get_data(as_text=True)
    assert "លទ្ធផលនៃការពេញចិត្តដែលបានផ្សព្វផ្សាយ" in text
    assert "របៀបគណនាតួលេខទាំងនេះ" in text


def test_bad_choices_get_a_clear_message(client, results_world):
    for query in ("year=abc", "year=1850", "year=" + "9" * 999, "questionnaire=x", "year=2026%00"):
        response = client.get(f"/results?{query}")
        assert response.status_code == 400, query
        assert re.search("Xin chọn (một năm|một phiếu khảo sát)", response.get_data(as_text=True))
    assert client.get("/results?year=2031").status_code == 200
    assert client.post("/results").status_code == 405


def test_the_home_page_leads_to_the_published_results(client):
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/results">Xem kết quả công khai', home)


def test_the_province_comes_first_and_every_interval_is_labelled(app, client, results_world):
    text = client.get("/results?year=2026").get_data(as_text=True)
    headline = text.index('id="province-heading"')
    assert headline < text.index('id="agency-') and headline < text.index("<form")
    total = sum(sum(quarter_counts(results_world, quarter).values()) for quarter in (1, 2, 3, 4))
    figures = text[headline : text.index("</section>", headline)]
    assert "Toàn tỉnh năm 2026" in figures
    assert f"<strong>{vietnamese(app, format_number, total)}</strong>" in figures
    intervals = re.findall(r'<span class="interval">(.*?)</span>', text)
    assert len(intervals) > 10
    assert all(re.fullmatch(r"KTC 95\xa0%: [\d,]+\xa0% – [\d,]+\xa0%", i) for i in intervals)
    # On a phone each figure says which quarter it is (the table stacks).
    assert 'data-label="Quý 2/2026"' in text


def test_the_figures_are_kept_until_the_data_changes(app, client, results_world, computed):
    first = client.get("/results?year=2026").get_data(as_text=True)
    assert client.get("/results?year=2026").get_data(as_text=True) == first
    assert computed == [2026]
    # A new response changes the counts the page is made of: it is computed again.
    with app.app_context():
        submit(results_world.organisation, responses=10, seed=77)
    client.get("/results?year=2026")
    assert computed == [2026, 2026]
    client.get("/results?year=2026&lang=en")
    assert len(computed) == 3


def test_a_quarter_rate_on_fewer_than_five_answers_is_not_published(app):
    # Issue 21, case 5: six responses, four answers to the rated question.
    with app.app_context():
        definition = latest_definition(db.session, "onestop-quick")
        key = scoring_for_analysis(definition)["headline_item"]
        satisfied = scoring_for_analysis(definition)["satisfied_values"][key][0]
        quarter = Period.quarter(2026, 1)

        def result(answers):
            by_item = {key: LevelCounts({satisfied: answers})}
            return _quarter_result(db.session, definition, set(), quarter, 1, 6, False, by_item, 5)

        assert result(4).headline is None and result(4).responses == 6
        assert result(5).headline is not None and result(5).headline.n == 5


@pytest.mark.parametrize("flagged", [False, True])
def test_every_process_sees_a_new_response_once_folded(
    app, client, results_world, monkeypatch, computed, flagged
):
    """Each gunicorn worker keeps its own figures: the key read from the database (the
    count tables' generation) must change in all of them, whoever stored and folded."""
    workers = [OrderedDict(), OrderedDict()]
    before = []
    for kept in workers:
        monkeypatch.setitem(app.extensions, "survey.public_figures", kept)
        before.append(client.get("/results?year=2026").get_data(as_text=True))
        assert client.get("/results?year=2026").get_data(as_text=True) == before[-1]
    assert before[0] == before[1] and len(computed) == 2
    with app.app_context():
        generation = counts_generation(db.session)
        db.session.rollback()  # read again after the fold's commit
        queue_one_sipas_response(results_world.organisation, flagged=flagged)
        fold_all(write_session)  # as another process's fold
        assert counts_generation(db.session) == generation + 1
    for kept, old in zip(workers, before, strict=True):
        monkeypatch.setitem(app.extensions, "survey.public_figures", kept)
        text = client.get("/results?year=2026").get_data(as_text=True)
        # A flagged response is not counted: the same figures, computed again.
        assert province_total(text) - province_total(old) == (0 if flagged else 1)
    assert len(computed) == 4


def test_a_renamed_agency_is_renamed_on_every_kept_page(app, client, results_world, monkeypatch):
    """The kept figures name the agencies: a new name is a new generation, so every
    process (each with its own kept figures) shows it on its next page."""
    workers = [OrderedDict(), OrderedDict()]
    for kept in workers:
        monkeypatch.setitem(app.extensions, "survey.public_figures", kept)
        assert "Phường Đổi Tên Mới" not in client.get("/results?year=2026").get_data(as_text=True)
    with app.app_context(), write_session() as session:
        session.get(Agency, results_world.organisation.agency_ids[1]).name = "Phường Đổi Tên Mới"
    for kept in workers:
        monkeypatch.setitem(app.extensions, "survey.public_figures", kept)
        assert "Phường Đổi Tên Mới" in client.get("/results?year=2026").get_data(as_text=True)


def test_an_empty_fold_keeps_the_figures(app, client, results_world, computed):
    client.get("/results?year=2026")
    with app.app_context():
        generation = counts_generation(db.session)
        db.session.rollback()
        assert fold_all(write_session, refresh_seconds=0) == 0
        assert counts_generation(db.session) == generation
    client.get("/results?year=2026")
    assert computed == [2026]
