"""Loading questionnaire definitions, the rules they must follow, and checking answers."""

from __future__ import annotations

import copy
import json
import unicodedata
from importlib import resources

import jsonschema
import pytest

from survey.questionnaires.definition import (
    FORM_ERROR_KEY,
    Answer,
    DefinitionError,
    QuestionnaireDefinition,
    builtin_definitions,
    clean_text,
    load_definition,
    scoring_for_analysis,
    validate_answers,
)

# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def sipas_data() -> dict:
    return builtin_definitions()["sipas"]


def quick_data() -> dict:
    return builtin_definitions()["onestop-quick"]


def rejected(data: dict) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(data)
    assert caught.value.problems, "a DefinitionError must list its problems"
    return caught.value.problems


def assert_problem(data: dict, path: str, words: str) -> None:
    problems = rejected(data)
    assert any(problem.startswith(path + ":") and words in problem for problem in problems), (
        f"expected a problem at {path!r} mentioning {words!r}, got {problems}"
    )


def find_item(data: dict, key: str) -> tuple[int, int, dict]:
    for section_position, section in enumerate(data["sections"]):
        for item_position, item in enumerate(section["items"]):
            if item["key"] == key:
                return section_position, item_position, item
    raise KeyError(key)


def onestop_index(data: dict, number: int) -> tuple[int, dict]:
    for position, index in enumerate(data["scoring"]["onestop"]["indices"]):
        if index["number"] == number:
            return position, index
    raise KeyError(number)


@pytest.fixture(scope="module")
def sipas() -> QuestionnaireDefinition:
    return load_definition(sipas_data())


@pytest.fixture(scope="module")
def quick() -> QuestionnaireDefinition:
    return load_definition(quick_data())


# --------------------------------------------------------------------------------------
# The published JSON Schema
# --------------------------------------------------------------------------------------


def load_schema() -> dict:
    text = resources.files("survey.questionnaires").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_property_in_the_schema_has_a_description():
    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            for name, subschema in node.get("properties", {}).items():
                if not (isinstance(subschema, dict) and subschema.get("description")):
                    missing.append(f"{path}.properties.{name}")
            for key, value in node.items():
                if key != "if":  # a condition on a property, not a declaration
                    walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for position, value in enumerate(node):
                walk(value, f"{path}[{position}]")

    schema = load_schema()
    walk(schema, "$")
    assert missing == []
    assert all(definition.get("description") for definition in schema["$defs"].values())


# --------------------------------------------------------------------------------------
# Semantic rules: each rejected with a DefinitionError naming the path
# --------------------------------------------------------------------------------------


def test_schema_violations_name_the_path():
    data = quick_data()
    data["sections"][0]["items"][1]["required"] = "yes"
    del data["version"]
    problems = rejected(data)
    assert any(p.startswith("sections[0].items[1].required:") for p in problems)
    assert any(p.startswith("(root):") and "'version'" in p for p in problems)


def test_unknown_top_level_field_is_rejected():
    data = quick_data()
    data["colour"] = "blue"
    assert_problem(data, "(root)", "colour")


def test_duplicate_item_keys_across_sections_are_rejected():
    data = sipas_data()
    data["sections"][1]["items"][0]["key"] = "access_signs"
    assert_problem(data, "sections[1].items[0].key", "duplicate item key 'access_signs'")


def test_duplicate_section_keys_are_rejected():
    data = sipas_data()
    data["sections"][2]["key"] = "access"
    assert_problem(data, "sections[2].key", "duplicate section key 'access'")


def test_unknown_scale_is_rejected():
    data = sipas_data()
    data["sections"][2]["items"][0]["scale"] = "foo"
    assert_problem(data, "sections[2].items[0].scale", "unknown scale 'foo'")


def test_duplicate_scale_values_are_rejected():
    data = sipas_data()
    data["scales"]["satisfaction5"]["values"][3]["value"] = 4
    assert_problem(data, "scales.satisfaction5.values[3].value", "duplicate value 4")


def test_non_integer_scale_values_are_rejected():
    data = sipas_data()
    data["scales"]["satisfaction5"]["values"][0]["value"] = 4.5
    assert_problem(data, "scales.satisfaction5.values[0].value", "must be a whole number")


def test_a_scale_of_more_than_62_options_is_rejected():
    data = sipas_data()
    first = data["scales"]["satisfaction5"]["values"][0]
    data["scales"]["satisfaction5"]["values"] = [first | {"value": n} for n in range(63)]
    assert_problem(data, "scales.satisfaction5.values", "63 entries, at most 62 allowed")


def test_text_without_english_is_rejected():
    data = sipas_data()
    del data["sections"][0]["items"][1]["text"]["en"]
    assert_problem(data, "sections[0].items[1].text", "'en' is a required property")


def test_scale_label_without_vietnamese_is_rejected():
    data = quick_data()
    del data["scales"]["satisfaction3"]["values"][0]["label"]["vi"]
    assert_problem(data, "scales.satisfaction3.values[0].label", "'vi' is a required property")


def test_blank_text_is_rejected():
    data = quick_data()
    data["closing"]["vi"] = "   "
    assert_problem(data, "closing.vi", "must not be empty")


def test_text_in_an_unlisted_language_is_rejected():
    data = sipas_data()
    data["languages"] = ["vi", "en"]
    assert_problem(data, "title.km", "not listed in languages")


def test_text_not_in_nfc_is_rejected():
    data = quick_data()
    data["closing"]["vi"] = unicodedata.normalize("NFD", data["closing"]["vi"])
    assert_problem(data, "closing.vi", "NFC")


def test_languages_must_include_vietnamese_and_english():
    data = quick_data()
    data["languages"] = ["vi", "km"]
    assert_problem(data, "languages", "must include en")


def test_factor_item_must_exist():
    data = sipas_data()
    data["scoring"]["factors"][1]["items"][2] = "procedure_colour"
    assert_problem(data, "scoring.factors[1].items[2]", "unknown item 'procedure_colour'")


def test_factor_item_must_be_on_a_satisfaction_scale():
    data = sipas_data()
    data["scoring"]["factors"][0]["items"].append("gender")
    assert_problem(data, "scoring.factors[0].items[3]", "not on a satisfaction scale")


def test_factor_item_must_not_be_a_text_item():
    data = sipas_data()
    data["scoring"]["factors"][0]["items"].append("comment")
    assert_problem(data, "scoring.factors[0].items[3]", "is not a scale item")


def test_factor_item_must_belong_to_one_factor_only():
    data = sipas_data()
    data["scoring"]["factors"][1]["items"].append("access_signs")
    assert_problem(data, "scoring.factors[1].items[4]", "already belongs to factor 'access'")


def test_criteria_of_a_factor_must_share_a_scale():
    data = sipas_data()
    data["scales"]["satisfaction5b"] = copy.deepcopy(data["scales"]["satisfaction5"])
    data["scoring"]["satisfied_values"]["satisfaction5b"] = [4, 5]
    data["sections"][0]["items"][1]["scale"] = "satisfaction5b"
    assert_problem(data, "scoring.factors[0].items", "share a scale")


def test_factor_overall_item_must_exist():
    data = sipas_data()
    data["scoring"]["factors"][4]["overall_item"] = "feedback_in_general"
    assert_problem(data, "scoring.factors[4].overall_item", "unknown item")


def test_duplicate_factor_keys_are_rejected():
    data = sipas_data()
    data["scoring"]["factors"][3]["key"] = "access"
    assert_problem(data, "scoring.factors[3].key", "duplicate factor key 'access'")


def test_headline_item_must_exist():
    data = sipas_data()
    data["scoring"]["headline_item"] = "overall_happiness"
    assert_problem(data, "scoring.headline_item", "unknown item 'overall_happiness'")


