"""QR codes and posters: decoded back with a real decoder (zxing-cpp), text read back with pypdf."""

from __future__ import annotations

import gzip
import io
import re
import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select

from survey.accounts.models import AuditEvent, Role
from survey.db import db, write_session
from survey.org.models import Agency, PublicCode
from tests.factories import (
    make_agency,
    make_desk,
    make_official,
    make_published_version,
    signed_in_client,
)

BASE_URL = "https://hailong.example.gov.vn"


@pytest.fixture
def admin(app):
    app.config["BASE_URL"] = BASE_URL
    return signed_in_client(app, Role.ADMINISTRATOR)[0]


@pytest.fixture
def place(app):
    with app.app_context(), write_session() as session:
        make_published_version(session, "onestop-quick")
        agency = make_agency(session, code="RG", name="UBND phường Rạch Giá")
        desk = make_desk(session, agency=agency, name="Quầy Tư pháp – Hộ tịch")
        second = make_desk(session, agency=agency, name="Quầy Đất đai")
        official = make_official(session, desk, name="Nguyễn Thị Hồng Nhung")
        return {
            "agency": agency.id,
            "desk": desk.active_code.id,
            "desk_code": desk.active_code.code,
            "second_code": second.active_code.code,
            "official": official.active_code.id,
            "official_code": official.active_code.code,
        }


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def svg_to_image(svg: str) -> Image.Image:
    """Draw segno's SVG path (runs of dark modules: "M x y", "h n", "m dx dy") as pixels.

    The path is read from the markup, so the decoded matrix is the one the SVG encodes.
    """
    width = int(float(re.search(r'width="([\d.]+)"', svg).group(1)))
    scale = float(re.search(r"scale\(([\d.]+)\)", svg).group(1)) if "scale(" in svg else 1.0
    path = re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)
    size = round(width / scale)
    image = Image.new("L", (size * 8, size * 8), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHhVv])([-\d.\s]+)", path):
        values = [float(number) for number in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            top = int(y - 0.5)
            draw.rectangle([x * 8, top * 8, (x + values[0]) * 8 - 1, top * 8 + 7], fill=0)
            x += values[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    return image


def pdf_pages_as_images(pdf: bytes, tmp_path) -> list[Image.Image]:
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed to render posters"
    source = tmp_path / "poster.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(source), str(tmp_path / "page")], check=True
    )
    return [Image.open(path) for path in sorted(tmp_path.glob("page*.png"))]


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_png_decodes_to_the_desks_address(admin, place):
    response = admin.get(f"/admin/qr/{place['desk']}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode(Image.open(io.BytesIO(response.data))) == [f"{BASE_URL}/q/{place['desk_code']}"]


def test_the_svg_encodes_the_officials_address(admin, place):
    response = admin.get(f"/admin/qr/{place['official']}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    image = svg_to_image(response.get_data(as_text=True))
    assert decode(image) == [f"{BASE_URL}/q/{place['official_code']}"]


def test_the_svg_is_sent_compressed_and_the_code_page_has_an_icon(app, admin, place):
    response = admin.get(f"/admin/qr/{place['desk']}.svg", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    image = svg_to_image(gzip.decompress(response.data).decode())
    assert decode(image) == [f"{BASE_URL}/q/{place['desk_code']}"]
    page = app.test_client().get(f"/q/{place['desk_code']}", headers={"Accept-Encoding": "gzip"})
    html = gzip.decompress(page.data).decode()
    assert 'rel="icon"' in html and '<meta name="description"' in html


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_the_poster_decodes_and_reads_back_in_vietnamese(admin, place, size, tmp_path):
    response = admin.get(f"/admin/qr/{place['desk']}/poster.pdf", query_string={"size": size})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [page] = pdf_pages_as_images(response.data, tmp_path)
    expected_width = {"A4": 827, "A5": 583}[size]  # 210 mm and 148 mm at 100 dpi
    assert abs(page.width - expected_width) <= 1
    assert decode(page) == [f"{BASE_URL}/q/{place['desk_code']}"]
    [text] = pdf_text(response.data)
    for words in [
        "UBND phường Rạch Giá",
        "Quầy Tư pháp – Hộ tịch",
        "quét mã để đánh giá mức độ hài lòng",
        "Scan the code to rate how satisfied you are",
        f"hailong.example.gov.vn/q/{place['desk_code']}",
    ]:
        assert words in " ".join(text.split()), words


def test_an_officials_poster_names_the_official(admin, place, tmp_path):
    response = admin.get(f"/admin/qr/{place['official']}/poster.pdf")
    assert "Nguyễn Thị Hồng Nhung, Chuyên viên" in pdf_text(response.data)[0]


def test_one_pdf_holds_the_posters_of_every_desk_of_the_agency(admin, place, tmp_path):
    response = admin.get(f"/admin/qr/agency/{place['agency']}/posters.pdf")
    assert response.status_code == 200
    pages = pdf_pages_as_images(response.data, tmp_path)
    decoded = sorted(text for page in pages for text in decode(page))
    assert decoded == sorted(
        f"{BASE_URL}/q/{code}" for code in (place["desk_code"], place["second_code"])
    )
    texts = pdf_text(response.data)
    assert any("Quầy Đất đai" in text for text in texts)


def test_replacing_a_code_sends_the_old_poster_to_the_polite_page(app, admin, place):
    citizen = app.test_client()
    assert citizen.get(f"/q/{place['desk_code']}").status_code == 200
    # The list only leads to a confirmation page that says what revoking does.
    listing = admin.get("/admin/qr/", query_string={"agency": place["agency"]}).get_data(
        as_text=True
    )
    assert f'action="/admin/qr/{place["desk"]}/replace"' not in listing
    assert f'href="/admin/qr/{place["desk"]}/replace"' in listing
    confirm = admin.get(f"/admin/qr/{place['desk']}/replace")
    assert confirm.status_code == 200
    words = " ".join(confirm.get_data(as_text=True).split())
    assert "Mọi áp phích đã in với mã này sẽ ngừng hoạt động ngay lập tức." in words
    assert "Quầy Tư pháp – Hộ tịch" in words and place["desk_code"] in words
    assert citizen.get(f"/q/{place['desk_code']}").status_code == 200  # nothing changed yet
    assert admin.post(f"/admin/qr/{place['desk']}/replace").status_code == 302
    old = citizen.get(f"/q/{place['desk_code']}")
    assert old.status_code == 410
    assert "không còn được sử dụng" in old.get_data(as_text=True)
    with app.app_context():
        codes = db.session.scalars(select(PublicCode).order_by(PublicCode.id)).all()
        new = [code for code in codes if code.revoked_dt is None and code.id > place["official"]]
        assert len(new) == 1
        assert citizen.get(f"/q/{new[0].code}").status_code == 200
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "public_code.replaced")
        )
        assert event.details == {
            "before": {"code": place["desk_code"]},
            "after": {"code": new[0].code},
        }
    # A revoked code has no poster any more, and cannot be replaced twice.
    assert admin.get(f"/admin/qr/{place['desk']}.png").status_code == 404
    assert admin.post(f"/admin/qr/{place['desk']}/replace").status_code == 404


def test_the_page_lists_an_agencys_codes(admin, place):
    page = admin.get("/admin/qr/", query_string={"agency": place["agency"]}).get_data(as_text=True)
    assert place["desk_code"] in page and place["official_code"] in page
    found = admin.get("/admin/qr/", query_string={"agency_search": "rạch giá"})
    assert f"?agency={place['agency']}" in found.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.REFORM_OFFICE, Role.AGENCY_MANAGER, Role.VIEWER])
