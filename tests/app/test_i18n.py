"""Language choice, formatting in the reader's style, and a complete Vietnamese catalog."""

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey.cli import _extract
from survey.i18n import format_day, format_percent

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
HEADING_VI = "Mức độ hài lòng của người dân đối với sự phục vụ của cơ quan hành chính"
HEADING_EN = "Citizen satisfaction with public administration"


def test_vietnamese_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert HEADING_VI in page
    assert '<html lang="vi">' in page


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", HEADING_EN),
        ("fr-FR,fr;q=0.9", HEADING_VI),
        ("km-KH", '<html lang="km">'),
        ("x" * 5000, HEADING_VI),
        (";;;q=abc,,,=", HEADING_VI),
    ],
)
def test_accept_language_is_honoured_and_nonsense_ignored(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)


def test_lang_parameter_wins_and_is_remembered(client):
    response = client.get("/?lang=en", headers={"Accept-Language": "vi"})
    assert HEADING_EN in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    later = client.get("/", headers={"Accept-Language": "vi"})
    assert HEADING_EN in later.get_data(as_text=True)


@pytest.mark.parametrize("value", ["xx", "<script>", "vi" * 1000, "", "EN"])
def test_an_unknown_lang_parameter_is_ignored(client, value):
    response = client.get("/", query_string={"lang": value})
    assert response.status_code == 200
    assert HEADING_VI in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_percentages_and_dates_follow_the_reader(app):
    with app.test_request_context("/?lang=vi"):
        assert format_percent(85.34) == "85,3\u00a0%"
        assert format_day(date(2026, 11, 26)) == "26/11/2026"
        assert format_percent(None) == "–"
    with app.test_request_context("/?lang=en"):
        assert format_percent(85.34) == "85.3%"


def catalog(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", ["vi", "km"])
def test_catalog_covers_every_string_in_the_code(tmp_path, language):
    template = tmp_path / "messages.pot"
    _extract(template)
    with open(template, "rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    have = {message.id for message in catalog(language) if message.id}
    assert wanted - have == set(), "run `flask --app survey translate update`"


def test_the_vietnamese_catalog_is_complete():
    problems = [
        message.id
        for message in catalog("vi")
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert problems == []


#: One term for each thing in Vietnamese: a variant found here → the term to use instead.
#: Officers are addressed in the third person or not at all, never "bạn".
_VIETNAMESE_VARIANTS = {
    r"\bbạn\b": "third person, or no pronoun",
    r"kiosk": "ki-ốt",
    r"liên kết": "đường dẫn",
    r"Cronbach's": "Cronbach alpha",
    r"cán bộ, công chức": "công chức (the person rated; cán bộ is the officer using the platform)",
    r"Đối tượng trả lời": "Số người trả lời (a count)",
    r"nói chung": "đánh giá chung",
}


@pytest.mark.parametrize(("variant", "term"), sorted(_VIETNAMESE_VARIANTS.items()))
def test_the_vietnamese_catalog_uses_one_term_for_each_thing(variant, term):
    found = [
        message.id
        for message in catalog("vi")
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else [message.string])
        if re.search(variant, text, re.IGNORECASE)
    ]
    assert found == [], f"write {term!r}"
