"""Constraints the database itself enforces on the organisation."""

import pytest
from sqlalchemy.exc import IntegrityError

from survey.db import write_session
from survey.org.models import (
    PUBLIC_CODE_ALPHABET,
    PUBLIC_CODE_LENGTH,
    Agency,
    PublicCode,
    ServicePoint,
    new_public_code,
)


def test_public_codes_are_short_unambiguous_and_distinct():
    codes = {new_public_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == PUBLIC_CODE_LENGTH
        assert set(code) <= set(PUBLIC_CODE_ALPHABET)
        assert not set(code) & set("01ilo")


def test_agency_validity_dates_must_be_ordered(app_context):
    from datetime import date

    with pytest.raises(IntegrityError), write_session() as session:
        session.add(
            Agency(
                code="X",
                name="X",
                kind="Sở",
                valid_from=date(2025, 7, 1),
                valid_to=date(2025, 1, 1),
            )
        )


def test_a_public_code_points_at_exactly_one_thing(app_context):
    with write_session() as session:
        agency = Agency(code="X", name="X", kind="Sở")
        desk = ServicePoint(agency=agency, name="Quầy 1")
        session.add(desk)
    with pytest.raises(IntegrityError), write_session() as session:
        session.add(PublicCode())


def test_agency_codes_are_unique(app_context):
    with write_session() as session:
        session.add(Agency(code="X", name="X", kind="Sở"))
    with pytest.raises(IntegrityError), write_session() as session:
        session.add(Agency(code="X", name="Y", kind="Sở"))
