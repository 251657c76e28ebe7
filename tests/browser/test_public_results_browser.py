"""The public results page on a small phone: the province first, nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.results.dataset import build_organisation, submit


@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("language", ["vi", "km"])
def test_the_public_page_fits_a_small_phone(live_server, new_context, tmp_path, width, language):
    with live_server.app.app_context():
        submit(build_organisation(), responses=300, seed=5)
    page = new_context(viewport={"width": width, "height": 640}).new_page()
    page.goto(f"{live_server.url}/results?year=2026&lang={language}")
    page.screenshot(path=str(tmp_path / f"public-{width}-{language}.png"), full_page=True)
    # No horizontal scroll, for the page or inside any block of it.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
              .map(e => e.tagName + '.' + e.className)"""
    )
    assert overflowing == []
    # The province's figures come first, above the first agency.
    headline = page.locator("#province-heading").bounding_box()
    first_agency = page.locator("section[aria-labelledby^=agency-] h2").first.bounding_box()
    assert headline["y"] < first_agency["y"] and headline["y"] < 640
    # On the stacked table each figure names its quarter.
    label = page.evaluate(
        """() => getComputedStyle(document.querySelector('.results-table td'), '::before')
              .content"""
    )
    assert "2026" in label
