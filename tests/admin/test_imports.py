"""CSV import of the agency tree: a dry run first, errors naming the line, all or nothing."""

# ruff: noqa: F811 (the fixtures come from tests/admin/org_helpers.py, imported below)

from __future__ import annotations

import csv
import io

import pytest

from survey.db import db
from survey.org.models import Agency
from tests.admin.org_helpers import admin, agency, audit_of, snapshot, tree  # noqa: F401

HEADER = "code,name,name_en,name_km,kind,parent_code,valid_from,valid_to\n"


def upload(client, text: str | bytes, confirm: bool = False, url="/admin/agencies/import"):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return (
        client.post(
            url,
            data={"file": (io.BytesIO(raw), "tree.csv")},
            content_type="multipart/form-data",
        )
        if not confirm
        else client.post(url, data={"content": raw.decode("utf-8-sig"), "confirm": "1"})
    )


def test_a_dry_run_lists_the_changes_and_writes_nothing(app, admin, tree):
    before = snapshot(app)
    text = (
        "\ufeff"
        + HEADER
        + "P,Tỉnh An Giang,,,Tỉnh,,,\n"  # unchanged
        + "XA,Xã Mỹ Hòa Hưng,My Hoa Hung,,UBND xã,P,,\n"  # renamed
        + "PRG,Phường Rạch Giá,,,UBND phường,P,01/07/2025,\n"  # new
        # new, under a parent that is new too
        + "PRG1,Bộ phận Một cửa phường Rạch Giá,,,Bộ phận Một cửa,PRG,2025-07-01,\n"
    )
    response = upload(admin, text)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 to create, 1 to update, 1 unchanged." in page
    assert "Xã Mỹ Hòa → Xã Mỹ Hòa Hưng" in page
    assert snapshot(app) == before


