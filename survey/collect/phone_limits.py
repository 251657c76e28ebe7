"""How many ratings a phone may send: a device cookie, the client address, bursts.

Citizens' phones share addresses: a carrier's NAT puts thousands of phones behind a few
addresses, an office's Wi-Fi puts its whole queue behind one. So the address alone cannot
tell phones apart, and a browser's User-Agent, cookies and comment are whatever the sender
makes them. Three counts, all kept in the rate-limit storage (shared by every thread of the
single-host server, or by every process and host through Redis: docs/PRODUCTION.md):

- a **device** cookie, long-lived and signed, given by the form page: each browser that
  keeps it may send ``PHONE_SUBMIT_LIMIT`` ratings per QR code (more is refused, 429);
- a browser **without** a valid device cookie is counted by its address instead, with the
  higher ``PHONE_ADDRESS_SUBMIT_LIMIT`` per QR code (people behind one NAT that refuse
  cookies), then refused;
- whatever the cookie, User-Agent or comment, more than ``ADDRESS_BURST_LIMIT`` ratings of one
  QR code from one address are a burst: kept, flagged for review and left out of every index
  until an officer decides (:func:`survey.collect.submit.submit`).

Only keyed hashes of addresses and device identifiers reach the storage.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

#: The cookie naming a citizen's browser (a random identifier, signed; no personal data).
DEVICE_COOKIE = "hailong_device"
#: Two years: a phone keeps its identifier from one visit to a public office to the next.
DEVICE_COOKIE_SECONDS = 2 * 365 * 24 * 3600
_SALT = "phone-device"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def keyed_hash(*parts: str) -> str:
    """A keyed hash of ``parts``: the same input gives the same key, and reveals nothing."""
    key = current_app.config["SECRET_KEY"].encode()
    material = "|".join(parts).encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def device_id() -> str | None:
    """The identifier of this browser's valid device cookie; None without one (or a forged one)."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        value = _serializer().loads(cookie)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def address_hash() -> str:
    """A keyed hash of the client's address (the proxy's, unless ``SURVEY_PROXY_COUNT``)."""
    return keyed_hash("address", request.remote_addr or "")


def give_device_cookie(response: Response) -> Response:
    """Give a browser without a valid device cookie a new one (kept for two years)."""
    if device_id() is None:
        response.set_cookie(
            DEVICE_COOKIE,
            _serializer().dumps(secrets.token_urlsafe(16)),
            max_age=DEVICE_COOKIE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def sender() -> str:
    """Who is sending, for the burst checks: the device when the browser keeps its cookie,
    else the address."""
    device = device_id()
    return keyed_hash("device", device) if device else address_hash()


def _code() -> str:
    return str((request.view_args or {}).get("code", ""))


def device_key() -> str:
    """Rate-limit key of a browser with a device cookie: the QR code and the device."""
    return f"phone-device/{_code()}/{sender()}"


def address_key() -> str:
    """Rate-limit key of a browser without one: the QR code and the address."""
    return f"phone-address/{_code()}/{address_hash()}"


def has_device() -> bool:
    return device_id() is not None


def has_no_device() -> bool:
    return device_id() is None
