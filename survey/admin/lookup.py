"""Finding an agency by code or name: a province has hundreds, so pages search, never list all."""

from __future__ import annotations

from flask import request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from survey.db import db
from survey.org.models import Agency

#: At most this many agencies are listed for a search: refine the words to find others.
AGENCY_MATCHES = 20


def agency_by_code(session: Session, code: str | None) -> Agency | None:
    if not code:
        return None
    return session.scalar(select(Agency).where(Agency.code == code.strip()))


def search_agencies(words: str) -> list[Agency]:
    """Agencies whose code or name contains ``words`` (case-insensitive), a few at most."""
    cleaned = "".join(character for character in words.strip().lower() if character not in "\\%_")
    pattern = f"%{cleaned}%"
    return list(
        db.session.scalars(
            select(Agency)
            .where(
                or_(func.lower(Agency.code).like(pattern), func.lower(Agency.name).like(pattern))
            )
            .order_by(Agency.name)
            .limit(AGENCY_MATCHES)
        )
    )


def agency_matches() -> tuple[str, list[Agency]]:
    """The words of ``?agency_search=`` and the agencies they find."""
    words = request.args.get("agency_search", "").strip()[:100]
    return words, search_agencies(words) if words else []
