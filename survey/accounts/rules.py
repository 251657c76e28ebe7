"""The rules a new officer account must follow, shared by ``flask create-user`` and the
users page: a plausible e-mail address (stored lowercased), an agency for scoped roles,
one account per address, and the minimum password length of :mod:`survey.accounts.models`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts.models import MINIMUM_PASSWORD_LENGTH, SCOPED_ROLES, Role, User

__all__ = [
    "EMAIL_PATTERN",
    "MINIMUM_PASSWORD_LENGTH",
    "email_is_taken",
    "is_email_address",
    "needs_agency",
    "normalized_email",
]

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalized_email(text: str) -> str:
    return text.strip().lower()


def is_email_address(email: str) -> bool:
    return len(email) <= 254 and EMAIL_PATTERN.match(email) is not None


def needs_agency(role: Role) -> bool:
    """Scoped roles see one agency's subtree, so they cannot exist without one."""
    return role in SCOPED_ROLES


def email_is_taken(session: Session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == email)) is not None
