"""Pages, style sheets and SVG are sent compressed when the client accepts it, from the
application itself (gunicorn without a proxy compresses too); files and small bodies are not."""

from __future__ import annotations

import gzip

import brotli
import pytest


@pytest.mark.parametrize("path", ["/results", "/sign-in", "/static/css/site.css"])
def test_text_goes_out_compressed_when_accepted(client, path):
    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert brotli.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_a_page_is_gzipped_for_a_client_that_knows_only_gzip(client):
    page = client.get("/sign-in", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(page.data)


def test_every_page_has_a_favicon_and_a_description(client):
    for path in ("/results", "/sign-in", "/"):
        html = client.get(path).get_data(as_text=True)
        assert 'rel="icon" href="/static/favicon.svg"' in html
        assert '<meta name="description" content="' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