def test_headline_item_must_be_a_satisfaction_item():
    data = sipas_data()
    data["scoring"]["headline_item"] = "age_band"
    assert_problem(data, "scoring.headline_item", "not on a satisfaction scale")


def test_satisfied_values_must_be_values_of_the_scale():
    data = sipas_data()
    data["scoring"]["satisfied_values"]["satisfaction5"] = [4, 5, 6]
    assert_problem(data, "scoring.satisfied_values.satisfaction5", "[6]")


def test_satisfied_values_of_an_unknown_scale_are_rejected():
    data = sipas_data()
    data["scoring"]["satisfied_values"]["satisfaction7"] = [6, 7]
    assert_problem(data, "scoring.satisfied_values.satisfaction7", "unknown scale")


def test_satisfied_values_only_for_satisfaction_scales():
    data = sipas_data()
    data["scoring"]["satisfied_values"]["yes_no"] = [1]
    assert_problem(data, "scoring.satisfied_values.yes_no", "not a satisfaction scale")


def test_factor_needs_satisfied_values_for_its_scale():
    data = sipas_data()
    del data["scoring"]["satisfied_values"]["satisfaction5"]
    assert_problem(data, "scoring.factors[0].items[0]", "has no satisfied_values")


@pytest.mark.parametrize("max_length", [0, -5, 5001])
def test_text_max_length_must_be_between_1_and_5000(max_length):
    data = sipas_data()
    section, position, item = find_item(data, "comment")
    item["max_length"] = max_length
    assert_problem(data, f"sections[{section}].items[{position}].max_length", "")


def test_text_item_needs_max_length():
    data = sipas_data()
    section, position, item = find_item(data, "comment")
    del item["max_length"]
    assert_problem(data, f"sections[{section}].items[{position}]", "max_length")


def test_properties_of_the_other_item_type_are_rejected():
    data = quick_data()
    data["sections"][0]["items"][0]["max_length"] = 50
    section, position, comment = find_item(data, "comment")
    comment["allow_not_applicable"] = True
    problems = rejected(data)
    assert "sections[0].items[0].max_length: not allowed here" in problems
    assert f"sections[{section}].items[{position}].allow_not_applicable: not allowed here" in (
        problems
    )


def test_unknown_item_type_is_rejected():
    data = quick_data()
    data["sections"][1]["items"][0]["type"] = "multi"
    assert_problem(data, "sections[1].items[0].type", "must be one of scale, text")


def test_not_a_dict_is_rejected():
    assert rejected([]) == ["(root): must be a group of named parts"]


def test_not_applicable_needs_a_label_on_the_scale():
    data = quick_data()
    section, position, item = find_item(data, "extra_contacts")
    item["allow_not_applicable"] = True
    assert_problem(
        data, f"sections[{section}].items[{position}].allow_not_applicable", "not_applicable_label"
    )


def test_onestop_index_item_must_exist():
    data = quick_data()
    position, index = onestop_index(data, 3)
    index["item"] = "visits"
    assert_problem(data, f"scoring.onestop.indices[{position}].item", "unknown item 'visits'")


def test_onestop_points_must_cover_exactly_the_scale_values():
    data = quick_data()
    position, index = onestop_index(data, 1)
    del index["points"]["3"]
    assert_problem(data, f"scoring.onestop.indices[{position}].points", "exactly the values")
    data = quick_data()
    position, index = onestop_index(data, 1)
    index["points"]["4"] = 0
    assert_problem(data, f"scoring.onestop.indices[{position}].points", "exactly the values")


def test_onestop_rules_must_cover_every_combination_of_answers():
    data = quick_data()
    position, index = onestop_index(data, 7)
    del index["rules"][3]  # late and no complaint
    assert_problem(
        data,
        f"scoring.onestop.indices[{position}].rules",
        "harassment=2, result_timeliness=3",
    )


