"""The built-in questionnaires: the SIPAS survey and the one-stop quick rating."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from survey.questionnaires.definition import (
    QuestionnaireDefinition,
    builtin_definitions,
    load_definition,
    validate_answers,
)

SAMPLES = Path(__file__).with_name("vietnamese_samples.txt")
KHMER = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")


def localized_texts(node, path="$"):
    """(path, texts) for every {language: text} object in a raw definition."""
    if isinstance(node, dict):
        if "vi" in node and all(isinstance(value, str) for value in node.values()):
            yield path, node
            return
        for key, value in node.items():
            if key != "$comment":
                yield from localized_texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from localized_texts(value, f"{path}[{position}]")


@pytest.fixture(scope="module")
def raw() -> dict[str, dict]:
    return builtin_definitions()


@pytest.fixture(scope="module")
def sipas(raw) -> QuestionnaireDefinition:
    return load_definition(raw["sipas"])


@pytest.fixture(scope="module")
def quick(raw) -> QuestionnaireDefinition:
    return load_definition(raw["onestop-quick"])


def test_the_two_builtins_are_found_and_valid(raw):
    assert sorted(raw) == ["onestop-quick", "sipas"]
    for key, data in raw.items():
        definition = load_definition(data)
        assert definition.key == key
        # SIPAS version 2 words its overall questions as questions ("có … không?"); version 3
        # adds Khmer and the harassment question in Thông tư 01/2018's words. One-stop quick
        # version 2 scores imported dossiers (dossier_rules, precedence); version 3 all nine
        # indices (the dossier columns of indices 5, 6, 8, 9) and classes officials.
        assert definition.version == {"onestop-quick": 3, "sipas": 3}[key]


def test_builtin_definitions_returns_fresh_copies(raw):
    first = builtin_definitions()
    first["sipas"]["title"]["vi"] = "changed"
    assert builtin_definitions()["sipas"]["title"]["vi"] != "changed"


@pytest.mark.parametrize("key", ["sipas", "onestop-quick"])
def test_every_text_has_vietnamese_and_english(raw, key):
    texts = list(localized_texts(raw[key]))
    assert len(texts) > 20
    for path, text in texts:
        assert text.get("vi", "").strip(), path
        assert text.get("en", "").strip(), path
    definition = load_definition(raw[key])
    for scale in definition.scales.values():
        for value in scale.values:
            assert {"vi", "en"} <= set(scale.labels[value]), (scale.key, value)
    for item in definition.items:
        assert {"vi", "en"} <= set(item.text), item.key


@pytest.mark.parametrize("key", ["sipas", "onestop-quick"])
def test_every_text_has_khmer(raw, key):
    """Khmer speakers read the whole form in Khmer: titles, questions and every scale label."""
    assert "km" in raw[key]["languages"]
    texts = list(localized_texts(raw[key]))
    missing = [path for path, text in texts if "km" not in text]
    assert missing == []
    not_khmer = [path for path, text in texts if not KHMER.search(text["km"])]
    assert not_khmer == []
    # Only Khmer script, digits, spaces and punctuation: catches a stray Thai or Latin word
    for path, text in texts:
        stray = {
            c for c in text["km"] if not (KHMER.match(c) or c in " ()?!/,.:-«»" or c.isdigit())
        }
        assert stray == set(), path


@pytest.mark.parametrize("key", ["sipas", "onestop-quick"])
def test_khmer_needs_review_is_marked(raw, key):
    assert "native" in raw[key]["$comment"]
    assert "Khmer" in raw[key]["$comment"]


def test_vietnamese_samples_appear_exactly():
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    samples = [line for line in lines if line.strip() and not line.startswith("#")]
    assert len(samples) >= 30
    vietnamese = {
        text["vi"] for data in builtin_definitions().values() for _, text in localized_texts(data)
    }
    missing = [sample for sample in samples if sample not in vietnamese]
    assert missing == []


def test_vietnamese_is_not_missing_its_diacritics(raw):
    suspicious = []
    for data in raw.values():
        for path, text in localized_texts(data):
            if text["vi"].isascii() and len(text["en"].split()) > 2:
                suspicious.append((path, text["vi"]))
    assert suspicious == []


# Common words written without their diacritics, none of which is a Vietnamese word as is:
# finds a half-typed text that still has a few accented words.
UNACCENTED = re.compile(r"\b(duoc|nguoi|khong|viec|quyet|thu tuc|hanh chinh)\b", re.IGNORECASE)


def test_no_common_word_lost_its_diacritics(raw):
    found = [
        (path, text["vi"])
        for data in raw.values()
        for path, text in localized_texts(data)
        if UNACCENTED.search(text["vi"])
    ]
    assert found == []


def test_every_text_is_nfc(raw):
    for data in raw.values():
        for path, text in localized_texts(data):
            for lang, value in text.items():
                assert unicodedata.is_normalized("NFC", value), (path, lang)


def test_forms_address_the_respondent_as_ong_ba_and_thank_them(sipas, quick):
    for definition in (sipas, quick):
        assert definition.closing("vi") == "Trân trọng cảm ơn Ông/Bà!"
        assert "Ông/Bà" in definition.introduction("vi")


def test_never_asks_ethnicity(raw):
    for data in raw.values():
        for path, text in localized_texts(data):
            assert "dân tộc" not in text["vi"].lower(), path
            assert "ethnic" not in text["en"].lower(), path
    for definition in map(load_definition, raw.values()):
        assert not any("ethnic" in item.key for item in definition.items)


# --------------------------------------------------------------------------------------
# SIPAS
# --------------------------------------------------------------------------------------


def test_sipas_title_and_type(sipas):
    assert sipas.title("vi") == (
        "Phiếu khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ "
        "của cơ quan hành chính nhà nước"
    )
    assert sipas.one_rating_per_dossier is False
    assert sipas.languages == ("vi", "en", "km")


def test_sipas_five_level_scale(sipas):
    scale = sipas.scales["satisfaction5"]
    assert scale.kind == "satisfaction"
    assert scale.values == (5, 4, 3, 2, 1)
    assert [scale.labels[v]["vi"] for v in scale.values] == [
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Rất không hài lòng",
    ]
    assert scale.not_applicable_label["vi"] == "Không áp dụng"
    assert sipas.scoring.satisfied_values("satisfaction5") == {4, 5}


def test_sipas_has_the_five_factors_with_their_criteria(sipas):
    factors = sipas.scoring.factors
    assert [(factor.key, factor.title["vi"], len(factor.item_keys)) for factor in factors] == [
        ("access", "Tiếp cận dịch vụ", 3),
        ("procedures", "Thủ tục hành chính", 4),
        ("officer", "Công chức trực tiếp giải quyết công việc", 3),
        ("result", "Kết quả giải quyết", 3),
        ("feedback", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", 3),
    ]
    for factor in factors:
        for key in factor.item_keys:
            item = sipas.item(key)
            assert item.scale.key == "satisfaction5" and item.allow_not_applicable
            assert item.section_key == factor.key
        overall = sipas.item(factor.overall_item_key)
        assert overall.text["vi"].startswith("Nhìn chung, Ông/Bà có hài lòng về ")
        assert overall.text["vi"].endswith(" không?")
        assert overall.section_key == factor.key


def test_sipas_example_wordings(sipas):
    texts = {item.text["vi"] for item in sipas.items}
    assert any(text.startswith("Công chức có thái độ giao tiếp lịch sự") for text in texts)
    assert any(
        text.startswith(
            "Công chức trả lời, giải thích, hướng dẫn kê khai hồ sơ tận tình, chu đáo, dễ hiểu"
        )
        for text in texts
    )
    assert any(text.startswith("Kết quả mà Ông/Bà nhận được là đúng quy định") for text in texts)
    assert "Ông/Bà dễ dàng thực hiện góp ý, phản ánh, kiến nghị." in texts


def test_sipas_headline_integrity_expectations_comment_profile(sipas):
    headline = sipas.item(sipas.scoring.headline_item_key)
    assert headline.scale.key == "satisfaction5" and not headline.allow_not_applicable
    harassment = sipas.item("integrity_harassment")
    assert "nhũng nhiễu, gây phiền hà" in harassment.text["vi"]  # Thông tư 01/2018's words
    payment = sipas.item("integrity_extra_payment")
    assert "đưa tiền ngoài quy định" in payment.text["vi"]
    for item in (harassment, payment):
        assert item.scale.kind == "nominal"
        assert [item.scale.labels[v]["vi"] for v in item.scale.values] == ["Có", "Không"]
    expectations = next(s for s in sipas.sections if s.key == "expectations")
    assert len(expectations.items) >= 5
    assert all(item.scale.key == "yes_no" and not item.required for item in expectations.items)
    comment = sipas.item("comment")
    assert comment.type == "text" and comment.max_length == 2000 and not comment.required
    profile = next(s for s in sipas.sections if s.key == "respondent")
    assert [item.key for item in profile.items] == ["respondent_type", "gender", "age_band"]
    assert all(not item.required for item in profile.items)
    assert sipas.scales["age_band"].kind == "ordinal"


def test_sipas_accepts_a_complete_realistic_submission(sipas):
    raw = {item.key: str(item.scale.values[0]) for item in sipas.items if item.scale}
    raw["feedback_easy"] = "na"
    raw["comment"] = "Cán bộ hướng dẫn tận tình, chu đáo."
    result = validate_answers(sipas, raw)
    assert result.is_valid
    assert len(result.answers) == len(sipas.items)


# --------------------------------------------------------------------------------------
# One-stop quick rating
# --------------------------------------------------------------------------------------


def test_quick_rating_is_once_per_dossier_in_three_languages(quick):
    assert quick.one_rating_per_dossier is True
    assert quick.languages == ("vi", "en", "km")


def test_quick_rating_three_level_scale(quick):
    scale = quick.scales["satisfaction3"]
    assert scale.values == (3, 2, 1)
    assert [scale.labels[v]["vi"] for v in scale.values] == [
        "Rất hài lòng",
        "Hài lòng",
        "Không hài lòng",
    ]
    assert quick.scoring.satisfied_values("satisfaction3") == {2, 3}
    assert quick.scoring.headline_item_key == "overall_satisfaction"
    assert quick.item("overall_satisfaction").required


def test_quick_rating_only_overall_is_required(quick):
    assert [item.key for item in quick.items if item.required] == ["overall_satisfaction"]
    assert validate_answers(quick, {"overall_satisfaction": "2"}).is_valid


def test_circular_01_2018_frame(quick):
    onestop = quick.scoring.onestop
    assert [index.number for index in onestop.indices] == list(range(1, 10))
    assert [i.number for i in onestop.indices if i.source == "questionnaire"] == [1, 3, 4, 7]
    assert onestop.officer_indices == (1, 2, 3, 4, 7)
    assert (onestop.officer_maximum, onestop.agency_maximum) == (10, 18)
    assert onestop.decimals == 1
    assert [(minimum, key, label["vi"]) for minimum, key, label in onestop.classification] == [
        (15, "excellent", "Xuất sắc"),
        (12, "good", "Tốt"),
        (9, "fair", "Khá"),
        (6, "average", "Trung bình"),
        (0, "weak", "Yếu"),
    ]


EARLY, ON_TIME, LATE = 1, 2, 3
YES, NO = 1, 2


@pytest.mark.parametrize(
    ("number", "answers", "points"),
    [
        (1, {"result_timeliness": EARLY}, 2),
        (1, {"result_timeliness": ON_TIME}, 1),
        (1, {"result_timeliness": LATE}, 0),
        (1, {"result_timeliness": None}, None),  # not received yet: no data
        (1, {}, None),
        (3, {"extra_contacts": 1}, 2),  # no extra visit
        (3, {"extra_contacts": 2}, 1),  # one
        (3, {"extra_contacts": 3}, 0),  # two or more
        (4, {"other_agencies": 1}, 2),
        (4, {"other_agencies": 2}, 1),
        (4, {"other_agencies": 3}, 0),
        (7, {"result_timeliness": EARLY, "harassment": NO}, 2),
        (7, {"result_timeliness": ON_TIME, "harassment": NO}, 1),
        (7, {"result_timeliness": LATE, "harassment": NO}, 0),
        (7, {"result_timeliness": EARLY, "harassment": YES}, 0),
        (7, {"result_timeliness": ON_TIME, "harassment": YES}, 0),
        (7, {"harassment": YES}, 0),  # any complaint is 0, even without timeliness
        (7, {"harassment": NO}, None),  # no complaint, timeliness unknown: no data
        (7, {"result_timeliness": EARLY}, None),
        (2, {"result_timeliness": EARLY}, None),  # from the case system
    ],
)
def test_dossier_points(quick, number, answers, points):
    assert quick.scoring.onestop.index(number).points_for(answers) == points


def test_index_7_method_note_explains_the_assumption(quick):
    note = quick.scoring.onestop.index(7).note
    assert "trễ hạn" in note["vi"] and "0 điểm" in note["vi"]
    assert "Late" in note["en"]
