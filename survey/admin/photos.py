"""Officials' photos: checked by content, re-encoded without metadata, served only while active.

An upload is read with Pillow (never trusted by its name or Content-Type), refused when it
is too large in bytes or in pixels (a decompression bomb), turned upright from its EXIF
orientation, shrunk to a portrait size and saved again as JPEG with no metadata at all,
under a random name in the instance folder. The kiosk and phone pages show it through
:func:`official_photo_url`; the route answers only while the official is active.
"""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import date

from flask import Blueprint, abort, send_from_directory, url_for
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from survey.db import db
from survey.org.models import Official
from survey.org.photos import photo_folder
from survey.vietnam_calendar import local_today

#: Largest upload accepted (bytes).
MAXIMUM_PHOTO_BYTES = 2 * 1024 * 1024
#: Largest image accepted (pixels), checked before decoding: a bomb never unpacks.
MAXIMUM_PHOTO_PIXELS = 40_000_000
#: Formats accepted, as Pillow recognises them from the content.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
#: The stored photo fits in this box (portrait, enough for a kiosk screen).
PHOTO_BOX = (600, 800)
PHOTO_QUALITY = 85

blueprint = Blueprint("photos", __name__)


class PhotoRefused(Exception):
    """The upload is not an acceptable photo; ``message`` says why, translated."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def reencode_photo(raw: bytes) -> bytes:
    """The photo as a fresh JPEG without metadata; :class:`PhotoRefused` for anything else."""
    if len(raw) > MAXIMUM_PHOTO_BYTES:
        raise PhotoRefused(_l("The photo is larger than 2 MB. Please choose a smaller file."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise PhotoRefused(_l("The photo must be a JPEG, PNG or WebP image."))
                width, height = image.size
                if width * height > MAXIMUM_PHOTO_PIXELS or width < 1 or height < 1:
                    raise PhotoRefused(_l("The image has too many pixels to be a photo."))
                image.load()
                upright = ImageOps.exif_transpose(image)
                picture = upright.convert("RGB")
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(_l("The image has too many pixels to be a photo.")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise PhotoRefused(_l("This file is not a photo that can be read.")) from None
    picture.thumbnail(PHOTO_BOX, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    # A new image from pixels only: no EXIF, no ICC profile, no comments survive.
    clean = Image.new("RGB", picture.size)
    clean.paste(picture)
    clean.save(output, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return output.getvalue()


def store_photo(raw: bytes) -> str:
    """Re-encode and save the photo; returns its new random file name."""
    data = reencode_photo(raw)
    name = f"{secrets.token_hex(16)}.jpg"
    (photo_folder() / name).write_bytes(data)
    return name


def remove_photo(name: str | None) -> None:
    if name:
        (photo_folder() / name).unlink(missing_ok=True)


def is_active_on(official: Official, day: date) -> bool:
    return (official.active_from is None or official.active_from <= day) and (
        official.active_to is None or day < official.active_to
    )


def official_photo_url(official: Official) -> str | None:
    """The address of the official's photo, or None when there is none to show."""
    if not official.photo_filename or not is_active_on(official, local_today()):
        return None
    return url_for("photos.official_photo", official_id=official.id, name=official.photo_filename)


@blueprint.get("/photos/officials/<int:official_id>/<name>")
def official_photo(official_id: int, name: str):
    """A public photo (citizens see it on the kiosk), only while the official is active.

    The name changes with every upload, so the photo may be cached for long.
    """
    official = db.session.get(Official, official_id)
    if (
        official is None
        or official.photo_filename != name
        or not is_active_on(official, local_today())
    ):
        abort(404)
    response = send_from_directory(photo_folder(), name, mimetype="image/jpeg", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