def test_onestop_rules_must_name_known_items_and_values():
    data = quick_data()
    position, index = onestop_index(data, 7)
    index["rules"][0]["when"] = {"bribe": [1]}
    index["rules"][1]["when"]["harassment"] = [2, 9]
    problems = rejected(data)
    assert f"scoring.onestop.indices[{position}].rules[0].when.bribe: unknown item 'bribe'" in (
        problems
    )
    assert any(
        p.startswith(f"scoring.onestop.indices[{position}].rules[1].when.harassment:")
        and "[9]" in p
        for p in problems
    )


def test_case_system_index_has_no_item():
    data = quick_data()
    position, index = onestop_index(data, 2)
    index["item"] = "result_timeliness"
    assert_problem(data, f"scoring.onestop.indices[{position}]", "case_system")


def test_questionnaire_index_needs_item_and_points_or_rules():
    data = quick_data()
    position, index = onestop_index(data, 3)
    del index["points"]
    assert_problem(data, f"scoring.onestop.indices[{position}]", "needs item and points")


def test_duplicate_onestop_index_numbers_are_rejected():
    data = quick_data()
    data["scoring"]["onestop"]["indices"][2]["number"] = 1
    assert_problem(data, "scoring.onestop.indices[2].number", "duplicate index number 1")


def test_officer_indices_must_be_index_numbers():
    data = quick_data()
    data["scoring"]["onestop"]["officer_indices"].append(12)
    assert_problem(data, "scoring.onestop.officer_indices[5]", "unknown index number 12")


def test_classification_minimums_must_strictly_decrease():
    data = quick_data()
    data["scoring"]["onestop"]["classification"][2]["minimum"] = 12
    assert_problem(data, "scoring.onestop.classification[2].minimum", "strictly decrease")


def test_last_classification_minimum_must_be_zero():
    data = quick_data()
    data["scoring"]["onestop"]["classification"][4]["minimum"] = 1
    assert_problem(data, "scoring.onestop.classification[4].minimum", "the last must be 0")


def test_the_officials_classification_is_checked():
    data = quick_data()
    classes = data["scoring"]["onestop"]["officer_classification"]
    classes["minimum_points"] = 11
    assert_problem(
        data, "scoring.onestop.officer_classification.minimum_points", "above officer_maximum"
    )
    data = quick_data()
    data["scoring"]["onestop"]["officer_classification"]["bands"][1]["minimum_percent"] = 100
    assert_problem(
        data,
        "scoring.onestop.officer_classification.bands[1].minimum_percent",
        "must strictly decrease",
    )
    data = quick_data()
    bands = data["scoring"]["onestop"]["officer_classification"]["bands"]
    bands[2]["minimum_percent"] = 10
    bands[2]["key"] = bands[0]["key"]
    assert_problem(
        data,
        "scoring.onestop.officer_classification.bands[2].minimum_percent",
        "the last must be 0",
    )
    assert_problem(
        data, "scoring.onestop.officer_classification.bands[2].key", "duplicate classification key"
    )
    data = quick_data()
    data["scoring"]["onestop"]["officer_classification"]["bands"][0]["minimum_percent"] = 120
    assert any("minimum_percent" in problem for problem in rejected(data))


def test_officials_are_classed_by_the_share_at_the_mark():
    classes = load_definition(quick_data()).scoring.onestop.officer_classification
    assert classes is not None and classes.minimum_points == 5
    assert [classes.classify(share)[1] for share in (100, 99.9, 70, 69.9, 0)] == [
        "five_or_more",
        "three_and_a_half_to_five",
        "three_and_a_half_to_five",
        "below_three_and_a_half",
        "below_three_and_a_half",
    ]


