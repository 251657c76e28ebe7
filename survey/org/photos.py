"""Where officials' photos are kept: the administration stores them, kiosks show them."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

#: Officials' re-encoded photos, in this folder of the instance folder.
PHOTO_FOLDER = "photos"


def photo_folder() -> Path:
    """The instance's photo folder (created if missing)."""
    folder = Path(current_app.instance_path) / PHOTO_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder
