"""The administration page imports a dossier file: a dry run that writes nothing, then
the import, with errors naming the line and column."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from survey.db import db
from survey.dossiers.imports import COLUMNS
from survey.dossiers.models import Dossier
from tests.factories import make_agency, signed_in_client

#: The columns of indices 5, 6, 8 and 9, optional: most tests' files leave them out.
INDEX_COLUMNS = ("one_stop_desk", "procedure_published", "feedback_handling", "online_service")
HEADER = ",".join(column for column in COLUMNS if column not in INDEX_COLUMNS) + "\n"
GOOD = HEADER + "H-1,AG-PAGE,,,,direct,2025-07-01,2025-07-04,2025-07-03,0,1,none\n"


def upload(client, text: str, action: str):
    return client.post(
        "/admin/dossiers/import?lang=en",
        data={"file": (io.BytesIO(text.encode("utf-8")), "dossiers.csv"), "action": action},
        content_type="multipart/form-data",
    )


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Dossier))


def test_a_dry_run_then_the_import(app):
    with app.app_context():
        make_agency(db.session, code="AG-PAGE")
        db.session.commit()
    client, _user = signed_in_client(app, "administrator")
    page = client.get("/admin/dossiers/import")
    assert page.status_code == 200
    assert "dossier_code, agency_code" in page.get_data(as_text=True)
    dry = upload(client, GOOD, "check")
    assert dry.status_code == 200
    assert "Dry run, nothing written: 1 dossiers, 1 new" in dry.get_data(as_text=True)
    assert count(app) == 0
    done = upload(client, GOOD, "import")
    assert done.status_code == 303
    assert "Imported 1 dossiers: 1 new" in client.get(done.location).get_data(as_text=True)
    assert count(app) == 1
    assert "0 new, 0 to update, 1 unchanged" in upload(client, GOOD, "check").get_data(as_text=True)


def test_errors_name_the_line_and_column_and_nothing_is_written(app):
    with app.app_context():
        make_agency(db.session, code="AG-PAGE")
        db.session.commit()
    client, _user = signed_in_client(app, "administrator")
    text = GOOD + "H-2,AG-PAGE,,,,,2025-07-05,2025-07-09,2025-07-01,,,\n"
    response = upload(client, text, "import")
    assert response.status_code == 422
    assert "Line 3, column returned_at: the return is before the receipt." in response.get_data(
        as_text=True
    )
    personal = upload(client, "ho_ten," + GOOD, "check")
    assert "personal data" in personal.get_data(as_text=True)
    assert count(app) == 0


def test_the_dry_run_checks_the_index_columns(app):
    with app.app_context():
        make_agency(db.session, code="AG-PAGE")
        db.session.commit()
    client, _user = signed_in_client(app, "administrator")
    header = HEADER.strip() + "," + ",".join(INDEX_COLUMNS) + "\n"
    line = "H-1,AG-PAGE,,,,direct,2025-07-01,2025-07-04,2025-07-03,0,1,none,"
    good = upload(client, header + line + "both,full,early,full\n", "check")
    assert "Dry run, nothing written: 1 dossiers, 1 new" in good.get_data(as_text=True)
    bad = upload(client, header + line + "both,full,soon,full\n", "check")
    assert bad.status_code == 422
    assert (
        "Line 2, column feedback_handling: soon is not one of none, early, on_time, late."
        in bad.get_data(as_text=True)
    )
    assert count(app) == 0


def test_the_form_posts_without_javascript_and_has_an_upload_progress_bar(app):
    client, _user = signed_in_client(app, "administrator")
    page = client.get("/admin/dossiers/import?lang=vi").get_data(as_text=True)
    start = page.index('<form class="officer-form"')
    form = page[start : page.index("</form>", start)]
    # An ordinary multipart form: without JavaScript it submits as it always did.
    assert 'method="post"' in form and 'enctype="multipart/form-data"' in form
    assert 'value="check"' in form and 'value="import"' in form
    # With JavaScript: a bar for the upload, then the server's work said in words.
    assert "data-upload-progress" in form
    assert '<progress class="upload-progress" hidden></progress>' in form
    assert 'role="status"' in form
    assert 'data-importing="Đang nhập…' in form
    assert "js/admin-upload-progress.js" in page


def test_only_administrators_may_import(app):
    client, _user = signed_in_client(app, "reform_office")
    assert client.get("/admin/dossiers/import").status_code == 403
