"""Dossiers from the one-stop system: the CSV file on the command line and the API batch.

Both go through one import: checked whole, written whole or not at all, idempotent by
dossier code, with errors naming the line (or item) and the column, and the code kept
only as the keyed hash that ratings use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from types import SimpleNamespace

import click._termui_impl
import pytest
from sqlalchemy import func, select

from survey.accounts.models import AuditEvent
from survey.collect.keys import dossier_key
from survey.collect.store import dossier_hash
from survey.db import db
from survey.dossiers import imports
from survey.dossiers.imports import COLUMNS
from survey.dossiers.integrations import create_integration, revoke_integration
from survey.dossiers.models import Dossier
from survey.org.models import Procedure
from tests.factories import make_agency, make_desk, make_official

#: The columns of indices 5, 6, 8 and 9, optional: most tests' files leave them out.
INDEX_COLUMNS = ("one_stop_desk", "procedure_published", "feedback_handling", "online_service")
HEADER = ",".join(column for column in COLUMNS if column not in INDEX_COLUMNS) + "\n"


@pytest.fixture
def org(app):
    with app.app_context():
        agency = make_agency(db.session, code="AG-TT")
        other = make_agency(db.session, code="AG-OTHER")
        desk = make_desk(db.session, agency)
        official = make_official(db.session, desk)
        db.session.add(Procedure(code="1.001612", name="Đăng ký khai sinh", field="Hộ tịch"))
        other_desk = make_desk_code(other)
        db.session.commit()
        return SimpleNamespace(
            agency_id=agency.id,
            other_desk=other_desk,
            desk=desk.active_code.code,
            desk_id=desk.id,
            official=official.active_code.code,
            official_id=official.id,
        )


def make_desk_code(agency) -> str:
    desk = make_desk(db.session, agency, name="Quầy khác")
    return desk.active_code.code


def run_import(runner, tmp_path, text: str | bytes, *options: str):
    path = tmp_path / "dossiers.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return runner.invoke(args=["import-dossiers", str(path), *options])


def stored(app) -> list[tuple]:
    with app.app_context():
        return [
            (row.code_hash, row.returned_dt, row.extra_visits, row.channel)
            for row in db.session.scalars(select(Dossier).order_by(Dossier.id))
        ]


def test_a_file_is_imported_with_codes_only_as_the_ratings_hash(app, runner, tmp_path, org):
    text = (
        "\ufeff"
        + HEADER
        + f"H01-0001,AG-TT,{org.desk},{org.official},1.001612,direct,"
        + "2025-07-01T08:15,2025-07-04,2025-07-03T15:30,0,1,none\n"
        + "h01 - 0002,AG-TT,,,,online,01/07/2025,08/07/2025,,,,\n"
    )
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated, 0 unchanged" in result.output
    with app.app_context():
        dossiers = db.session.scalars(select(Dossier).order_by(Dossier.id)).all()
        key = dossier_key()
        # The same hash a rating stores when the citizen types the code from the receipt.
        assert dossiers[0].code_hash == dossier_hash("h01-0001", key)
        assert dossiers[1].code_hash == dossier_hash("H01-0002", key)
        # The keyed hash is HMAC-SHA256 of the code without spaces, in capitals.
        expected = hmac.new(key, b"H01-0002", hashlib.sha256).hexdigest()
        assert dossiers[1].code_hash == expected
        assert dossiers[0].service_point_id == org.desk_id
        assert dossiers[0].official_id == org.official_id
        # Vietnam's time (UTC+7) stored as UTC; a date alone is the end of the due day.
        assert dossiers[0].received_dt == datetime(2025, 7, 1, 1, 15)
        assert dossiers[0].due_dt == datetime(2025, 7, 4, 16, 59, 59)
        assert dossiers[1].received_dt == datetime(2025, 6, 30, 17, 0)
        assert dossiers[1].returned_dt is None
        columns = [column.name for column in Dossier.__table__.columns]
        row = db.session.execute(select(Dossier.__table__)).first()
        assert not any("H01" in str(value).upper() for value in row)
        assert "dossier_code" not in columns
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "dossiers.imported")
        ).one()
        assert event.details["created"] == 2


def test_importing_again_updates_and_never_duplicates(app, runner, tmp_path, org):
    first = (
        HEADER
        + "H-1,AG-TT,,,,direct,2025-07-01,2025-07-04,,,,\nH-2,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n"
    )
    assert run_import(runner, tmp_path, first).exit_code == 0
    later = (
        HEADER
        + "H-1,AG-TT,,,,direct,2025-07-01,2025-07-04,2025-07-03,2,,\n"
        + "H-2,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n"
    )
    dry = run_import(runner, tmp_path, later, "--dry-run")
    assert "Dry run, nothing written. 2 dossiers: 0 new, 1 updated, 1 unchanged." in dry.output
    assert stored(app)[0][1] is None
    result = run_import(runner, tmp_path, later)
    assert "0 new, 1 updated, 1 unchanged" in result.output
    rows = stored(app)
    assert len(rows) == 2
    assert rows[0][1:3] == (datetime(2025, 7, 3, 16, 59, 59), 2)


def test_a_long_import_shows_a_progress_bar_by_bytes_read(app, runner, tmp_path, org, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)  # five rows: the bar moves three times
    monkeypatch.setattr(click._termui_impl, "isatty", lambda stream: True)  # a terminal
    rows = "".join(f"H01-{number},AG-TT,,,,,2025-07-01,2025-07-04,,,,\n" for number in range(5))
    result = run_import(runner, tmp_path, HEADER + rows)
    assert result.exit_code == 0, result.output
    assert "Imported 5 dossiers: 5 new" in result.output
    bar = result.stderr
    assert "Reading dossiers" in bar
    assert [int(share) for share in re.findall(r"(\d+)%", bar)] == sorted(
        int(share) for share in re.findall(r"(\d+)%", bar)
    )
    assert "100%" in bar


def test_the_progress_bar_stays_off_when_the_output_is_not_a_terminal(app, runner, tmp_path, org):
    result = run_import(runner, tmp_path, HEADER + "H01-1,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n")
    assert result.exit_code == 0, result.output
    assert "%" not in result.stderr  # only the label, once, in a log file


def test_a_dry_run_writes_nothing(app, runner, tmp_path, org):
    result = run_import(
        runner, tmp_path, HEADER + "H-1,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n", "--dry-run"
    )
    assert "1 new" in result.output
    assert stored(app) == []


BAD_LINES = [
    (
        "H-9,AG-NONE,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column agency_code: no agency has this code.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-05,2025-07-04,,,,",
        "Line 3, column due_at: the due date is before the receipt.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-05,2025-07-09,2025-07-01,,,",
        "Line 3, column returned_at: the return is before the receipt.",
    ),
    (
        "H-1,AG-TT,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column dossier_code: the same dossier code is already on line 2.",
    ),
    (
        " h-1 ,AG-TT,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column dossier_code: the same dossier code is already on line 2.",
    ),
    (
        "H-9,AG-TT,,,,,2025-13-01,2025-07-04,,,,",
        "Line 3, column received_at: 2025-13-01 is not a date",
    ),
    ("H-9,AG-TT,,,,,abc,2025-07-04,,,,", "Line 3, column received_at: abc is not a date"),
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,3.5,,",
        "Line 3, column extra_visits: write a whole number from 0 to 100.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,-1,,",
        "Line 3, column extra_visits: starts with a character that would run as a formula.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,101,,",
        "Line 3, column extra_visits: write a whole number from 0 to 100.",
    ),
    (
        "H-9,AG-TT,,,,fax,2025-07-01,2025-07-04,,,,",
        "Line 3, column channel: fax is not one of direct, online, postal.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,,,angry",
        "Line 3, column complaint: angry is not one of none, harassment, other.",
    ),
    (
        "=HYPERLINK(1),AG-TT,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column dossier_code: starts with a character that would run as a formula.",
    ),
    ("H-9,AG-TT,,,,,,2025-07-04,,,,", "Line 3, column received_at: this required value is empty."),
    (
        "H-9,AG-TT,nosuchdesk,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column service_point_code: no desk has this public code.",
    ),
    (
        "H-9,AG-TT,,nobody,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column official_code: no official has this code.",
    ),
    (
        "H-9,AG-TT,,,0.000,,2025-07-01,2025-07-04,,,,",
        "Line 3, column procedure_code: no procedure has this code.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,,",
        "Line 3: 11 values where the header has 12 columns.",
    ),
    ('H-9,"AG-TT,,,,,2025-07-01,2025-07-04,,,,', "Line 3: this line is not valid CSV"),
    (
        "H-9\x00,AG-TT,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column dossier_code: a dossier code has only",
    ),
    (
        "H\u200b-9,AG-TT,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column dossier_code: a dossier code has only",
    ),
    (
        "H-" + "9" * 70 + ",AG-TT,,,,,2025-07-01,2025-07-04,,,,",
        "Line 3, column dossier_code: longer than 60 characters.",
    ),
    # Moments outside what a date-time holds once in UTC: an overflow, once a server error.
    (
        "H-9,AG-TT,,,,,0001-01-01,2025-07-04,,,,",
        "Line 3, column received_at: 0001-01-01 is not a date",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-01,9999-12-31T23:00-05:00,,,,",
        "Line 3, column due_at: 9999-12-31T23:00-05:00 is not a date",
    ),
    # Digits other than 0-9: "²" was a server error, "١٢" and "٠١" were read as 12 and 01.
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,²,,",
        "Line 3, column extra_visits: write a whole number from 0 to 100.",
    ),
    (
        "H-9,AG-TT,,,,,2025-07-01,2025-07-04,,,١٢,",
        "Line 3, column agencies_contacted: write a whole number from 0 to 100.",
    ),
    (
        "H-9,AG-TT,,,,,٠١/٠٧/٢٠٢٥,2025-07-04,,,,",
        "Line 3, column received_at: ٠١/٠٧/٢٠٢٥ is not a date",
    ),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_a_bad_line_is_named_with_its_column_and_nothing_is_written(
    app, runner, tmp_path, org, line, message
):
    text = (
        HEADER
        + "H-1,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n"
        + line
        + "\nH-3,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n"
    )
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 1
    assert message in result.output
    assert "nothing was imported" in result.output
    assert stored(app) == []


def test_a_desk_of_another_agency_is_refused(app, runner, tmp_path, org):
    text = HEADER + f"H-1,AG-TT,{org.other_desk},,,,2025-07-01,2025-07-04,,,,\n"
    result = run_import(runner, tmp_path, text)
    assert (
        "Line 2, column service_point_code: this desk belongs to another agency." in result.output
    )
    assert stored(app) == []


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "dossier_code,agency_code,received_at,due_at,ho_ten",
            "column ho_ten: the column looks like personal data (a person's name)",
        ),
        (
            "dossier_code,agency_code,received_at,due_at,so_dien_thoai",
            "personal data (a phone number or e-mail address)",
        ),
        (
            "dossier_code,agency_code,received_at,due_at,CCCD",
            "column cccd: the column looks like personal data (an identity number)",
        ),
        ("dossier_code,agency_code,received_at,due_at,dia_chi", "personal data (an address)"),
        ("dossier_code,agency_code,received_at,due_at,colour", "column colour: unknown column"),
        ("dossier_code,agency_code,received_at", "column due_at: this required column is missing."),
        (
            "dossier_code,agency_code,received_at,due_at,due_at",
            "column due_at: this column is repeated.",
        ),
    ],
)
def test_a_bad_header_is_refused_with_the_reason(app, runner, tmp_path, org, header, message):
    result = run_import(runner, tmp_path, header + "\nH-1,AG-TT,2025-07-01,2025-07-04,x\n")
    assert result.exit_code == 1
    assert message in result.output
    assert stored(app) == []


def test_a_file_that_is_not_utf8_is_refused(app, runner, tmp_path, org):
    text = (HEADER + "H-1,AG-TT,,,,,2025-07-01,2025-07-04,,,,\n").encode() + "H-2,Cơ quan".encode(
        "cp1258"
    )
    result = run_import(runner, tmp_path, text)
    assert "Line 3: the file is not UTF-8 text" in result.output
    assert stored(app) == []


def test_only_the_required_columns_suffice(app, runner, tmp_path, org):
    result = run_import(
        runner,
        tmp_path,
        "due_at,received_at,agency_code,dossier_code\n2025-07-04,2025-07-01,AG-TT,X-1\n",
    )
    assert result.exit_code == 0, result.output
    assert len(stored(app)) == 1


# ----------------------------------------------------------------------------------------
# The API
# ----------------------------------------------------------------------------------------


@pytest.fixture
def key(app):
    from survey.db import write_session

    with app.app_context(), write_session() as session:
        return create_integration(session, "Hệ thống một cửa tỉnh").key


def post(client, key, body, **headers):
    return client.post(
        "/api/v1/dossiers?lang=en",
        data=json.dumps(body) if not isinstance(body, (str, bytes)) else body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **headers},
    )


DOSSIER = {
    "dossier_code": "H-1",
    "agency_code": "AG-TT",
    "received_at": "2025-07-01",
    "due_at": "2025-07-04",
}


def test_a_batch_is_imported_and_resent_without_duplicates(app, client, key, org):
    response = post(
        client, key, {"dossiers": [DOSSIER, {**DOSSIER, "dossier_code": "H-2", "extra_visits": 1}]}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "imported",
        "received": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    again = post(client, key, {"dossiers": [{**DOSSIER, "returned_at": "2025-07-02T10:00+07:00"}]})
    assert again.get_json()["updated"] == 1
    assert len(stored(app)) == 2
    assert stored(app)[0][1] == datetime(2025, 7, 2, 3, 0)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        (
            {"dossiers": [DOSSIER, {**DOSSIER, "agency_code": "NOPE", "dossier_code": "H-5"}]},
            422,
            {"item": 2, "field": "agency_code", "message": "no agency has this code."},
        ),
        (
            {"dossiers": [DOSSIER, DOSSIER]},
            422,
            {
                "item": 2,
                "field": "dossier_code",
                "message": "the same dossier code is already on line 1.",
            },
        ),
        (
            {"dossiers": [{**DOSSIER, "returned_at": "2025-06-30"}]},
            422,
            {"item": 1, "field": "returned_at", "message": "the return is before the receipt."},
        ),
        (
            {"dossiers": [{**DOSSIER, "citizen_phone": "0909"}]},
            422,
            {"item": 1, "field": "citizen_phone"},
        ),
        (
            {"dossiers": [{**DOSSIER, "extra_visits": 3.5}]},
            422,
            {"item": 1, "field": "extra_visits"},
        ),
        (
            {"dossiers": [{**DOSSIER, "extra_visits": -1}]},
            422,
            {"item": 1, "field": "extra_visits"},
        ),
        (
            {"dossiers": [{**DOSSIER, "dossier_code": None}]},
            422,
            {"item": 1, "field": "dossier_code", "message": "this required value is empty."},
        ),
        ({"dossiers": ["H-1"]}, 422, {"item": 1, "field": None, "message": "not a JSON object."}),
        ({"dossiers": [DOSSIER] * 1001}, 422, None),
        ({"dossiers": []}, 422, None),
        ({"dossier": [DOSSIER]}, 422, None),
        ('{"dossiers": [], "dossiers": []}', 400, None),
        (b'{"dossiers": ["\xff"]}', 400, None),
        ("not json", 400, None),
    ],
)
def test_a_bad_batch_gets_a_4xx_naming_the_item_and_writes_nothing(
    app, client, key, org, body, status, expected
):
    response = post(client, key, body)
    assert response.status_code == status
    answer = response.get_json()
    if expected is not None:
        problems = answer["errors"]
        assert any(
            all(problem.get(name) == value for name, value in expected.items())
            for problem in problems
        ), problems
    assert stored(app) == []


def test_personal_data_fields_are_refused_with_the_reason(app, client, key, org):
    response = post(client, key, {"dossiers": [{**DOSSIER, "ho_ten": "Nguyễn Văn A"}]})
    assert "personal data (a person's name)" in response.get_json()["errors"][0]["message"]
    vietnamese = client.post(
        "/api/v1/dossiers?lang=vi",
        json={"dossiers": [{**DOSSIER, "ho_ten": "Nguyễn Văn A"}]},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert "dữ liệu cá nhân (họ tên của một người)" in vietnamese.get_json()["errors"][0]["message"]


def test_the_key_is_required_and_revocable(app, client, key, org):
    assert post(client, "hl_int_wrong", {"dossiers": [DOSSIER]}).status_code == 401
    assert client.post("/api/v1/dossiers", json={"dossiers": [DOSSIER]}).status_code == 401
    response = client.post(
        "/api/v1/dossiers", data="{}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 415
    from survey.db import write_session

    with app.app_context(), write_session() as session:
        revoke_integration(session, "Hệ thống một cửa tỉnh")
    refused = post(client, key, {"dossiers": [DOSSIER]})
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "integration_revoked"
    assert stored(app) == []


def test_create_integration_prints_the_key_once_and_stores_only_its_hash(app, runner, org):
    result = runner.invoke(args=["create-integration", "iGate"])
    assert result.exit_code == 0, result.output
    printed = next(line for line in result.output.splitlines() if line.startswith("hl_int_"))
    with app.app_context():
        from survey.dossiers.models import Integration

        integration = db.session.scalars(select(Integration)).one()
        assert printed not in integration.key_hash
        assert len(integration.key_hash) == 64
    assert runner.invoke(args=["create-integration", "iGate"]).exit_code == 1
    assert runner.invoke(args=["revoke-integration", "iGate"]).exit_code == 0
    assert runner.invoke(args=["revoke-integration", "nobody"]).exit_code == 1


def test_the_openapi_document_describes_the_batch(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/dossiers"]["post"]
    assert operation["security"] == [{"integrationBearer": []}]
    assert (
        document["components"]["schemas"]["DossierBatch"]["properties"]["dossiers"]["maxItems"]
        == 1000
    )
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_a_body_over_a_megabyte_is_refused_with_413(app, client, key, org):
    body = {
        "dossiers": [
            {**DOSSIER, "dossier_code": f"H-{n}", "procedure_code": "x" * 60} for n in range(1000)
        ]
    }
    body["dossiers"][0]["official_code"] = "y" * 1_000_000
    response = post(client, key, body)
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert stored(app) == []


# --------------------------------------------------------------------------------------
# The columns of Circular 01/2018 indices 5, 6, 8 and 9
# --------------------------------------------------------------------------------------

FULL_HEADER = HEADER.strip() + "," + ",".join(INDEX_COLUMNS) + "\n"
BASE = "H-1,AG-TT,,,,,2025-07-01,2025-07-04,2025-07-03,,,"


def index_fields(app) -> list[tuple]:
    with app.app_context():
        return [
            (row.one_stop_desk, row.procedure_published, row.feedback_handling, row.online_service)
            for row in db.session.scalars(select(Dossier).order_by(Dossier.id))
        ]


def test_the_index_columns_are_imported_and_updated_again(app, runner, tmp_path, org):
    first = FULL_HEADER + BASE + ",both,full,none,partial\n" + "H-2" + BASE[3:] + ",,,,\n"
    result = run_import(runner, tmp_path, first)
    assert result.exit_code == 0, result.output
    assert index_fields(app) == [("both", "full", "none", "partial"), (None, None, None, None)]
    # Another system writes its codes in capitals; a later file fills in the feedback.
    later = FULL_HEADER + BASE + ",BOTH,Full,late,partial\n" + "H-2" + BASE[3:] + ",,,,\n"
    dry = run_import(runner, tmp_path, later, "--dry-run")
    assert "0 new, 1 updated, 1 unchanged" in dry.output
    assert index_fields(app)[0][2] == "none"
    assert run_import(runner, tmp_path, later).exit_code == 0
    assert index_fields(app) == [("both", "full", "late", "partial"), (None, None, None, None)]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            "yes,full,none,full",
            "Line 3, column one_stop_desk: yes is not one of both, partly, neither.",
        ),
        (
            "both,1,none,full",
            "Line 3, column procedure_published: 1 is not one of full, partial, none.",
        ),
        (
            "both,full,overdue,full",
            "Line 3, column feedback_handling: overdue is not one of none, early, on_time, late.",
        ),
        ("both,full,none,4", "Line 3, column online_service: 4 is not one of full, partial, none."),
        (
            "both,full,none,@level4",
            "Line 3, column online_service: starts with a character that would run as a formula.",
        ),
    ],
)
def test_a_bad_index_value_is_named_and_nothing_is_written(
    app, runner, tmp_path, org, values, message
):
    text = FULL_HEADER + BASE + ",both,full,none,full\n" + "H-2" + BASE[3:] + "," + values + "\n"
    result = run_import(runner, tmp_path, text)
    assert result.exit_code == 1
    assert message in result.output
    assert stored(app) == []


def test_the_api_takes_the_index_fields_and_refuses_a_bad_one(app, client, key, org):
    fields = {
        "one_stop_desk": "partly",
        "procedure_published": "partial",
        "feedback_handling": "on_time",
        "online_service": "none",
    }
    bad = post(client, key, {"dossiers": [{**DOSSIER, **fields, "online_service": "level4"}]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [
        {"item": 1, "field": "online_service", "message": "this value is not valid."}
    ]
    assert stored(app) == []
    response = post(client, key, {"dossiers": [{**DOSSIER, **fields}]})
    assert response.status_code == 200, response.get_json()
    assert index_fields(app) == [("partly", "partial", "on_time", "none")]
    again = post(client, key, {"dossiers": [{**DOSSIER, **fields, "feedback_handling": None}]})
    assert again.get_json()["updated"] == 1
    assert index_fields(app) == [("partly", "partial", None, "none")]


def test_the_openapi_document_lists_the_index_fields(client):
    document = client.get("/api/v1/openapi.json").get_json()
    properties = document["components"]["schemas"]["Dossier"]["properties"]
    assert properties["one_stop_desk"]["enum"] == ["both", "partly", "neither", "", None]
    assert properties["feedback_handling"]["enum"] == [
        "none",
        "early",
        "on_time",
        "late",
        "",
        None,
    ]
    assert set(INDEX_COLUMNS) <= set(properties)


# --------------------------------------------------------------------------------------
# An outsider's batches: each answered 4xx, and nothing changes
# --------------------------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000
#: A dossier as JSON text, to which a test adds fields written by hand.
DOSSIER_TEXT = json.dumps(DOSSIER)[:-1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f'{{"dossiers": [{DOSSIER_TEXT}, "one_stop_desk": {DEEP}}}]}}', "nested more than 32"),
        ('{"dossiers": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}", "nested more than 32"),
        (
            f'{{"dossiers": [{DOSSIER_TEXT}, "feedback_handling": "late", '
            '"feedback_handling": "none"}]}',
            "The field feedback_handling is repeated.",
        ),
        (
            f'{{"dossiers": [{DOSSIER_TEXT}, "extra_visits": {"9" * 5000}}}]}}',
            "more than 30 digits",
        ),
    ],
    ids=["deep-in-a-field", "deep-objects", "repeated-field-in-a-dossier", "5000-digits"],
)
def test_malformed_json_in_a_dossier_is_a_400_and_changes_nothing(
    app, client, key, org, body, message
):
    before = post(client, key, {"dossiers": [{**DOSSIER, "feedback_handling": "early"}]})
    assert before.status_code == 200
    response = post(client, key, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed"
    assert message in response.get_json()["message"]
    assert index_fields(app) == [(None, None, "early", None)]


#: (field, value): wrong JSON types, huge arrays and look-alike text in the index fields,
#: then the other fields' unicode and overflow cases.
HOSTILE_VALUES = [
    ("one_stop_desk", 1),
    ("procedure_published", True),
    ("feedback_handling", {}),
    ("online_service", ["full"]),
    ("one_stop_desk", [0] * 100_000),
    ("procedure_published", "full\u200b"),
    ("feedback_handling", "\u202elate"),
    ("online_service", "ｆｕｌｌ"),
    ("one_stop_desk", "bоth"),  # a Cyrillic о
    ("procedure_published", "full\u0000"),
    ("feedback_handling", "\ud800"),
    ("online_service", "full" * 1000),
    ("agency_code", "\ud800"),
    ("received_at", "0001-01-01T00:00+07:00"),
    ("due_at", "9999-12-31T23:00-05:00"),
    ("extra_visits", "²"),
    ("extra_visits", "1" * 5000),
    ("agencies_contacted", "١٢"),
    ("agencies_contacted", "２"),
    ("received_at", "٠١/٠٧/٢٠٢٥"),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE_VALUES, ids=lambda value: repr(value)[:20])
def test_a_hostile_value_is_named_and_the_batch_changes_nothing(
    app, client, key, org, field, value
):
    fields = {
        "one_stop_desk": "both",
        "procedure_published": "full",
        "feedback_handling": "early",
        "online_service": "partial",
    }
    assert post(client, key, {"dossiers": [{**DOSSIER, **fields}]}).status_code == 200
    before = stored(app), index_fields(app)
    # The first item would update H-1; the second is refused, so neither is written.
    update = {**DOSSIER, **dict.fromkeys(fields, "none"), "one_stop_desk": "neither"}
    # json.dumps writes every character outside ASCII (a lone surrogate too) as an escape.
    second = json.dumps({**DOSSIER, "dossier_code": "H-2", field: value})
    response = post(client, key, f'{{"dossiers": [{json.dumps(update)}, {second}]}}')
    assert response.status_code == 422, response.get_json()
    assert {(error["item"], error["field"]) for error in response.get_json()["errors"]} == {
        (2, field)
    }
    assert (stored(app), index_fields(app)) == before
