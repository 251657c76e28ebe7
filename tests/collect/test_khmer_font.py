"""Khmer that renders: the shipped Noto Sans Khmer covers every Khmer character the citizen
pages can show, and only Khmer pages (and the kiosk) load it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from survey.languages import LANGUAGE_NAMES
from survey.questionnaires.definition import builtin_definitions
from tests.collect.kiosk_helpers import make_kiosk_desk

ROOT = Path(__file__).resolve().parents[2]
FONTS = [
    ROOT / "static/fonts/NotoSansKhmer-Regular.woff",
    ROOT / "static/fonts/NotoSansKhmer-Bold.woff",
]


def khmer_characters(text: str) -> set[str]:
    return {c for c in text if 0x1780 <= ord(c) <= 0x17FF or 0x19E0 <= ord(c) <= 0x19FF}


def citizen_khmer_text() -> str:
    with open(ROOT / "translations/km/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="km")
    strings = [message.string for message in catalog if message.id]
    flat = [s for string in strings for s in (string if isinstance(string, tuple) else [string])]
    definitions = json.dumps(builtin_definitions(), ensure_ascii=False)
    return "".join(flat) + definitions + "".join(LANGUAGE_NAMES.values())


@pytest.mark.parametrize("font", FONTS, ids=lambda path: path.name)
def test_the_font_has_a_glyph_for_every_khmer_character_shown(font):
    wanted = khmer_characters(citizen_khmer_text())
    assert len(wanted) > 40  # the catalog really is in Khmer
    cmap = TTFont(font).getBestCmap()
    assert sorted(c for c in wanted if ord(c) not in cmap) == []
    # The dotted circle, which shaping shows before a lone combining mark.
    assert 0x25CC in cmap


def test_only_khmer_pages_link_the_font(app, client):
    desk = make_kiosk_desk(app)
    khmer = client.get(f"/q/{desk.code}?lang=km").get_data(as_text=True)
    vietnamese = client.get(f"/q/{desk.code}?lang=vi").get_data(as_text=True)
    assert "css/khmer.css" in khmer and "css/khmer.css" not in vietnamese
    stylesheet = client.get("/static/css/khmer.css").get_data(as_text=True)
    for font in FONTS:
        assert f"../fonts/{font.name}" in stylesheet
        answer = client.get(f"/static/fonts/{font.name}")
        assert answer.status_code == 200 and answer.data == font.read_bytes()


LANGUAGE_NAME_FONT = ROOT / "static/fonts/NotoSansKhmer-LanguageName.woff"


@pytest.mark.parametrize("page", ["/q/{code}?lang=vi", "/?lang=vi", "/results?lang=en"])
def test_the_khmer_language_link_renders_on_pages_in_other_languages(app, client, page):
    """The switcher's "ខ្មែរ" would be empty boxes on a phone without a Khmer font: every page
    that shows it has a 2 KB font with exactly its letters, fetched only for them."""
    desk = make_kiosk_desk(app)
    html = client.get(page.format(code=desk.code)).get_data(as_text=True)
    assert 'lang="km" hreflang="km"' in html and LANGUAGE_NAMES["km"] in html
    cmap = TTFont(LANGUAGE_NAME_FONT).getBestCmap()
    name = khmer_characters(LANGUAGE_NAMES["km"])
    assert name and all(ord(c) in cmap for c in name)
    assert LANGUAGE_NAME_FONT.stat().st_size < 4096
    sheets = [s for s in ("citizen.css", "site.css") if f"css/{s}" in html]
    assert sheets
    for sheet in sheets:
        css = client.get(f"/static/css/{sheet}").get_data(as_text=True)
        assert f"../fonts/{LANGUAGE_NAME_FONT.name}" in css
        ranges = re.search(r"Hai Long Khmer name.*?unicode-range: ([^;]+);", css, re.S).group(1)
        assert {f"U+{ord(c):04X}" for c in name} == {r.strip() for r in ranges.split(",")}


def test_the_public_results_in_khmer_link_the_font(client):
    html = client.get("/results?lang=km").get_data(as_text=True)
    assert '<html lang="km">' in html and "css/khmer.css" in html
