"""No secret and no password ever appears in a log line, the audit log, or a download."""

from __future__ import annotations

import io
import logging
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from survey.accounts.models import AuditEvent
from survey.db import db
from tests.accounts.conftest import sign_in
from tests.factories import OFFICER_PASSWORD
from tests.results.test_downloads import QUERY

NEW_PASSWORD = "một mật khẩu mới rất dài 2026"
TYPED_BY_MISTAKE = "mật-khẩu-gõ-nhầm-123"


def readable_text(response) -> str:
    """What a person would see in a download, whatever its format."""
    if response.mimetype == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if response.data[:2] == b"PK":  # XLSX is a zip of XML files
        with zipfile.ZipFile(io.BytesIO(response.data)) as workbook:
            return "\n".join(workbook.read(name).decode("utf-8") for name in workbook.namelist())
    return response.data.decode("utf-8-sig")


def test_passwords_and_keys_stay_out_of_logs_audit_and_exports(app, results_world, caplog, capfd):
    secrets = [
        OFFICER_PASSWORD,
        NEW_PASSWORD,
        TYPED_BY_MISTAKE,
        app.config["SECRET_KEY"],
        app.config["DOSSIER_HASH_KEY"],
    ]
    email = results_world.emails["administrator"]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("survey.requests").addHandler(caplog.handler)
        try:
            client = app.test_client()
            assert sign_in(client, email, password=TYPED_BY_MISTAKE).status_code != 302
            assert sign_in(client, email).status_code == 302
            changed = client.post(
                "/officer/password",
                data={
                    "current_password": OFFICER_PASSWORD,
                    "new_password": NEW_PASSWORD,
                    "new_password_again": NEW_PASSWORD,
                },
            )
            assert changed.status_code in (302, 303)  # changed, and sent on
            runner = app.test_cli_runner()
            created = runner.invoke(
                args=["create-user", "new.officer@hailong.example", "--role", "administrator"],
                input=NEW_PASSWORD + "\n",
            )
            assert created.exit_code == 0
            downloads = []
            for path in ("report.csv", "report.xlsx", "report.pdf", "responses.csv"):
                officer = app.test_client()
                assert sign_in(officer, results_world.emails["reform_office"]).status_code == 302
                response = officer.get(f"/officer/results/{path}?{QUERY}")
                assert response.status_code == 200, path
                downloads.append(readable_text(response))
        finally:
            logging.getLogger("survey.requests").removeHandler(caplog.handler)
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent)))
        details = [repr(event.details) for event in events]
        actions = {event.action for event in events}
    captured = capfd.readouterr()
    places = {
        "logs": caplog.text,
        "output": captured.out + captured.err + created.output,
        "audit log": "\n".join(details),
        "downloads": "\n".join(downloads),
    }
    # The audit log was written: a failed and a good sign-in, a download, a new user.
    assert {"user.created", "report.downloaded"} <= actions and len(actions) >= 4
    leaks = [
        (place, secret[:6])
        for place, text in places.items()
        for secret in secrets
        if secret in text
    ]
    assert leaks == []