def test_all_problems_are_listed_together():
    data = sipas_data()
    data["sections"][0]["items"][0]["scale"] = "foo"
    data["sections"][2]["key"] = "access"
    data["scoring"]["headline_item"] = "nothing"
    problems = rejected(data)
    assert len(problems) >= 3
    assert {p.split(":")[0] for p in problems} >= {
        "sections[0].items[0].scale",
        "sections[2].key",
        "scoring.headline_item",
    }


def test_definition_error_is_a_value_error():
    with pytest.raises(ValueError, match="invalid questionnaire definition"):
        load_definition({"schema_version": 1})


# --------------------------------------------------------------------------------------
# Accessors
# --------------------------------------------------------------------------------------


def test_loading_keeps_a_private_copy_of_the_data():
    data = quick_data()
    definition = load_definition(data)
    data["title"]["vi"] = "changed"
    assert definition.title("vi") == "Đánh giá việc giải quyết hồ sơ tại Bộ phận Một cửa"
    assert definition.data["title"]["vi"] != "changed"


def test_text_falls_back_to_vietnamese(sipas, quick):
    assert quick.title("km").startswith("វាយតម្លៃ")
    assert sipas.title("km").startswith("ការស្ទង់មតិ")
    assert quick.title("fr") == quick.title("vi")
    assert quick.title(None) == quick.title("vi")
    assert quick.title("en-GB") == "Rate how your dossier was handled at the one-stop desk"
    assert quick.title("vi_VN") == quick.title("vi")
    assert quick.closing("vi") == "Trân trọng cảm ơn Ông/Bà!"
    # a text lacking a language offered by the questionnaire also falls back
    assert quick.text({"vi": "Có", "en": "Yes"}, "km") == "Có"


def test_items_sections_and_scales(quick):
    assert [section.key for section in quick.sections] == ["rating", "comments", "respondent"]
    assert [item.key for item in quick.items] == [
        "overall_satisfaction",
        "result_timeliness",
        "extra_contacts",
        "other_agencies",
        "harassment",
        "comment",
        "respondent_type",
    ]
    overall = quick.item("overall_satisfaction")
    assert overall.type == "scale" and overall.required and not overall.allow_not_applicable
    assert overall.scale is quick.scales["satisfaction3"]
    assert overall.scale.values == (3, 2, 1)
    assert overall.scale.labels[1]["vi"] == "Không hài lòng"
    comment = quick.item("comment")
    assert comment.type == "text" and comment.scale is None and comment.max_length == 1000
    with pytest.raises(KeyError):
        quick.item("ethnicity")


def test_definition_objects_are_read_only(quick):
    with pytest.raises(AttributeError):
        quick.key = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        quick.scales["satisfaction3"].labels[3]["vi"] = "x"  # type: ignore[index]


def test_scoring_accessors(sipas, quick):
    assert sipas.scoring.satisfied_values("satisfaction5") == frozenset({4, 5})
    assert quick.scoring.satisfied_values("satisfaction3") == frozenset({2, 3})
    assert quick.scoring.satisfied_values("yes_no") == frozenset()
    assert sipas.scoring.headline_item_key == "overall_satisfaction"
    assert sipas.scoring.onestop is None
    first = sipas.scoring.factors[0]
    assert first.key == "access"
    assert first.item_keys == ("access_signs", "access_seating", "access_equipment")
    assert first.overall_item_key == "access_overall"
    onestop = quick.scoring.onestop
    assert onestop is not None
    assert onestop.index(1).item_key == "result_timeliness"
    assert dict(onestop.index(1).points) == {1: 2, 2: 1, 3: 0}
    assert onestop.index(2).source == "case_system" and onestop.index(2).item_key is None
    assert onestop.officer_indices == (1, 2, 3, 4, 7)
    assert onestop.classify(15)[1] == "excellent"
    assert onestop.classify(14.9)[1] == "good"
    assert onestop.classify(0)[1] == "weak"


