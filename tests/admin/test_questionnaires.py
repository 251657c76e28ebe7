"""Questionnaires: drafts, editing texts side by side, previews, publishing and freezing,
import and export against the published schema, and which version each agency's desks use."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from survey.accounts.models import AuditEvent, Role
from survey.db import db, write_session
from survey.questionnaires.assignments import QuestionnaireAssignment
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.models import QuestionnaireVersion
from tests.factories import make_agency, make_desk, make_published_version, signed_in_client

#: The built-in one-stop rating's version: ``published`` publishes it, a draft from it is next.
QUICK_VERSION = builtin_definitions()["onestop-quick"]["version"]


@pytest.fixture
def admin(app):
    return signed_in_client(app, Role.ADMINISTRATOR)[0]


@pytest.fixture
def published(app):
    with app.app_context(), write_session() as session:
        return make_published_version(session, "onestop-quick").id


def versions(app) -> list[QuestionnaireVersion]:
    with app.app_context():
        return list(
            db.session.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id))
        )


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def new_draft(admin, source):
    response = admin.post("/admin/questionnaires/drafts", data={"source": source})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def editor_fields(page: str) -> dict[str, str]:
    """Every field of the editor form as the browser would send it (checkboxes as shown)."""
    form = page[page.index('class="questionnaire-editor"') :]
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields[unescape(name)] = unescape(value)
    for name, value in re.findall(r'<input name="([^"]+)" value="([^"]*)"', form):
        fields[unescape(name)] = unescape(value)
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        fields[unescape(name)] = unescape(value)
    for name in re.findall(r'<input type="checkbox" name="([^"]+)" value="1" checked', form):
        fields[unescape(name)] = "1"
    for name, block in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        fields[unescape(name)] = re.search(r'<option value="([^"]*)" selected', block).group(1)
    return fields


def shown_beside_a_field(page: str, words: str) -> bool:
    """Whether a problem saying ``words`` is shown inside the editor's form (beside its field
    or block) and listed in the error summary above it with a link to it."""
    start = page.index('class="questionnaire-editor"')
    shown = re.findall(r'<p class="field-errors" id="(problem-\d+)">(.*?)</p>', page[start:], re.S)
    return any(
        words in unescape(text) and f'href="#{link_target(page, problem_id)}"' in page[:start]
        for problem_id, text in shown
    )


def link_target(page: str, problem_id: str) -> str:
    """What the summary should link to: the field the problem describes, else the problem."""
    field = re.search(
        rf'id="([^"]+)"[^>]*aria-describedby="[^"]*\b{problem_id}\b|'
        rf'aria-describedby="[^"]*\b{problem_id}\b"[^>]*id="([^"]+)"',
        page,
    )
    return (field.group(1) or field.group(2)) if field else problem_id


def summary_lines(page: str) -> list[str]:
    """The error summary's entries as the reader sees them (place, message, path)."""
    summary = page[
        page.index('class="error-summary"') : page.index(
            "</ul>", page.index('class="error-summary"')
        )
    ]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", entry)).split())
        for entry in re.findall(r"<li>(.*?)</li>", summary, re.S)
    ]


def test_a_draft_with_several_problems_names_each_in_vietnamese_beside_its_field(
    app, admin, published
):
    draft_id = new_draft(admin, f"version:{published}")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    fields["item|sections/1/items/0|key"] = "overall_satisfaction"
    fields["number|scoring/onestop/indices/1/number"] = "1"
    fields["number|scoring/onestop/classification/4/minimum"] = "1"
    fields["number|scoring/onestop/officer_maximum"] = "40"
    response = admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # Each named as the editor labels its place, in Vietnamese, in the summary at the top.
    assert summary_lines(page) == [
        "Phần “Ý kiến khác”, câu hỏi 1, mã câu hỏi "
        "mã câu hỏi 'overall_satisfaction' bị trùng "
        "sections[1].items[0].key: duplicate item key 'overall_satisfaction'",
        "Chỉ số 1: Thời gian giải quyết tại từng cơ quan, đơn vị, số thứ tự trong văn bản quy định "
        "số chỉ số 1 bị trùng scoring.onestop.indices[1].number: duplicate index number 1",
        "Các chỉ số dùng để đánh giá từng công chức, mục thứ 2 không có chỉ số số 2 "
        "scoring.onestop.officer_indices[1]: unknown index number 2",
        "Xếp loại, mức 5, từ (điểm) mức cuối cùng phải bắt đầu từ 0 "
        "scoring.onestop.classification[4].minimum: the last must be 0",
        "Tổng điểm tối đa của công chức (điểm) cao hơn tổng điểm tối đa của cơ quan "
        "scoring.onestop.officer_maximum: above agency_maximum",
    ]
    # Each beside its field, which a screen reader announces as invalid with the message.
    for message in (
        "mã câu hỏi 'overall_satisfaction' bị trùng",
        "số chỉ số 1 bị trùng",
        "mức cuối cùng phải bắt đầu từ 0",
        "cao hơn tổng điểm tối đa của cơ quan",
    ):
        assert shown_beside_a_field(page, message), message
    key_field = re.search(r'<input name="item\|sections/1/items/0\|key"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in key_field
    assert re.search(r'aria-describedby="[^"]*problem-1\b', key_field)
    # The parts holding a problem are unfolded, the others stay folded.
    folds = re.findall(r'<details class="editor-fold editor-section"( open)?>', page)
    assert folds == ["", " open", ""]


def test_a_draft_from_a_template_is_edited_side_by_side_published_and_then_frozen(
    app, admin, published
):
    draft_id = new_draft(admin, f"version:{published}")
    page = admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    fields = editor_fields(page)
    # Every language side by side, for the same question.
    for language in ("vi", "en", "km"):
        assert f"text|sections/0/items/0/text|{language}" in fields
    fields["text|sections/0/items/0/text|vi"] = "Ông/Bà hài lòng thế nào về cách tiếp đón?"
    fields["text|title|en"] = "Rate our one-stop desk"
    fields["action"] = "save"
    response = admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields)
    assert response.status_code == 302
    [published_version, draft] = versions(app)
    next_number = published_version.version_number + 1
    assert draft.version_number == next_number and draft.published_dt is None
    assert draft.definition["version"] == next_number
    item = draft.definition["sections"][0]["items"][0]
    assert item["text"]["vi"] == "Ông/Bà hài lòng thế nào về cách tiếp đón?"
    assert item["text"]["km"]  # untouched languages kept
    [saved] = events(app, "questionnaire.draft_saved")
    assert {
        "path": "sections[0].items[0].text.vi",
        "before": builtin_definitions()["onestop-quick"]["sections"][0]["items"][0]["text"]["vi"],
        "after": "Ông/Bà hài lòng thế nào về cách tiếp đón?",
    } in saved.details["changes"]

    assert admin.post(f"/admin/questionnaires/versions/{draft_id}/publish").status_code == 302
    assert versions(app)[1].published_dt is not None
    [event] = events(app, "questionnaire.published")
    assert event.details == {"before": {"published": False}, "after": {"published": True}}
    fields["text|title|en"] = "Changed after publishing"
    frozen = admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields)
    assert frozen.status_code == 409
    assert versions(app)[1].definition["title"]["en"] == "Rate our one-stop desk"


def test_the_phone_form_uses_the_newest_published_version(app, admin, published):
    with app.app_context(), write_session() as session:
        code = make_desk(session).active_code.code
    draft_id = new_draft(admin, f"version:{published}")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    fields["text|title|vi"] = "Phiếu đánh giá mới"
    admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields)
    citizen = app.test_client()
    assert "Phiếu đánh giá mới" not in citizen.get(f"/q/{code}").get_data(as_text=True)
    admin.post(f"/admin/questionnaires/versions/{draft_id}/publish")
    assert "Phiếu đánh giá mới" in citizen.get(f"/q/{code}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (
            {"text|sections/0/items/0/text|vi": ""},
            "sections[0].items[0].text.vi",
            "không được để trống",
        ),
        ({"item|sections/0/items/1|key": "Bad Key"}, "sections[0].items[1].key", "mã chỉ gồm chữ"),
        (
            {"item|sections/0/items/1|key": "overall_satisfaction"},
            "sections[0].items[1].key",
            "bị trùng",
        ),
        (
            {"value|scales/satisfaction3/values/0": "abc"},
            "scales.satisfaction3.values[0].value",
            "phải là số nguyên",
        ),
        # The scoring rules, typed into fields rather than JSON.
        (
            {"number|scoring/onestop/indices/0/points/1": "abc"},
            "scoring.onestop.indices[0].points[1]",
            "phải là một số",
        ),
        (
            {"number|scoring/onestop/indices/0/points/1": "1,5"},
            "scoring.onestop.indices[0].points",
            "phải là số nguyên",
        ),
        (
            {"number|scoring/onestop/indices/1/number": "1"},
            "scoring.onestop.indices[1].number",
            "số chỉ số 1 bị trùng",
        ),
        (
            {"number|scoring/onestop/indices/6/rules/0/points": "-1"},
            "scoring.onestop.indices[6].rules[0].points",
            "không được nhỏ hơn 0",
        ),
        (
            {
                "code|scoring/onestop/indices/6/rules/1/when/harassment|2": None,
                "code|scoring/onestop/indices/6/rules/1/when/harassment|1": "1",
            },
            "scoring.onestop.indices[6].rules",
            "không có quy tắc nào khớp với các câu trả lời",
        ),
        (
            {"number|scoring/onestop/classification/1/minimum": "99"},
            "scoring.onestop.classification[1].minimum",
            "phải thấp hơn mức đứng trước",
        ),
        (
            {"number|scoring/onestop/officer_maximum": "40"},
            "scoring.onestop.officer_maximum",
            "cao hơn tổng điểm tối đa của cơ quan",
        ),
        (
            {
                "code|scoring/satisfied_values/satisfaction3|2": None,
                "code|scoring/satisfied_values/satisfaction3|3": None,
            },
            "scoring.satisfied_values.satisfaction3",
            "có 0 mục, cần ít nhất 1",
        ),
        ({"choice|scoring/onestop/classification/0/key": ""}, "classification[0]", "thiếu phần"),
        (
            {"number|scoring/onestop/agency_maximum": "9" * 5001},
            "scoring.onestop.agency_maximum",
            "phải là một số",
        ),
        (
            {"number|scoring/onestop/agency_maximum": "１８"},
            "scoring.onestop.agency_maximum",
            "phải là một số",
        ),
        ({"text|title|vi": "Tiêu đề\x00"}, "title.vi", "có ký tự điều khiển"),
        (
            {"text|sections/0/items/0/text|en": "Rate\x1b[2J"},
            "items[0].text.en",
            "ký tự điều khiển",
        ),
    ],
)
def test_a_bad_edit_shows_the_problem_next_to_its_field_and_writes_nothing(
    app, admin, published, change, field, problem
):
    draft_id = new_draft(admin, f"version:{published}")
    before = versions(app)[1].definition
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    posted = {name: value for name, value in {**fields, **change}.items() if value is not None}
    response = admin.post(f"/admin/questionnaires/versions/{draft_id}", data=posted)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # In Vietnamese beside the field and in the summary at the top, which links to it; the
    # validator's path (in English) stays under it for experts.
    assert shown_beside_a_field(page, problem) and field in page
    # Nothing is written: the form keeps what was typed.
    assert versions(app)[1].definition == before
    assert events(app, "questionnaire.draft_saved") == []