def test_confirming_writes_the_whole_file_in_one_go_with_an_audit_per_change(app, admin, tree):
    text = (
        HEADER
        + "PRG1,Bộ phận Một cửa,,,Bộ phận Một cửa,PRG,2025-07-01,\n"
        + "PRG,Phường Rạch Giá,,,UBND phường,P,01/07/2025,\n"
        + "XA,Xã Mỹ Hòa,,,UBND xã,P,,2025-07-01\n"
    )
    response = upload(admin, text, confirm=True)
    assert response.status_code == 303
    assert agency(app, "PRG1").parent_id == agency(app, "PRG").id
    assert str(agency(app, "XA").valid_to) == "2025-07-01"
    events = audit_of(app, "agency.imported")
    assert sorted((event["target"], event["action"]) for event in events) == [
        ("agency:PRG", "create"),
        ("agency:PRG1", "create"),
        ("agency:XA", "update"),
    ]
    (closing,) = [event for event in events if event["target"] == "agency:XA"]
    assert closing["before"]["valid_to"] == "" and closing["after"]["valid_to"] == "2025-07-01"


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        pytest.param(
            (HEADER + "PRG,Phường Rạch Giá,,,UBND phường,P,,\n").encode()
            + b"PX,Ph\xad\xeang V\xd5nh Thanh,,,UBND ph\xad\xeang,P,,\n",  # TCVN3 (ABC) bytes
            3,
            "not UTF-8",
            id="wrong-encoding",
        ),
        pytest.param(
            "code,name,kind\nPRG,Phường,UBND\n",
            1,
            "missing columns: name_en, name_km, parent_code, valid_from, valid_to",
            id="missing-columns",
        ),
        pytest.param(
            HEADER.replace("kind", "kinds"), 1, "unknown columns: kinds", id="unknown-column"
        ),
        pytest.param(
            HEADER + "PRG,Phường A,,,UBND phường,P,,\nPRG,Phường B,,,UBND phường,P,,\n",
            3,
            "the code PRG is already on line 2",
            id="duplicate-codes",
        ),
        pytest.param(
            HEADER + "PRG,Phường,,,UBND phường,NOPE,,\n",
            2,
            "the parent NOPE is neither",
            id="unknown-parent",
        ),
        pytest.param(
            HEADER + "P,Tỉnh An Giang,,,Tỉnh,XA,,\n",
            2,
            "makes a cycle",
            id="cycle-through-the-tree",
        ),
        pytest.param(
            HEADER + "N1,Một,,,Xã,N2,,\nN2,Hai,,,Xã,N1,,\n",
            2,
            "makes a cycle",
            id="cycle-in-the-file",
        ),
        pytest.param(
            HEADER + "PRG,PRG,,,UBND phường,PRG,,\n", 2, "cannot be its own parent", id="own-parent"
        ),
        pytest.param(
            HEADER + "PRG,=cmd|' /C calc'!A0,,,UBND phường,P,,\n",
            2,
            'starts with "="',
            id="formula-equals",
        ),
        pytest.param(
            HEADER + "PRG,Phường,,,+SUM(1),P,,\n", 2, 'starts with "+"', id="formula-plus"
        ),
        pytest.param(HEADER + "PRG,Phường,,,@SUM(1),P,,\n", 2, 'starts with "@"', id="formula-at"),
        pytest.param(
            HEADER + "PRG,\tPhường,,,UBND,P,,\n", 2, 'starts with "TAB"', id="formula-tab"
        ),
        pytest.param(
            HEADER + "PRG,Phường,,,UBND phường,P,31/02/2025,\n",
            2,
            "valid_from 31/02/2025 is not a date",
            id="bad-date",
        ),
        pytest.param(
            HEADER + "PRG,Phường,,,UBND phường,P,2025-07-01,2025-01-01\n",
            2,
            "valid_to must be after",
            id="dates-reversed",
        ),
        pytest.param(HEADER + "P R G,Phường,,,UBND phường,P,,\n", 2, "is not valid", id="bad-code"),
        pytest.param(HEADER + "PRG,,,,UBND phường,P,,\n", 2, "name is empty", id="empty-name"),
        pytest.param(
            HEADER + "PRG,Phường,,,UBND phường,P,,,extra\n",
            2,
            "9 values where the header has 8",
            id="extra-cell",
        ),
        pytest.param(
            HEADER + 'PRG,"Phường,,,UBND phường,P,,\n', 2, "not valid CSV", id="open-quote"
        ),
        pytest.param(HEADER + "PRG,Phư\x00ờng,,,UBND,P,,\n", 2, "NUL", id="nul"),
        pytest.param("", 1, "empty", id="empty-file"),
    ],
)
def test_a_malformed_file_names_the_line_and_writes_nothing(
    app, admin, tree, content, line, message
):
    before = snapshot(app)
    for confirm in (False, True):
        raw = content if isinstance(content, bytes) else content.encode("utf-8")
        if confirm and (isinstance(content, bytes) or not content):
            continue  # only checked UTF-8 text comes back to be confirmed
        response = upload(admin, raw, confirm=confirm)
        assert response.status_code in (400, 422)
        page = response.get_data(as_text=True)
        assert f"Line {line}:" in page, page[-3000:]
        assert message in page.replace("&#34;", '"').replace("&#39;", "'")
        assert "Import these changes" not in page
    assert snapshot(app) == before