def test_scoring_for_analysis(sipas, quick):
    scoring = scoring_for_analysis(sipas)
    assert scoring["headline_item"] == "overall_satisfaction"
    assert [factor["key"] for factor in scoring["factors"]] == [
        "access",
        "procedures",
        "officer",
        "result",
        "feedback",
    ]
    result = scoring["factors"][3]
    assert result["criterion_items"] == ["result_on_time", "result_complete", "result_fair"]
    assert result["overall_item"] == "result_overall"
    assert result["levels"] == [1, 2, 3, 4, 5]
    assert result["satisfied"] == [4, 5]
    assert result["title"] == "Kết quả giải quyết"
    assert scoring["satisfied_values"]["officer_polite"] == [4, 5]
    assert "gender" not in scoring["satisfied_values"]
    assert scoring["onestop"] is None
    quick_scoring = scoring_for_analysis(quick)
    assert quick_scoring["satisfied_values"] == {"overall_satisfaction": [2, 3]}
    assert quick_scoring["factors"] == []
    assert quick_scoring["onestop"]["point_values"] == [2, 1, 0]
    assert quick_scoring["onestop"]["officer_indices"] == [1, 2, 3, 4, 7]


def test_scoring_for_analysis_feeds_the_statistics_library(sipas, quick):
    from analysis import OneStopScoringDefinition, sipas_index

    onestop = OneStopScoringDefinition(**scoring_for_analysis(quick)["onestop"])
    assert onestop.officer_maximum == quick.scoring.onestop.officer_maximum == 10
    assert onestop.agency_maximum == quick.scoring.onestop.agency_maximum == 18
    assert [band[0] for band in onestop.classification] == [15, 12, 9, 6, 0]

    factors = scoring_for_analysis(sipas)["factors"]
    counts = {
        factor["key"]: {item: {5: 3, 4: 1, 2: 1} for item in factor["criterion_items"]}
        for factor in factors
    }
    index = sipas_index(counts, satisfied=factors[0]["satisfied"], levels=factors[0]["levels"])
    assert index.index == pytest.approx(80.0)


# --------------------------------------------------------------------------------------
# validate_answers: what a citizen's submission may contain
# --------------------------------------------------------------------------------------


def error_codes(definition, raw, **options) -> dict[str, str]:
    return {
        key: error.code
        for key, error in validate_answers(definition, raw, **options).errors.items()
    }


def test_string_and_integer_levels_are_accepted(sipas, quick):
    result = validate_answers(quick, {"overall_satisfaction": "3", "extra_contacts": 1})
    assert result.is_valid
    assert result.answers == (
        Answer("overall_satisfaction", 3, None, False),
        Answer("extra_contacts", 1, None, False),
    )
    result = validate_answers(sipas, {"officer_polite": 5, "access_signs": " 5 "})
    assert [(a.item_key, a.value) for a in result.answers] == [
        ("access_signs", 5),
        ("officer_polite", 5),
    ]


@pytest.mark.parametrize(
    "value",
    [
        0,
        6,
        -1,
        3.5,
        5.0,
        "3.5",
        "abc",
        "",
        " ",
        "0",
        "6",
        "-1",
        "+5",
        "05",
        "５",
        "٣",
        "1_0",
        True,
        False,
        "5\x00",
        {"value": 5},
        b"5",
    ],
)
def test_bad_levels_are_refused(sipas, value):
    raw = {"officer_polite": value, "officer_rules": 4}
    codes = error_codes(sipas, raw)
    if value in ("", " "):
        assert codes == {}  # blank means "not answered"
    else:
        assert codes == {"officer_polite": "not_a_level"}


def test_not_a_level_lists_the_allowed_levels(sipas):
    error = validate_answers(sipas, {"officer_polite": 9}).errors["officer_polite"]
    assert error.params["allowed"] == (5, 4, 3, 2, 1)


