"""The apology letter: produced for a case answered as founded with the agency at fault, in
the decree's layout, from the agency's template; audited; only within the officer's scope.
The administrator's template editor refuses a broken template and changes nothing."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from survey.accounts.models import AuditEvent, Role
from survey.db import db
from survey.feedback.apology import DEFAULT_TEMPLATE
from survey.feedback.models import ApologyTemplate
from tests.factories import signed_in_client
from tests.feedback.conftest import all_cases, rate
from tests.feedback.test_officer import act


@pytest.fixture
def case(client, desk, app):
    rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    [opened] = all_cases(app)
    return opened


@pytest.fixture
def manager(app, desk):
    officer, _user_id = signed_in_client(app, Role.AGENCY_MANAGER, desk["agency_id"])
    return officer


def answer(officer, case_id, at_fault: bool):
    assert act(officer, case_id, "state", state="acknowledged", version=1).status_code == 303
    fields = {"state": "answered", "version": 2, "public_reply": "Đã hướng dẫn lại thủ tục."}
    if at_fault:
        fields["is_agency_at_fault"] = "y"
    assert act(officer, case_id, "state", **fields).status_code == 303


def letter_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def test_the_letter_of_a_founded_case(app, case, manager, tmp_path):
    answer(manager, case.id, at_fault=True)
    page = manager.get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert f"/officer/cases/{case.id}/apology.pdf" in page
    response = manager.get(f"/officer/cases/{case.id}/apology.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(letter_text(response.data).split())
    # The head (Decree 30/2020), the letter's number, the subject, the text, the signature.
    for expected in (
        "UBND TỈNH",
        "UBND PHƯỜNG RẠCH GIÁ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "/CV-PHUONG",
        "V/v xin lỗi về yêu cầu được liên hệ lại tại Quầy số 1",
        "THƯ XIN LỖI",
        f"mã số {case.receipt}",
        f"(mã số tiếp nhận {case.receipt})",
        "UBND phường Rạch Giá trân trọng xin lỗi Ông/Bà",
        "THỦ TRƯỞNG CƠ QUAN",
        "Nơi nhận",
    ):
        assert expected in text, expected
    assert "0912" not in text and "345 678" not in text  # never the number
    assert "{" not in text  # every placeholder filled in
    assert audit_count(app, "feedback.apology_letter") == 1
    # Rendered to an image: a page of A4 with ink on it (looked at by eye as well).
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed"
    source = tmp_path / "letter.pdf"
    source.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(source), str(tmp_path / "p")], check=True)
    [image] = sorted(tmp_path.glob("p*.png"))
    assert image.stat().st_size > 5_000


def test_the_agency_template_is_used(app, case, manager):
    admin, _user_id = signed_in_client(app, Role.ADMINISTRATOR)
    address = f"/officer/cases/apology-letters/{case.agency_id}"
    assert DEFAULT_TEMPLATE.split("{")[0] in admin.get(address).get_data(as_text=True)
    text = "Kính mong Ông/Bà thông cảm về sự việc ngày {ngay_tiep_nhan}, mã {ma_phieu}."
    assert admin.post(address, data={"text": text}).status_code == 303
    answer(manager, case.id, at_fault=True)
    letter = " ".join(
        letter_text(manager.get(f"/officer/cases/{case.id}/apology.pdf").data).split()
    )
    assert f"mã {case.receipt}." in letter and "Kính mong Ông/Bà thông cảm" in letter
    assert "trân trọng xin lỗi" not in letter  # the default text is not used
    assert audit_count(app, "apology_template.created") == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Xin lỗi về {so_dien_thoai}.",  # no such placeholder (and never the number)
        "Xin lỗi {ma_phieu",  # a brace left open
        "Xin lỗi }",
        "Xin lỗi {}",
        "Xin lỗi {ma_phieu.__class__}",
        "Xin lỗi {ma_phieu!r}",
        "Xin lỗi {ma_phieu:>40}",
        "x" * 5001,
    ],
)
def test_a_broken_template_is_refused_and_changes_nothing(app, desk, text):
    admin, _user_id = signed_in_client(app, Role.ADMINISTRATOR)
    address = f"/officer/cases/apology-letters/{desk['agency_id']}"
    assert admin.post(address, data={"text": "Mã {ma_phieu}."}).status_code == 303
    response = admin.post(address, data={"text": text})
    assert response.status_code == 400
    with app.app_context():
        [stored] = db.session.scalars(select(ApologyTemplate)).all()
        assert stored.text == "Mã {ma_phieu}."
    assert audit_count(app, "apology_template.updated") == 0


def test_the_template_editor_wants_its_token(app, desk):
    admin, _user_id = signed_in_client(app, Role.ADMINISTRATOR)
    app.config["WTF_CSRF_ENABLED"] = True
    response = admin.post(
        f"/officer/cases/apology-letters/{desk['agency_id']}", data={"text": "Mã {ma_phieu}."}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApologyTemplate)) == 0


def test_no_letter_for_a_case_not_at_fault(app, case, manager):
    answer(manager, case.id, at_fault=False)
    assert f"/officer/cases/{case.id}/apology.pdf" not in manager.get(
        f"/officer/cases/{case.id}"
    ).get_data(as_text=True)
    assert manager.get(f"/officer/cases/{case.id}/apology.pdf").status_code == 409
    assert audit_count(app, "feedback.apology_letter") == 0


def test_only_officers_whose_scope_includes_the_case(app, case, manager, desk):
    answer(manager, case.id, at_fault=True)
    address = f"/officer/cases/{case.id}/apology.pdf"
    neighbour, _id = signed_in_client(app, Role.AGENCY_MANAGER, desk["other_agency_id"])
    assert neighbour.get(address).status_code == 404
    viewer, _id = signed_in_client(app, Role.VIEWER, desk["agency_id"])
    assert viewer.get(address).status_code == 403
    reform, _id = signed_in_client(app, Role.REFORM_OFFICE)
    assert reform.get(address).status_code == 200
    assert audit_count(app, "feedback.apology_letter") == 1
