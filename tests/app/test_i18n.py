"""Language choice, formatting in the reader's style, and a complete Vietnamese catalog."""

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from survey.cli import _extract
from survey.i18n import format_day, format_percent
from tests.collect.kiosk_helpers import make_kiosk_desk

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
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


#: What citizens read (home, rating a service, sending feedback and following it, the
#: published results): every string must be in every language.
CITIZEN_SOURCES = [
    ROOT / "templates/home/index.html",
    ROOT / "survey/home.py",
    *ROOT.joinpath("templates/collect").glob("*.html"),
    *ROOT.joinpath("templates/kiosk").glob("*.html"),
    *ROOT.joinpath("survey/collect").glob("*.py"),
    *(ROOT / "templates/feedback" / name for name in ("form.html", "receipt.html")),
    ROOT / "templates/feedback/receipt_not_found.html",
    ROOT / "survey/feedback/public.py",
    ROOT / "templates/results/public.html",
    ROOT / "templates/results/_public_figures.html",
    ROOT / "survey/results/public.py",
]


def citizen_message_ids() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for path in CITIZEN_SOURCES:
        method, options = (
            ("jinja2", {"trimmed": "true"}) if path.suffix == ".html" else ("python", {})
        )
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_citizen_pages_are_complete_in_khmer():
    wanted = citizen_message_ids()
    assert len(wanted) > 80 and "Send my rating" in wanted and "Who served you?" in wanted
    khmer = {message.id: message.string for message in catalog("km") if message.id}
    missing = sorted(i for i in wanted if not khmer.get(i) or catalog("km")[i].fuzzy)
    assert missing == []


@pytest.mark.parametrize("page", ["/officer/", "/sign-in", "/admin/"])
def test_other_pages_offer_vietnamese_and_english_only(client, page):
    answer = client.get(page, query_string={"lang": "km"}, headers={"Accept-Language": "km"})
    if answer.status_code == 302:
        answer = client.get(answer.headers["Location"], headers={"Accept-Language": "km"})
    html = answer.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert 'hreflang="en"' in html and 'hreflang="km"' not in html
    assert "lang=km" not in answer.headers.get("Set-Cookie", "")


def test_citizen_pages_offer_khmer(app, client):
    desk = make_kiosk_desk(app)
    html = client.get(f"/q/{desk.code}?lang=km").get_data(as_text=True)
    assert '<html lang="km">' in html and 'hreflang="km"' in html
    # The choice, remembered, never carries Khmer onto an officer's page.
    assert '<html lang="vi">' in client.get("/sign-in").get_data(as_text=True)


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


def test_one_vietnamese_term_for_a_closed_unit_and_people_are_not_deactivated_like_units():
    vietnamese = {message.id: message.string for message in catalog("vi") if message.id}
    # A closed unit "chấm dứt hoạt động" everywhere; "giải thể" is another legal act.
    assert [i for i, text in vietnamese.items() if "giải thể" in text] == []
    assert vietnamese["closed"] == "đã chấm dứt hoạt động"
    # An official leaves the unit: "hoạt động" is said of organisations, not of people.
    official = vietnamese["Deactivate (no longer serving from today)"]
    assert "hoạt động" not in official and "cán bộ" in official