def test_adding_and_removing_questions_and_answers(app, admin, published):
    draft_id = new_draft(admin, f"version:{published}")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    page = admin.post(
        f"/admin/questionnaires/versions/{draft_id}", data={**fields, "action": "add_item:0"}
    ).get_data(as_text=True)
    fields = editor_fields(page)
    assert "item|sections/0/items/5|key" in fields
    fields["text|sections/0/items/5/text|vi"] = "Nơi ngồi chờ có đủ chỗ không?"
    fields["text|sections/0/items/5/text|en"] = "Were there enough seats while you waited?"
    fields["item|sections/0/items/5|scale"] = "yes_no"
    fields["action"] = "remove_item:0:4"
    fields = editor_fields(
        admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields).get_data(as_text=True)
    )
    fields["action"] = "save"
    # Removing the harassment question breaks index 7's rules: the problem is named, not saved.
    refused = admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields)
    assert refused.status_code == 400
    assert "unknown item &#39;harassment&#39;" in refused.get_data(as_text=True)


def test_previews_show_the_draft_exactly_as_a_phone_and_a_kiosk_would(app, admin, published):
    draft_id = new_draft(admin, f"version:{published}")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    fields["text|sections/0/items/0/text|vi"] = "Câu hỏi thử nghiệm của bản nháp?"
    assert admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields).status_code == 302
    phone = admin.get(f"/admin/questionnaires/versions/{draft_id}/preview/phone")
    assert phone.status_code == 200
    text = phone.get_data(as_text=True)
    assert "Câu hỏi thử nghiệm của bản nháp?" in text
    assert 'action="/q/preview0' in text  # a code that cannot exist: nothing can be stored
    kiosk = admin.get(f"/admin/questionnaires/versions/{draft_id}/preview/kiosk")
    data = json.loads(
        unescape(
            re.search(r'id="kiosk-data">(.*?)</script>', kiosk.get_data(as_text=True)).group(1)
        )
    )
    assert data["items"][0]["text"]["vi"] == "Câu hỏi thử nghiệm của bản nháp?"
    assert data["api"] == "/admin/questionnaires/preview-sink"
    sink = admin.post(data["api"], json={"uuid": "x"})
    assert sink.status_code == 200 and sink.json["stored"] is False


def test_export_and_import_round_trip_as_a_new_draft(app, admin, published):
    exported = admin.get(f"/admin/questionnaires/versions/{published}/export.json")
    assert exported.status_code == 200
    assert exported.json == builtin_definitions()["onestop-quick"]
    upload = {"file": (io.BytesIO(exported.data), "onestop.json")}
    response = admin.post("/admin/questionnaires/import", data=upload)
    assert response.status_code == 302
    [first, imported] = versions(app)
    assert imported.version_number == first.version_number + 1
    assert imported.published_dt is None
    assert len(events(app, "questionnaire.imported")) == 1


def broken(**changes) -> bytes:
    data = builtin_definitions()["onestop-quick"]
    data.update(changes)
    return json.dumps(data).encode()


def last_band_from(points: int) -> bytes:
    data = builtin_definitions()["onestop-quick"]
    data["scoring"]["onestop"]["classification"][-1]["minimum"] = points
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{ not utf-8", "UTF-8"),
        (b'{"key": "x",', "không phải JSON hợp lệ"),
        (b"[1, 2, 3]", "Toàn bộ phiếu khảo sát:</strong> phải là một nhóm các phần có tên"),
        (broken(languages=["vi"]), "languages"),
        (broken(scales={}), "scales"),
        (broken(key="Not A Key"), "Mã phiếu khảo sát:</strong> mã chỉ gồm chữ Latinh thường"),
        (
            last_band_from(1),
            "Xếp loại, mức 5, từ (điểm):</strong> mức cuối cùng phải bắt đầu từ 0<br>"
            '<code class="problem-path">scoring.onestop.classification[4].minimum: '
            "the last must be 0</code>",
        ),
        (b"", "không phải JSON hợp lệ"),
        (b"[" * 5000 + b"]" * 5000, "lồng nhau sâu quá 32 cấp"),
        (b'{"key": ' + b"9" * 5001 + b"}", "dài hơn 30 chữ số"),
    ],
)
def test_a_malformed_import_names_its_problems_and_writes_nothing(
    app, admin, published, content, message
):
    response = admin.post(
        "/admin/questionnaires/import", data={"file": (io.BytesIO(content), "bad.json")}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(versions(app)) == 1
    assert events(app, "questionnaire.imported") == []


def test_the_schema_is_served_at_a_stable_address(admin):
    response = admin.get("/admin/questionnaires/schema.json")
    assert response.status_code == 200
    assert response.json["$id"].endswith("questionnaire-definition-1.json")


def test_an_assignment_is_honoured_by_the_phone_form_down_the_tree(app, admin, published):
    with app.app_context(), write_session() as session:
        province = make_agency(session, code="PROV", name="Tỉnh An Giang")
        ward = make_agency(session, code="WARD", name="Phường Rạch Giá", parent=province)
        other = make_agency(session, code="OTHER", name="Phường Long Xuyên")
        ward_code = make_desk(session, agency=ward).active_code.code
        other_code = make_desk(session, agency=other).active_code.code
    draft_id = new_draft(admin, f"version:{published}")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    fields["text|title|vi"] = "Phiếu mới của tỉnh"
    admin.post(f"/admin/questionnaires/versions/{draft_id}", data=fields)
    admin.post(f"/admin/questionnaires/versions/{draft_id}/publish")
    citizen = app.test_client()
    # Without an assignment, the newest published version everywhere.
    assert "Phiếu mới của tỉnh" in citizen.get(f"/q/{ward_code}").get_data(as_text=True)
    # The province keeps the built-in version from today: its ward inherits it, the other not.
    today = date.today().isoformat()
    response = admin.post(
        "/admin/questionnaires/assignments",
        data={"agency": "PROV", "version": published, "valid_from": today},
    )
    assert response.status_code == 302
    assert "Phiếu mới của tỉnh" not in citizen.get(f"/q/{ward_code}").get_data(as_text=True)
    assert "Phiếu mới của tỉnh" in citizen.get(f"/q/{other_code}").get_data(as_text=True)
    # From a later day, the ward's own assignment wins over the province's.
    later = (date.today() + timedelta(days=30)).isoformat()
    admin.post(
        "/admin/questionnaires/assignments",
        data={"agency": "WARD", "version": draft_id, "valid_from": later},
    )
    assert "Phiếu mới của tỉnh" not in citizen.get(f"/q/{ward_code}").get_data(as_text=True)
    [event, _later] = events(app, "questionnaire.assigned")
    assert event.details["after"] == {
        "agency": "PROV",
        "questionnaire": "onestop-quick",
        "version": builtin_definitions()["onestop-quick"]["version"],
        "valid_from": today,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"agency": "NOPE"}, "Không có cơ quan nào có mã này."),
        ({"valid_from": "31/02/2026"}, "Nhập ngày bắt đầu"),
        ({"version": "999"}, "Chọn một phiên bản đã công bố."),
    ],
)
def test_bad_assignments_are_refused_and_write_nothing(app, admin, published, data, message):
    with app.app_context(), write_session() as session:
        make_agency(session, code="PROV")
    values = {"agency": "PROV", "version": published, "valid_from": "2026-01-01", **data}
    response = admin.post("/admin/questionnaires/assignments", data=values)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(QuestionnaireAssignment.id))) == 0


def test_the_reform_office_reads_but_does_not_change(app, published):
    client = signed_in_client(app, Role.REFORM_OFFICE)[0]
    page = client.get(f"/admin/questionnaires/versions/{published}")
    assert page.status_code == 200 and "Lưu bản nháp" not in page.get_data(as_text=True)
    assert (
        client.get(f"/admin/questionnaires/versions/{published}/preview/phone").status_code == 200
    )
    assert (
        client.post("/admin/questionnaires/drafts", data={"source": "builtin:sipas"}).status_code
        == 403
    )
    assert len(versions(app)) == 1


@pytest.mark.parametrize("role", [Role.AGENCY_MANAGER, Role.VIEWER])
def test_agency_officers_see_no_questionnaire_pages(app, published, role):
    client = signed_in_client(app, role)[0]
    assert client.get("/admin/questionnaires/").status_code == 403
    assert client.get(f"/admin/questionnaires/versions/{published}/export.json").status_code == 403


@pytest.mark.parametrize(
    "definition", ["[" * 5000 + "]" * 5000, '{"key": ' + "9" * 5001 + "}"], ids=["deep", "digits"]
)
def test_an_absurd_working_definition_is_refused_and_writes_nothing(
    app, admin, published, definition
):
    draft_id = new_draft(admin, f"version:{published}")
    before = versions(app)[1].definition
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    response = admin.post(
        f"/admin/questionnaires/versions/{draft_id}", data={**fields, "definition": definition}
    )
    assert response.status_code == 400
    assert "Trang gửi lên không đầy đủ" in response.get_data(as_text=True)
    assert versions(app)[1].definition == before


def save(admin, draft_id, fields, **changes):
    posted = {name: value for name, value in {**fields, **changes}.items() if value is not None}
    return admin.post(f"/admin/questionnaires/versions/{draft_id}", data=posted)


@pytest.mark.parametrize("key", ["onestop-quick", "sipas"])
def test_saving_the_page_unchanged_changes_nothing(app, admin, key):
    """Every part of a built-in definition, the scoring rules included, survives the fields."""
    draft_id = new_draft(admin, f"builtin:{key}")
    before = versions(app)[-1].definition
    page = admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    assert save(admin, draft_id, editor_fields(page), action="save").status_code == 302
    assert versions(app)[-1].definition == before
    assert events(app, "questionnaire.draft_saved") == []


def test_the_scoring_rules_are_fields_in_words_not_json(app, admin, published):
    draft_id = new_draft(admin, f"version:{published}")
    page = admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    assert 'name="scoring"' not in page and "satisfaction3 (satisfaction)" not in page
    title = builtin_definitions()["onestop-quick"]["title"]["vi"]
    assert f"<h1>{title}</h1>" in page and f"Phiên bản số {QUICK_VERSION + 1}" in page
    assert ">Rất hài lòng / Hài lòng / Không hài lòng</option>" in page  # a scale, in words
    assert "Chỉ số 7: " in page and "Quy tắc 2" in page and "Xuất sắc" in page
    fields = editor_fields(page)
    # Index 1: an answer after the date on the receipt now gives 1 point, not 0.
    fields["number|scoring/onestop/indices/0/points/3"] = "1"
    # Index 7 no longer evaluates the official; the "good" band starts at 12,5 points.
    del fields["code|scoring/onestop/officer_indices|7"]
    fields["number|scoring/onestop/classification/1/minimum"] = "12,5"
    fields["text|scoring/onestop/classification/1/label|vi"] = "Tốt (đạt)"
    assert save(admin, draft_id, fields, action="save").status_code == 302
    onestop = versions(app)[1].definition["scoring"]["onestop"]
    assert onestop["indices"][0]["points"] == {"1": 2, "2": 1, "3": 1}
    assert onestop["officer_indices"] == [1, 2, 3, 4]
    assert onestop["classification"][1]["minimum"] == 12.5
    assert onestop["classification"][1]["label"]["vi"] == "Tốt (đạt)"
    [saved] = events(app, "questionnaire.draft_saved")
    assert {
        "path": "scoring.onestop.indices[0].points.3",
        "before": 0,
        "after": 1,
    } in saved.details["changes"]


