"""Languages (declared in :mod:`survey.languages`): the visitor's choice; numbers and dates
in the visitor's style.

The language comes from ``?lang=``, then the ``lang`` cookie, then ``Accept-Language``,
then Vietnamese. Anything else (an unknown or absurd value) is ignored, never an error.
Citizens' pages (home, the phone form, the kiosk and its API, feedback and its receipt,
the published results) are offered in every language; officers' pages in
:data:`survey.languages.OFFICER_LANGUAGES` only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_babel import Babel, get_locale
from flask_babel import format_date as babel_format_date

from survey.languages import DEFAULT_LANGUAGE, LANGUAGE_NAMES, OFFICER_LANGUAGES

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


#: The citizens' pages (the home page, rating a service, sending feedback and following it,
#: the published results): every language is offered there.
CITIZEN_BLUEPRINTS = frozenset(
    {"home", "collect", "kiosk", "api", "feedback_public", "public_results"}
)


def page_languages() -> tuple[str, ...]:
    """The languages this page is offered in."""
    languages = tuple(current_app.config["LANGUAGES"])
    if not has_request_context() or request.blueprint in CITIZEN_BLUEPRINTS:
        return languages
    return tuple(code for code in languages if code in OFFICER_LANGUAGES)


def _requested_language() -> str | None:
    """The language named by ``?lang=``, if this page is offered in it."""
    value = request.args.get("lang", "")
    return value if value in page_languages() else None


def select_locale() -> str:
    languages = page_languages()
    chosen = _requested_language()
    if chosen:
        return chosen
    cookie = request.cookies.get(LANGUAGE_COOKIE, "")
    if cookie in languages:
        return cookie
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    """The language code of this request (one of :data:`survey.languages.LANGUAGES`)."""
    if "language" not in g:
        g.language = str(get_locale() or DEFAULT_LANGUAGE)
    return g.language


def language_url(language: str) -> str:
    """This page in another language (the other query parameters kept)."""
    if request.endpoint is None:  # an error page: the address itself is unknown
        return "?" + urlencode({"lang": language})
    values: dict[str, Any] = {
        **(request.view_args or {}),
        **request.args.to_dict(),
        "lang": language,
    }
    return url_for(request.endpoint, **values)


def round_half_up(value: float, digits: int = 0) -> Decimal:
    """``value`` rounded to ``digits`` decimals, halves away from zero: the one rounding
    rule for every number a reader sees (the Circular's rule for index scores), so that
    81.25 % reads "81,3 %" on the page, in the PDF, the CSV and the workbook alike. Babel
    and Python round halves to even (81.25 → 81.2); the decimal digits as written are
    used, not the binary float's (2.675 rounds to 2.68). What rounds to zero is zero, without
    a sign: a change of -0.04 points reads "0,0", never "-0,0"."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def format_percent(value: float | None, digits: int = 1) -> str:
    """A percentage the way the reader writes it: "85,3 %" in Vietnamese, "85.3%" in English.

    ``value`` is already in percent (0–100). ``None`` (no data) becomes an en dash.
    """
    if value is None:
        return "–"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    language = current_language()
    number = format_decimal(round_half_up(value, digits), format=pattern, locale=language)
    # Vietnamese style sets the sign apart, with a no-break space so it never wraps alone.
    return f"{number}\u00a0%" if language == "vi" else f"{number}%"


def format_number(value: float, digits: int = 0) -> str:
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(round_half_up(value, digits), format=pattern, locale=current_language())


def format_day(value: date | datetime) -> str:
    """A date as the reader writes it: 26/11/2026 in Vietnamese."""
    return babel_format_date(value, format="dd/MM/yyyy" if current_language() == "vi" else "medium")


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/../translations"),
    )

    @app.after_request
    def _remember_language(response):
        chosen = _requested_language()
        if chosen and request.cookies.get(LANGUAGE_COOKIE) != chosen:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
            )
        return response

    @app.context_processor
    def _language_context():
        return {
            "current_language": current_language(),
            "language_names": {code: LANGUAGE_NAMES[code] for code in page_languages()},
            "all_language_names": LANGUAGE_NAMES,
            "language_url": language_url,
        }

    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["day"] = format_day
