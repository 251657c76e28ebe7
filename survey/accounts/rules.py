"""The rules a new officer account must follow, shared by ``flask create-user`` and the
users page: a plausible e-mail address (stored lowercased), an agency for scoped roles,
one account per address, the minimum password length of :mod:`survey.accounts.models`, and no
password an attacker would try first.

NIST SP 800-63B (5.1.1.2) asks to refuse passwords found in breaches, dictionary words,
repetitive or sequential characters and context-specific words. The list is the one Django
5.2.17 ships and maintains (``django/contrib/auth/common-passwords.txt.gz``: 19,640 passwords
from leaked lists, lowercased, by Royce Williams, BSD licence), copied here unchanged
(SHA-256 ``3c1baed6…``); it is read once per process.
"""

from __future__ import annotations

import gzip
import re
import string
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.accounts.models import MINIMUM_PASSWORD_LENGTH, SCOPED_ROLES, Role, User

__all__ = [
    "EMAIL_PATTERN",
    "MINIMUM_PASSWORD_LENGTH",
    "email_is_taken",
    "is_email_address",
    "is_guessable_password",
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


_COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")
#: Words of this platform an attacker would put in a guess (NIST: context-specific words).
_CONTEXT_WORDS = ("hailong", "hài lòng", "hai long")
_SEQUENCES = tuple(
    run * 4 + run[::-1] * 4 for run in (string.digits, string.ascii_lowercase, "qwertyuiop")
)


@cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def is_guessable_password(password: str) -> bool:
    """A password from leaked lists, the platform's own name with a few characters, one or two
    characters repeated, or a run of a keyboard or the alphabet ("123456789012")."""
    lowered = password.lower()
    without_context = lowered
    for word in _CONTEXT_WORDS:
        without_context = without_context.replace(word, "")
    return (
        lowered in _common_passwords()
        or len(without_context) < 8
        or len(set(lowered)) <= 2
        or any(lowered in sequence for sequence in _SEQUENCES)
    )