def test_rules_indices_and_bands_are_added_and_removed_with_buttons(app, admin, published):
    draft_id = new_draft(admin, f"version:{published}")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    for action in ("add_rule:6", "add_index", "remove_band:4"):
        page = save(admin, draft_id, fields, action=action).get_data(as_text=True)
        fields = editor_fields(page)
    # The new rule of index 7 names the same questions, every answer ticked, 0 points.
    assert fields["code|scoring/onestop/indices/6/rules/4/when/harassment|1"] == "1"
    assert fields["number|scoring/onestop/indices/6/rules/4/points"] == "0"
    assert fields["number|scoring/onestop/indices/9/number"] == "10"
    # Nothing is stored before "save", and the bands must still end at 0.
    assert versions(app)[1].definition == versions(app)[0].definition | {
        "version": QUICK_VERSION + 1
    }
    refused = save(admin, draft_id, fields, action="save")
    assert refused.status_code == 400
    assert shown_beside_a_field(refused.get_data(as_text=True), "không được để trống")
    fields["text|scoring/onestop/indices/9/title|vi"] = "Mức độ số hóa hồ sơ"
    fields["text|scoring/onestop/indices/9/title|en"] = "Digitised dossiers"
    refused = save(admin, draft_id, fields, action="save")
    assert refused.status_code == 400
    assert "classification[3].minimum: the last must be 0" in refused.get_data(as_text=True)
    assert versions(app)[1].definition == versions(app)[0].definition | {
        "version": QUICK_VERSION + 1
    }


def test_a_sipas_question_moves_to_another_factor_beside_it(app, admin):
    draft_id = new_draft(admin, "builtin:sipas")
    fields = editor_fields(
        admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    )
    assert fields["factor|sections/0/items/0"] == "0"  # access_signs: factor "access"
    fields["factor|sections/0/items/0"] = "1"
    fields["choice|scoring/headline_item"] = ""
    assert save(admin, draft_id, fields, action="save").status_code == 302
    scoring = versions(app)[-1].definition["scoring"]
    assert scoring["factors"][0]["items"] == ["access_seating", "access_equipment"]
    assert scoring["factors"][1]["items"][0] == "access_signs"
    assert "headline_item" not in scoring


def test_dossier_fields_of_an_index_are_shown_and_kept(app, admin, published):
    draft_id = new_draft(admin, f"version:{published}")
    with app.app_context(), write_session() as session:
        draft = session.get(QuestionnaireVersion, draft_id)
        definition = json.loads(json.dumps(draft.definition))
        definition["scoring"]["onestop"]["indices"][1]["dossier_fields"] = ["due_at", "returned_at"]
        draft.definition = definition
    page = admin.get(f"/admin/questionnaires/versions/{draft_id}").get_data(as_text=True)
    assert "<code>due_at</code>, <code>returned_at</code>" in page
    fields = editor_fields(page)
    fields["text|title|en"] = "Rate the one-stop desk"
    assert save(admin, draft_id, fields, action="save").status_code == 302
    index = versions(app)[1].definition["scoring"]["onestop"]["indices"][1]
    assert index["dossier_fields"] == ["due_at", "returned_at"]


def test_a_published_version_offers_a_new_draft_from_itself(app, admin, published):
    page = admin.get(f"/admin/questionnaires/versions/{published}").get_data(as_text=True)
    assert f'name="source" value="version:{published}"' in page
    assert 'name="text|title|vi"' in page and " readonly>" in page  # shown, not editable
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"source": f"version:{published}"} | ({"csrf_token": token.group(1)} if token else {})
    response = admin.post("/admin/questionnaires/drafts", data=data)
    assert response.status_code == 302
    assert [version.version_number for version in versions(app)] == [
        QUICK_VERSION,
        QUICK_VERSION + 1,
    ]
