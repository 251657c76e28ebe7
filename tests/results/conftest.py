"""A known data set with officers of each role, for the dashboard, download and public tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from survey.db import write_session
from survey.org.models import Agency
from tests.accounts.conftest import sign_in
from tests.factories import make_user
from tests.results.dataset import Organisation, build_organisation, raw_responses, submit


@dataclass
class ResultsWorld:
    organisation: Organisation
    responses: list[dict]
    #: Role value → e-mail; the scoped roles belong to the first ward.
    emails: dict[str, str]

    @property
    def ward_id(self) -> int:
        return self.organisation.agency_ids[1]

    @property
    def province_id(self) -> int:
        return self.organisation.agency_ids[0]


@pytest.fixture
def results_world(app) -> ResultsWorld:
    with app.app_context():
        organisation = build_organisation()
        submit(organisation, responses=400, seed=9)
        emails = {}
        with write_session() as session:
            ward = session.get(Agency, organisation.agency_ids[1])
            for role in ("administrator", "reform_office", "agency_manager", "viewer"):
                agency = ward if role in ("agency_manager", "viewer") else None
                emails[role] = make_user(
                    session, role, agency=agency, email=f"results-{role}@hailong.example"
                ).email
        return ResultsWorld(organisation, raw_responses(), emails)


@pytest.fixture
def officer(app, results_world):
    """``officer(role)``: a test client signed in with that role."""

    def signed_in(role: str = "reform_office"):
        client = app.test_client()
        assert sign_in(client, results_world.emails[role]).status_code == 302
        return client

    return signed_in
