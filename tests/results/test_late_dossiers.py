"""The dossiers returned late, per agency and period, and the letter of apology: listed within
the officer's scope, marked by those who manage (audited), and bad input changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from survey.accounts.models import AuditEvent
from survey.db import db, write_session
from survey.dossiers.models import Dossier
from tests.results.test_routes import PERIOD

RETURNED = datetime(2026, 2, 10, 3, 0)


@pytest.fixture
def late(app, results_world):
    """One late and one on-time dossier in the ward, one late in the province; ids by name."""
    organisation = results_world.organisation
    rows = {
        "ward late": (results_world.ward_id, RETURNED - timedelta(days=2)),
        "ward on time": (results_world.ward_id, RETURNED + timedelta(days=1)),
        "province late": (results_world.province_id, RETURNED - timedelta(hours=1)),
    }
    with app.app_context(), write_session() as session:
        for name, (agency, due) in rows.items():
            session.execute(
                insert(Dossier),
                [
                    {
                        "code_hash": name,
                        "agency_id": agency,
                        "service_point_id": None,
                        "procedure_id": organisation.procedure_ids[0],
                        "received_dt": RETURNED - timedelta(days=10),
                        "due_dt": due,
                        "returned_dt": RETURNED,
                    }
                ],
            )
        return dict(session.execute(select(Dossier.code_hash, Dossier.id)).all())


def test_the_list_shows_the_late_dossiers_of_the_scope(officer, late):
    everything = officer().get(f"/officer/results/late-dossiers?period={PERIOD}")
    page = everything.get_data(as_text=True)
    assert everything.status_code == 200
    assert page.count("/apology") == 2  # the two late dossiers, not the one on time
    ward = officer("agency_manager").get(f"/officer/results/late-dossiers?period={PERIOD}")
    assert ward.get_data(as_text=True).count("/apology") == 1
    assert "10/02/2026" in page and "31/01/2026" in page  # returned, received


def test_a_manager_marks_the_letter_and_it_is_audited(app, officer, late, results_world):
    client = officer("agency_manager")
    url = f"/officer/results/late-dossiers/{late['ward late']}/apology"
    response = client.post(url, data={"sent_on": "2026-02-11", "period": PERIOD})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Dossier, late["ward late"]).apology_sent_on.isoformat() == (
            "2026-02-11"
        )
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dossier.apology_marked")
        )
        assert event.details["after"] == {"apology_sent_on": "2026-02-11"}
    page = client.get(f"/officer/results/late-dossiers?period={PERIOD}").get_data(as_text=True)
    assert "11/02/2026" in page


@pytest.mark.parametrize(
    ("role", "dossier", "sent_on", "status"),
    [
        ("agency_manager", "province late", "2026-02-11", 404),  # outside the ward
        ("agency_manager", "ward on time", "2026-02-11", 404),  # not late
        ("agency_manager", "ward late", "11/02/2026", 400),
        ("agency_manager", "ward late", "", 400),
        ("agency_manager", "ward late", "2026-01-01", 400),  # before the receipt
        ("agency_manager", "ward late", "2999-01-01", 400),  # in the future
        ("viewer", "ward late", "2026-02-11", 403),
    ],
)
def test_bad_marks_change_nothing(app, officer, late, role, dossier, sent_on, status):
    response = officer(role).post(
        f"/officer/results/late-dossiers/{late[dossier]}/apology", data={"sent_on": sent_on}
    )
    assert response.status_code == status
    with app.app_context():
        assert (
            db.session.scalar(select(Dossier.apology_sent_on).where(Dossier.id.in_(late.values())))
            is None
        )
        assert (
            db.session.scalar(
                select(AuditEvent.id).where(AuditEvent.action == "dossier.apology_marked")
            )
            is None
        )
