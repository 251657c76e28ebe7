"""Keys for the keyed hashes of what citizens type (dossier codes)."""

from flask import current_app

from survey.config import instance_secret


def dossier_key() -> bytes:
    """The HMAC key for dossier codes: ``DOSSIER_HASH_KEY`` or a key kept in the instance folder.

    It must stay the same for the life of the database, or second ratings of a
    dossier would no longer be recognised.
    """
    configured = current_app.config.get("DOSSIER_HASH_KEY")
    return (configured or instance_secret(current_app, "dossier_hash_key")).encode()
