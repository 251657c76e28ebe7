"""Integration keys: what a one-stop system shows ``POST /api/v1/dossiers``.

A key is printed once when the integration is created; the database keeps only its
SHA-256 (as for kiosk credentials), and revoking the integration stops it at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts import audit
from survey.collect.devices import hash_secret
from survey.db import utcnow
from survey.dossiers.models import Integration

#: A key starts with this, so that one found in a log or a script is recognised.
KEY_PREFIX = "hl_int_"
MAXIMUM_NAME_LENGTH = 100


class IntegrationRefused(Exception):
    """The integration cannot be created or revoked as asked."""


@dataclass(frozen=True)
class CreatedIntegration:
    integration_id: int
    #: The key itself: shown once, never stored.
    key: str


def create_integration(session: Session, name: str) -> CreatedIntegration:
    name = " ".join(name.split())
    if not name or len(name) > MAXIMUM_NAME_LENGTH:
        raise IntegrationRefused(f"the name must have 1 to {MAXIMUM_NAME_LENGTH} characters")
    if session.scalar(select(Integration.id).where(Integration.name == name)) is not None:
        raise IntegrationRefused(f"an integration named {name!r} already exists")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    integration = Integration(name=name, key_hash=hash_secret(key))
    session.add(integration)
    session.flush()
    audit.record(
        "integration.created",
        target=f"integration:{integration.id}",
        details={"name": name},
        session=session,
    )
    return CreatedIntegration(integration.id, key)


def revoke_integration(session: Session, name: str) -> Integration:
    integration = session.scalar(select(Integration).where(Integration.name == name))
    if integration is None:
        raise IntegrationRefused(f"no integration is named {name!r}")
    if integration.revoked_dt is None:
        integration.revoked_dt = utcnow()
        audit.record(
            "integration.revoked",
            target=f"integration:{integration.id}",
            details={"name": name},
            session=session,
        )
    return integration


def integration_for_key(session: Session, key: str | None) -> Integration | None:
    """The integration holding ``key`` (revoked or not: the caller tells them apart)."""
    if not key:
        return None
    return session.scalar(select(Integration).where(Integration.key_hash == hash_secret(key)))