def test_errors_are_in_vietnamese(app, admin, tree):
    response = admin.post(
        "/admin/agencies/import?lang=vi",
        data={"file": (io.BytesIO((HEADER + "PRG,Phường,,,UBND,NOPE,,\n").encode()), "t.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Dòng 2: đơn vị cấp trên NOPE không có trong tệp" in page


def test_a_second_file_started_elsewhere_is_checked_again_when_confirmed(app, admin, tree):
    # The dry run passed, then the parent's code changed before the confirmation.
    text = HEADER + "PRG,Phường Rạch Giá,,,UBND phường,P,,\nXA,Xã Mỹ Hòa,,,UBND xã,PRG,,\n"
    assert upload(admin, text).status_code == 200
    with app.app_context():
        db.session.get(Agency, tree.province).code = "P2"
        db.session.commit()
    before = snapshot(app)
    response = upload(admin, text, confirm=True)
    assert response.status_code == 422
    assert "Line 2:" in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_the_export_reads_back_unchanged_and_neutralises_formulas(app, admin, tree):
    exported = admin.get("/admin/agencies/export.csv")
    assert exported.status_code == 200
    assert exported.data.startswith("\ufeff".encode())
    again = upload(admin, exported.data)
    assert "0 to create, 0 to update, 3 unchanged." in again.get_data(as_text=True)
    with app.app_context():
        db.session.get(Agency, tree.commune_b).name = '=HYPERLINK("http://evil.example")'
        db.session.get(Agency, tree.commune_a).name_en = "-2+3"
        db.session.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(admin.get("/admin/agencies/export.csv").data.decode("utf-8-sig"))
        )
    )
    by_code = {row["code"]: row for row in rows}
    assert by_code["XB"]["name"] == '\'=HYPERLINK("http://evil.example")'
    assert by_code["XA"]["name_en"] == "'-2+3"
    assert audit_of(app, "agency.exported")


def test_officials_and_procedures_import_the_same_safe_way(app, admin, tree):
    before = snapshot(app)
    header = "id,agency_code,name,title,active_from,active_to\n"
    bad = header + ",XA,Trần Thị Bình,Chuyên viên,,\n,NOPE,Lê Văn C,,,\n999,XA,Ai đó,,,\n"
    page = upload(admin, bad, url="/admin/officials/import").get_data(as_text=True)
    assert "Line 3: no unit has the code NOPE." in page
    assert "Line 4: no official has the id 999." in page
    assert snapshot(app) == before
    good = (
        header
        + ",XA,Trần Thị Bình,Chuyên viên,,\n"
        + f"{tree.official},XB,Nguyễn Văn An,Chuyên viên,,\n"
    )
    assert upload(admin, good, url="/admin/officials/import", confirm=True).status_code == 303
    assert {event["action"] for event in audit_of(app, "official.imported")} == {"create", "update"}
    duplicate = (
        "code,name,field\n1.001612,Đăng ký khai sinh,Hộ tịch\n1.001612,Đăng ký kết hôn,Hộ tịch\n"
    )
    page = upload(admin, duplicate, url="/admin/procedures/import").get_data(as_text=True)
    assert "Line 3: the code 1.001612 is already on line 2." in page
    formula = "code,name,field\n1.001612,=1+1,Hộ tịch\n"
    assert "Line 2:" in upload(admin, formula, url="/admin/procedures/import").get_data(
        as_text=True
    )
    procedures = "code,name,field\n1.001612,Đăng ký khai sinh,Hộ tịch\n"
    assert (
        upload(admin, procedures, url="/admin/procedures/import", confirm=True).status_code == 303
    )
    assert "Đăng ký khai sinh" in admin.get("/admin/procedures/").get_data(as_text=True)


def test_officials_and_procedures_export_what_they_import_and_the_export_is_audited(
    app, admin, tree
):
    officials = "id,agency_code,name,title,active_from,active_to\n,XA,Trần Thị Bình,Chuyên viên,,\n"
    assert upload(admin, officials, url="/admin/officials/import", confirm=True).status_code == 303
    procedures = "code,name,field\n1.001612,Đăng ký khai sinh,Hộ tịch\n"
    assert (
        upload(admin, procedures, url="/admin/procedures/import", confirm=True).status_code == 303
    )
    for kind, url, expected in (
        ("official", "/admin/officials/export.csv", ("XA", "Trần Thị Bình", "Chuyên viên")),
        ("procedure", "/admin/procedures/export.csv", ("1.001612", "Đăng ký khai sinh", "Hộ tịch")),
    ):
        exported = admin.get(url)
        assert exported.status_code == 200
        assert exported.mimetype == "text/csv"
        assert exported.headers["Content-Disposition"] == f"attachment; filename={kind}s.csv"
        assert exported.data.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
        assert any(set(expected) <= set(row.values()) for row in rows), rows
        # Read back by its own import: nothing to change.
        page = upload(admin, exported.data, url=url.replace("export.csv", "import"))
        assert "0 to create, 0 to update" in page.get_data(as_text=True)
        assert audit_of(app, f"{kind}.exported") == [{"target": None, "rows": len(rows)}]
