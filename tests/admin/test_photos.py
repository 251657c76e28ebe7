"""Officials' photos: checked by content, re-encoded without metadata, served while active."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image

from survey.admin.photos import MAXIMUM_PHOTO_BYTES, official_photo_url
from survey.db import db
from survey.org.models import Official
from tests.admin.org_helpers import admin, audit_of, reform_office, snapshot, tree  # noqa: F401


def image_bytes(format_="JPEG", size=(1200, 1600), exif=True, **options) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    output = io.BytesIO()
    if exif and format_ in ("JPEG", "WEBP", "PNG"):
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0110] = "Phone 12"  # Model
        data[0x8825] = {2: (10.0, 22.0, 5.0)}  # GPS latitude
        options["exif"] = data.tobytes()
    image.save(output, format=format_, **options)
    return output.getvalue()


def send(client, official_id, raw: bytes, name="photo.jpg"):
    return client.post(
        f"/admin/officials/{official_id}/photo",
        data={"photo": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def stored_photo(app, official_id) -> tuple[str | None, str | None]:
    with app.test_request_context():
        official = db.session.get(Official, official_id)
        return official.photo_filename, official_photo_url(official) if official else None


@pytest.mark.parametrize("format_", ["JPEG", "PNG", "WEBP"])
def test_a_photo_is_reencoded_small_without_any_metadata(app, admin, tree, format_):
    response = send(admin, tree.official, image_bytes(format_), name="x.bin")
    assert response.status_code == 303
    name, url = stored_photo(app, tree.official)
    served = admin.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(served.data)) as photo:
        assert photo.format == "JPEG"
        assert max(photo.size) <= 800 and photo.size == (600, 800)
        assert not photo.getexif() and "exif" not in photo.info and "icc_profile" not in photo.info
    assert b"PhoneMaker" not in served.data
    (event,) = audit_of(app, "official.photo_changed")
    assert event["before"] == {"photo": None} and event["after"] == {"photo": name}


def test_a_new_photo_replaces_the_old_file(app, admin, tree):
    send(admin, tree.official, image_bytes())
    first, first_url = stored_photo(app, tree.official)
    send(admin, tree.official, image_bytes(size=(300, 300)))
    second, _url = stored_photo(app, tree.official)
    assert first != second
    assert admin.get(first_url).status_code == 404
    assert not (Path(app.instance_path) / "photos" / first).exists()


def gif() -> bytes:
    output = io.BytesIO()
    Image.new("P", (10, 10)).save(output, format="GIF")
    return output.getvalue()


def bomb() -> bytes:
    # 30,000 x 30,000 pixels of one colour: a few hundred kilobytes that unpack to 2.7 GB.
    output = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(output, format="PNG", optimize=True)
    return output.getvalue()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(b"%PDF-1.7 not a photo", "not a photo that can be read", id="pdf"),
        pytest.param(
            b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a photo that can be read", id="svg"
        ),
        pytest.param(gif(), "must be a JPEG, PNG or WebP", id="gif"),
        pytest.param(image_bytes()[:2000], "not a photo that can be read", id="truncated"),
        pytest.param(
            b"\xff\xd8\xff" + b"\x00" * (MAXIMUM_PHOTO_BYTES + 10),
            "larger than 2 MB",
            id="oversized",
        ),
        pytest.param(bomb(), "too many pixels", id="decompression-bomb"),
    ],
)
def test_anything_but_a_reasonable_photo_is_refused(app, admin, tree, raw, message):
    before = snapshot(app)
    response = send(admin, tree.official, raw)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before
    assert stored_photo(app, tree.official)[0] is None


def test_no_file_is_refused(app, admin, tree):
    response = admin.post(
        f"/admin/officials/{tree.official}/photo", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose a photo." in response.get_data(as_text=True)


def test_the_photo_is_public_only_while_the_official_serves(app, admin, tree):
    send(admin, tree.official, image_bytes())
    name, url = stored_photo(app, tree.official)
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 200
    assert anonymous.get(url.replace(name, "0" * 32 + ".jpg")).status_code == 404
    with app.test_request_context():
        db.session.get(Official, tree.official).active_to = date.today() - timedelta(days=1)
        db.session.commit()
        assert official_photo_url(db.session.get(Official, tree.official)) is None
    assert anonymous.get(url).status_code == 404


def test_only_administrators_upload(app, reform_office, tree):
    assert send(reform_office, tree.official, image_bytes()).status_code == 403
    assert stored_photo(app, tree.official)[0] is None
