"""Officer accounts with a role and an agency scope, and the audit log."""

from __future__ import annotations

import contextlib
import enum
import hashlib
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import BigIdentifier, Model, string_enum, utcnow
from survey.org.models import Agency

# Argon2id: memory-hard, the OWASP recommendation for password storage.
_password_hasher = PasswordHasher()

MINIMUM_PASSWORD_LENGTH = 12


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"  # everything
    REFORM_OFFICE = "reform_office"  # every agency's results; publishes
    AGENCY_MANAGER = "agency_manager"  # their agency's subtree
    VIEWER = "viewer"  # their subtree, aggregated results only


#: Roles whose scope is one agency subtree; the others see every agency.
SCOPED_ROLES = frozenset({Role.AGENCY_MANAGER, Role.VIEWER})


class User(UserMixin, Model):
    """An officer who signs in to read results or run the platform."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lowercased; the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(string_enum(Role))
    #: The root of the subtree a scoped role may see.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_dt: Mapped[datetime | None]

    agency: Mapped[Agency | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = _password_hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _password_hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def password_needs_rehash(self) -> bool:
        """True when the stored hash was made with other Argon2 parameters than today's."""
        return _password_hasher.check_needs_rehash(self.password_hash)

    def get_id(self) -> str:
        """The session's user id, bound to the password: changing it ends every other session."""
        fingerprint = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return f"{self.id}.{fingerprint}"


class OfficerSession(Model):
    """One signed-in officer session, kept on the server: ending it here ends it at once for
    every process and host, whatever copy of the cookie exists (:mod:`survey.accounts.sessions`)."""

    __tablename__ = "officer_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the session cookie (the token itself is never stored).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Refreshed at most once a minute.
    last_seen_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: The browser, as it names itself, so the officer and administrators recognise it.
    browser: Mapped[str] = mapped_column(String(200), default="")
    ended_dt: Mapped[datetime | None]
    #: Why it ended: "signed_out", "inactivity", "maximum_duration", "password_changed",
    #: "password_reset", "deactivated", "ended_by_administrator", "account".
    end_reason: Mapped[str | None] = mapped_column(String(32))


def check_password_of_nobody(password: str) -> None:
    """Spend the time of one password check: an unknown e-mail answers as slowly as a known one."""
    with contextlib.suppress(VerificationError):
        _password_hasher.verify(_hash_of_nobody(), password)


@cache
def _hash_of_nobody() -> str:
    return _password_hasher.hash("no account has this password")


class AuditEvent(Model):
    """Who did what, when (UTC): sign-ins, downloads and every administrative change."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigIdentifier, primary_key=True)
    occurred_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: None for actions from the command line or by an unknown person (failed sign-in).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: What happened, e.g. "user.created", "login.failed", "report.downloaded".
    action: Mapped[str] = mapped_column(String(64))
    #: What it happened to, e.g. "user:12" or "agency:AG-RG".
    target: Mapped[str | None] = mapped_column(String(200))
    #: Before and after values, filters used and so on; never a password.
    details: Mapped[dict | None] = mapped_column(JSON)