def test_only_administrators_replace_codes(app, place, role):
    client = signed_in_client(app, role)[0]
    assert client.post(f"/admin/qr/{place['desk']}/replace").status_code == 403
    assert client.get(f"/admin/qr/{place['desk']}.png").status_code == 403
    with app.app_context():
        assert db.session.get(PublicCode, place["desk"]).revoked_dt is None


def test_a_unit_serving_khmer_speakers_prints_the_call_to_scan_in_khmer(
    app, admin, place, tmp_path
):
    plain = pdf_text(admin.get(f"/admin/qr/{place['desk']}/poster.pdf").data)[0]
    assert not any(0x1780 <= ord(c) <= 0x17FF for c in plain)
    page = admin.get(f"/admin/agencies/{place['agency']}/edit").get_data(as_text=True)
    assert 'name="khmer_posters"' in page
    with app.app_context(), write_session() as session:
        session.get(Agency, place["agency"]).khmer_posters = True
    response = admin.get(f"/admin/qr/{place['desk']}/poster.pdf")
    [page_image] = pdf_pages_as_images(response.data, tmp_path)
    assert decode(page_image) == [f"{BASE_URL}/q/{place['desk_code']}"]
    reader = PdfReader(io.BytesIO(response.data))
    fonts = {
        str(font["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("NotoSansKhmer" in name for name in fonts), fonts
    text = " ".join(pdf_text(response.data)[0].split())
    assert "Scan the code to rate how satisfied you are" in text
    # Shaped by HarfBuzz: the Khmer words are there (as glyphs of the Khmer font).
    assert sum(0x1780 <= ord(c) <= 0x17FF for c in text) > 10, text