def test_not_applicable(sipas):
    result = validate_answers(
        sipas, {"feedback_easy": "na", "access_signs": " NA ", "overall_satisfaction": 4}
    )
    assert result.is_valid
    assert set(result.answers) == {
        Answer("feedback_easy", None, None, True),
        Answer("access_signs", None, None, True),
        Answer("overall_satisfaction", 4, None, False),
    }
    assert error_codes(sipas, {"overall_satisfaction": "na"}) == {
        "overall_satisfaction": "not_applicable_not_allowed"
    }


def test_unknown_fields_are_refused(quick):
    codes = error_codes(quick, {"overall_satisfaction": 3, "csrf_token": "x", "ethnicity": "1"})
    assert codes == {"csrf_token": "unknown_item", "ethnicity": "unknown_item"}


def test_missing_required_answer(quick):
    assert error_codes(quick, {}) == {"overall_satisfaction": "required"}
    assert error_codes(quick, {"overall_satisfaction": None}) == {
        "overall_satisfaction": "required"
    }
    assert error_codes(quick, {"overall_satisfaction": "  "}) == {
        "overall_satisfaction": "required"
    }
    assert error_codes(quick, {"overall_satisfaction": 3}) == {}


def test_unanswered_optional_items_give_no_answer(quick):
    result = validate_answers(
        quick,
        {"overall_satisfaction": 2, "harassment": "", "comment": "  ", "extra_contacts": None},
    )
    assert result.is_valid
    assert [a.item_key for a in result.answers] == ["overall_satisfaction"]


def test_far_too_many_fields_refuse_the_whole_submission(quick):
    raw = {f"field_{n}": "1" for n in range(10_000)}
    raw["overall_satisfaction"] = "3"
    result = validate_answers(quick, raw)
    assert result.answers == ()
    assert list(result.errors) == [FORM_ERROR_KEY]
    assert result.errors[FORM_ERROR_KEY].code == "too_many_fields"
    assert result.errors[FORM_ERROR_KEY].params == {"maximum": 200, "received": 10_001}
    assert error_codes(quick, {"overall_satisfaction": 3, "harassment": 2}, max_fields=1) == {
        FORM_ERROR_KEY: "too_many_fields"
    }


def test_repeated_fields(quick):
    assert error_codes(quick, {"overall_satisfaction": ["3", "1"]}) == {
        "overall_satisfaction": "repeated_field"
    }
    result = validate_answers(quick, {"overall_satisfaction": ["3"]})
    assert result.answers == (Answer("overall_satisfaction", 3, None, False),)


def test_answers_follow_questionnaire_order(quick):
    result = validate_answers(
        quick, {"respondent_type": "1", "comment": "Tốt", "overall_satisfaction": "3"}
    )
    assert [a.item_key for a in result.answers] == [
        "overall_satisfaction",
        "comment",
        "respondent_type",
    ]


def test_text_is_cleaned(quick):
    raw = {
        "overall_satisfaction": 3,
        "comment": "  Cán bộ\x00 hướng\u200b dẫn\t\ttận tình\u202e.\r\n\r\n\r\n\r\nCảm ơn\ufeff!  ",
    }
    result = validate_answers(quick, raw)
    assert result.is_valid
    assert result.answers[1] == Answer(
        "comment", None, "Cán bộ hướng dẫn tận tình.\n\nCảm ơn!", False
    )


def test_text_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Rất hài lòng")
    assert decomposed != "Rất hài lòng"
    assert clean_text(decomposed) == "Rất hài lòng"


@pytest.mark.parametrize(
    "dirty",
    [
        "a\x00b",
        "a\x07b",
        "a\x1bb",
        "a\x7fb",
        "a\x85b",
        "a\u200bb",
        "a\u200db",
        "a\u200eb",
        "a\u200fb",
        "a\u202ab",
        "a\u202eb",
        "a\u2066b",
        "a\u2069b",
        "a\ufeffb",
        "a\ud800b",
    ],
)
def test_control_invisible_and_bidi_characters_are_removed(dirty):
    assert clean_text(dirty) == "ab"


