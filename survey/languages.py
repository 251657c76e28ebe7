"""The platform's languages, declared once.

Every list of languages derives from :data:`LANGUAGE_NAMES`: the configuration's
``LANGUAGES`` (what ``?lang=`` and ``Accept-Language`` may choose), the language switcher,
the kiosk, the kiosk API's OpenAPI document and the ``flask translate`` commands. Adding a
language is one entry here, ``flask --app survey translate init LANG``, the translations, and
(for the agency names) a ``name_<lang>`` column with its generated migration: see
CONTRIBUTING.md.
"""

from __future__ import annotations

#: Each language's code (ISO 639-1) and its name in itself, in the order they are offered.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "km": "ខ្មែរ"}

LANGUAGES = tuple(LANGUAGE_NAMES)

#: The languages of the officers' pages (administration, results, sign-in): Khmer is offered
#: only on the citizens' pages, whose strings are all translated (``tests/app/test_i18n.py``
#: checks the split).
OFFICER_LANGUAGES = ("vi", "en")

#: What a visitor gets who asks for none of the languages above.
DEFAULT_LANGUAGE = "vi"

#: The language the strings in the code and templates are written in: it has no catalog.
SOURCE_LANGUAGE = "en"

#: The languages with a catalog under ``translations/``.
TRANSLATED_LANGUAGES = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)
