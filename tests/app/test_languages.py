"""The languages are declared once (survey/languages.py); every list of them follows."""

from survey.collect.openapi import SUBMISSION_SCHEMA
from survey.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    SOURCE_LANGUAGE,
    TRANSLATED_LANGUAGES,
)
from survey.org.models import Agency


def test_the_configuration_and_the_kiosk_api_offer_the_declared_languages(app):
    assert app.config["LANGUAGES"] == LANGUAGES == ("vi", "en", "km")
    assert app.config["BABEL_DEFAULT_LOCALE"] == DEFAULT_LANGUAGE == "vi"
    assert SUBMISSION_SCHEMA["properties"]["language"]["enum"] == list(LANGUAGES)


def test_every_language_but_the_source_has_a_catalog_and_a_name():
    assert SOURCE_LANGUAGE == "en" and TRANSLATED_LANGUAGES == ("vi", "km")
    assert all(LANGUAGE_NAMES[code] for code in LANGUAGES)


def test_an_agency_is_named_in_the_language_it_has_a_name_for():
    agency = Agency(name="Ủy ban nhân dân xã", name_en="Commune People's Committee")
    assert agency.localized_name("en") == "Commune People's Committee"
    assert agency.localized_name("km") == "Ủy ban nhân dân xã"  # no Khmer name: the official one
    assert agency.localized_name("vi") == "Ủy ban nhân dân xã"
