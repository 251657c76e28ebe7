"""Kiosk devices: registering a tablet for a desk, pairing it once, its long-lived credential.

An administrator registers a kiosk for a desk and gets a one-time pairing link; opening
the link on the tablet and confirming issues the device credential, kept in an HttpOnly
cookie. Only SHA-256 hashes of the pairing token and the credential are stored: both are
long random strings, so a fast hash is enough (nothing to brute-force) and a stolen
database gives no working credential. The credential never expires by time: a kiosk
left on for days or months keeps submitting, until an administrator revokes it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from survey.collect.models import KioskDevice
from survey.collect.submit import Target, TargetUnavailable, resolve_code
from survey.db import utcnow
from survey.org.models import ServicePoint

#: A pairing link not used within this time no longer pairs (register the kiosk again).
PAIRING_LIFETIME = timedelta(hours=24)
#: ``last_seen_dt`` is refreshed at most this often, so a busy kiosk does not add a write
#: to every submission.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class RegistrationError(Exception):
    """The kiosk cannot be registered (the message says why, for the command line)."""


@dataclass(frozen=True)
class Registration:
    device: KioskDevice
    #: The one-time pairing token: shown once, never stored.
    pairing_token: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def register_kiosk(session: Session, public_code: str, name: str | None = None) -> Registration:
    """Register a kiosk for the desk whose active public code is ``public_code``."""
    try:
        target = resolve_code(session, public_code.strip())
    except TargetUnavailable as unavailable:
        reasons = {
            "unknown": "no desk has the public code {code!r}",
            "revoked": "the public code {code!r} was revoked; use the desk's current code",
            "inactive": "the desk of {code!r} (or its agency) is no longer in service",
        }
        raise RegistrationError(reasons[unavailable.reason].format(code=public_code)) from None
    if target.service_point is None:
        raise RegistrationError(
            f"{public_code!r} is an official's code; a kiosk belongs to a desk's code"
        )
    token = secrets.token_urlsafe(32)
    device = KioskDevice(
        service_point_id=target.service_point.id,
        name=name or f"Kiosk {target.service_point.name}",
        pairing_token_hash=hash_secret(token),
    )
    session.add(device)
    session.flush()
    return Registration(device=device, pairing_token=token)


def pairable_device(session: Session, token: str) -> KioskDevice | None:
    """The device a pairing token would pair: not used yet, not expired, not revoked."""
    return session.scalar(
        select(KioskDevice).where(
            KioskDevice.pairing_token_hash == hash_secret(token),
            KioskDevice.revoked_dt.is_(None),
            KioskDevice.created_dt > utcnow() - PAIRING_LIFETIME,
        )
    )


def pair_device(session: Session, token: str) -> str | None:
    """Use a pairing token: returns the new device credential, or None if the token is spent.

    One conditional UPDATE, so two tablets opening the same link at once cannot both
    pair: the second finds the token already cleared.
    """
    credential = secrets.token_urlsafe(32)
    now = utcnow()
    result = session.execute(
        update(KioskDevice)
        .where(
            KioskDevice.pairing_token_hash == hash_secret(token),
            KioskDevice.revoked_dt.is_(None),
            KioskDevice.created_dt > now - PAIRING_LIFETIME,
        )
        .values(pairing_token_hash=None, credential_hash=hash_secret(credential), paired_dt=now)
    )
    return credential if cast(CursorResult[Any], result).rowcount == 1 else None


def device_for_credential(session: Session, credential: str | None) -> KioskDevice | None:
    """The device holding ``credential`` (revoked or not: the caller tells them apart)."""
    if not credential:
        return None
    return session.scalar(
        select(KioskDevice).where(KioskDevice.credential_hash == hash_secret(credential))
    )


def desk_target(session: Session, device: KioskDevice) -> Target:
    """What the kiosk's ratings are about: its desk, through the desk's active public code.

    Raises :class:`TargetUnavailable` when the desk no longer takes ratings.
    """
    desk = session.get(ServicePoint, device.service_point_id)
    active = desk.active_code if desk is not None else None
    if active is None:
        raise TargetUnavailable("inactive")
    return resolve_code(session, active.code)


def mark_seen(session: Session, device_id: int, unsent_count: int | None = None) -> None:
    """Record that the device was heard from now (at most once per ``LAST_SEEN_RESOLUTION``),
    and the number of ratings it still has queued, when it reported one."""
    now = utcnow()
    session.execute(
        update(KioskDevice)
        .where(
            KioskDevice.id == device_id,
            or_(
                KioskDevice.last_seen_dt.is_(None),
                KioskDevice.last_seen_dt < now - LAST_SEEN_RESOLUTION,
            ),
        )
        .values(last_seen_dt=now)
    )
    if unsent_count is not None:
        session.execute(
            update(KioskDevice).where(KioskDevice.id == device_id).values(unsent_count=unsent_count)
        )


def revoke_kiosk(session: Session, device_id: int) -> KioskDevice | None:
    """Revoke a device: its credential and any unused pairing link stop working at once."""
    device = session.get(KioskDevice, device_id)
    if device is None:
        return None
    if device.revoked_dt is None:
        device.revoked_dt = utcnow()
    device.pairing_token_hash = None
    return device