def test_text_made_only_of_invisible_characters_is_not_an_answer(quick):
    result = validate_answers(quick, {"overall_satisfaction": 1, "comment": "\u200b\u202e\x00 \n"})
    assert result.is_valid
    assert [a.item_key for a in result.answers] == ["overall_satisfaction"]


def test_over_long_text_is_refused(quick):
    assert error_codes(quick, {"overall_satisfaction": 1, "comment": "ă" * 1000}) == {}
    result = validate_answers(quick, {"overall_satisfaction": 1, "comment": "ă" * 1001})
    assert result.errors["comment"].code == "too_long"
    assert result.errors["comment"].params == {"maximum": 1000, "length": 1001}
    # Length counts what is stored: invisible padding does not push a text over the limit
    padded = "ă" * 1000 + "\u200b" * 500
    assert error_codes(quick, {"overall_satisfaction": 1, "comment": padded}) == {}


def test_text_must_be_a_string(quick):
    assert error_codes(quick, {"overall_satisfaction": 1, "comment": 5}) == {"comment": "not_text"}


def test_not_applicable_is_plain_text_for_text_items(quick):
    result = validate_answers(quick, {"overall_satisfaction": 1, "comment": "na"})
    assert result.answers[1] == Answer("comment", None, "na", False)


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"comment": "Tốt", "gender": 1, "respondent_type": 2},
        {"access_signs": "na", "feedback_easy": "NA"},
        {"comment": "   ", "officer_polite": ""},
    ],
)
def test_a_response_without_a_rating_is_refused(sipas, raw):
    assert error_codes(sipas, raw) == {FORM_ERROR_KEY: "no_rating"}
    assert error_codes(sipas, {**raw, "officer_polite": 1}) == {}


def test_without_a_satisfaction_scale_any_chosen_level_is_a_rating(quick):
    data = quick_data()
    data["scales"]["satisfaction3"]["kind"] = "ordinal"
    data["scoring"] = {"satisfied_values": {}, "factors": []}
    definition = load_definition(data)
    assert error_codes(definition, {"overall_satisfaction": 1}) == {}
    assert error_codes(definition, {"overall_satisfaction": 1, "comment": "x"}) == {}


def test_every_error_is_reported_at_once(quick):
    codes = error_codes(
        quick,
        {"result_timeliness": 7, "harassment": "na", "comment": "x" * 5000, "colour": "red"},
    )
    assert codes == {
        "result_timeliness": "not_a_level",
        "harassment": "not_applicable_not_allowed",
        "comment": "too_long",
        "colour": "unknown_item",
        "overall_satisfaction": "required",
    }


def test_input_mapping_is_not_modified(quick):
    raw = {"overall_satisfaction": ["3"], "comment": " a "}
    before = copy.deepcopy(raw)
    validate_answers(quick, raw)
    assert raw == before


def test_each_problem_gives_its_place_and_a_message_to_translate():
    data = quick_data()
    data["scoring"]["onestop"]["classification"][-1]["minimum"] = 1
    [problem] = rejected_details(data)
    last = len(data["scoring"]["onestop"]["classification"]) - 1
    assert problem.parts == ("scoring", "onestop", "classification", last, "minimum")
    assert problem.message == "the last must be 0" and problem.params == {}
    # The command line and logs read the English line with its path.
    assert rejected(data) == [f"scoring.onestop.classification[{last}].minimum: the last must be 0"]


def test_a_missing_part_is_placed_at_the_part_itself():
    data = quick_data()
    del data["title"]["en"]
    [problem] = rejected_details(data)
    assert problem.parts == ("title", "en")
    assert str(problem) == "title: 'en' is a required property"


def rejected_details(data):
    with pytest.raises(DefinitionError) as caught:
        load_definition(data)
    return caught.value.details
