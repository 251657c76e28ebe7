"""The kiosk tablet beside a desk: pairing, the full-screen rating page, its service worker.

The page works from data embedded in it (questionnaire texts in every language, the
desk's officials, the interface strings, the timings), so it can be reloaded from the
service worker's cache while the network is down; ``static/js/kiosk.js`` queues each
rating and sends it to ``POST /api/v1/responses`` (``api.py``) until it is acknowledged.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.accounts.models import AuditEvent
from survey.collect.devices import (
    desk_target,
    device_for_credential,
    pair_device,
    pairable_device,
)
from survey.collect.models import KioskDevice
from survey.collect.submit import (
    DEFAULT_QUESTIONNAIRE,
    Target,
    TargetUnavailable,
    current_version,
    definition_of,
)
from survey.db import db, write_session
from survey.forms import Form
from survey.languages import LANGUAGE_NAMES, LANGUAGES
from survey.org.models import Official, ServicePoint
from survey.org.photos import photo_folder

blueprint = Blueprint("kiosk", __name__, url_prefix="/kiosk")

KIOSK_COOKIE = "kiosk_device"
#: The credential travels only to the kiosk pages and the API.
COOKIE_PATHS = ("/kiosk", "/api/v1")
#: Browsers cap a cookie's life at 400 days; every load of the kiosk page renews it, and the
#: server never expires the credential itself (only revoking does).
COOKIE_MAX_AGE = timedelta(days=400)

#: Seconds, overridable in the configuration (SURVEY_KIOSK_IDLE_SECONDS=90...).
TIMING_DEFAULTS = {
    "KIOSK_THANKS_SECONDS": 6,  # thanks stay this long, then the kiosk starts again
    # ...or this long when they show a feedback case's receipt code, to copy or photograph
    "KIOSK_RECEIPT_SECONDS": 30,
    "KIOSK_IDLE_SECONDS": 45,  # without a touch this long mid-rating, a countdown appears
    "KIOSK_COUNTDOWN_SECONDS": 15,  # then starts again when it reaches zero
    "KIOSK_RETRY_BASE_SECONDS": 2,  # first wait before resending a queued rating
    "KIOSK_RETRY_MAX_SECONDS": 300,  # longest wait between two attempts (never given up)
}


class PairingForm(Form):
    """Confirming the pairing: only the security token; the pairing token is in the address."""


def request_credential() -> str | None:
    """The device credential: ``Authorization: Bearer …`` first, else the kiosk cookie."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(KIOSK_COOKIE)


def authenticated_device() -> KioskDevice | None:
    """The kiosk device this request comes from (possibly revoked), or None."""
    return device_for_credential(db.session(), request_credential())


def set_device_cookie(response: Response, credential: str) -> None:
    for path in COOKIE_PATHS:
        response.set_cookie(
            KIOSK_COOKIE,
            credential,
            max_age=COOKIE_MAX_AGE,
            path=path,
            httponly=True,
            samesite="Strict",
            secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
        )


def _timing(name: str) -> float:
    return float(current_app.config.get(name, TIMING_DEFAULTS[name]))


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


def _not_in_service(reason: str):
    return render_template("kiosk/unregistered.html", reason=reason), 403


@blueprint.get("/")
def kiosk():
    device = authenticated_device()
    if device is None:
        return _not_in_service("unregistered")
    if device.revoked_dt is not None:
        return _not_in_service("revoked")
    try:
        target = desk_target(db.session(), device)
    except TargetUnavailable:
        return _not_in_service("desk")
    version = current_version(db.session(), DEFAULT_QUESTIONNAIRE, target.agency.id)
    if version is None:
        return _not_in_service("desk")
    data = page_data(target, definition_of(version))
    response = make_response(render_template("kiosk/kiosk.html", data=data, target=target))
    # Always ask the server first (the service worker falls back to its copy when offline).
    response.headers["Cache-Control"] = "no-cache"
    set_device_cookie(response, request_credential())
    return response


@blueprint.get("/pair/<token>")
def pair(token: str):
    device = pairable_device(db.session(), token)
    if device is None:
        return render_template("kiosk/pair_invalid.html"), 404
    return _pairing_page(device, PairingForm())


def _pairing_page(device: KioskDevice, form: PairingForm, status: int = 200):
    desk = db.session.get(ServicePoint, device.service_point_id)
    return render_template("kiosk/pair.html", device=device, device_desk=desk, form=form), status


@blueprint.post("/pair/<token>")
def confirm_pairing(token: str):
    form = PairingForm()
    device = pairable_device(db.session(), token)
    if device is None:
        return render_template("kiosk/pair_invalid.html"), 404
    if not form.validate():
        return _pairing_page(device, form, status=400)
    with write_session() as session:
        credential = pair_device(session, token)
        if credential is not None:
            session.add(
                AuditEvent(action="kiosk.paired", target=f"kiosk:{device.id}", details=None)
            )
    if credential is None:  # the link was used by another tablet a moment ago
        return render_template("kiosk/pair_invalid.html"), 404
    response = redirect(url_for(".kiosk"), code=303)
    set_device_cookie(response, credential)
    return response


@blueprint.get("/sw.js")
def service_worker():
    """The service worker, served from here so that its scope is ``/kiosk/``."""
    response = send_from_directory(
        Path(current_app.static_folder) / "js", "kiosk-sw.js", mimetype="text/javascript"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/photos/<int:official_id>")
def official_photo(official_id: int):
    device = authenticated_device()
    if device is None or device.revoked_dt is not None:
        abort(404)
    official = db.session.get(Official, official_id)
    if (
        official is None
        or not official.photo_filename
        or device.service_point_id not in {desk.id for desk in official.service_points}
    ):
        abort(404)
    return send_from_directory(photo_folder(), official.photo_filename, max_age=3600)


def page_data(target: Target, definition) -> dict:
    """Everything the kiosk page needs, for ``target`` asking ``definition`` (the admin's
    preview passes a draft)."""
    satisfied = definition.scoring.satisfied_values
    desk = target.service_point
    assert desk is not None, "a kiosk stands at a desk (the preview's is made up)"
    return {
        "questionnaire": definition.key,
        "version": definition.version,
        "defaultLanguage": current_app.config["BABEL_DEFAULT_LOCALE"],
        "languages": [{"code": code, "name": LANGUAGE_NAMES[code]} for code in LANGUAGES],
        "agency": {lang: target.agency.localized_name(lang) for lang in LANGUAGES},
        "desk": {
            lang: (desk.name_en if lang == "en" and desk.name_en else desk.name)
            for lang in LANGUAGES
        },
        "closing": {lang: definition.closing(lang) or "" for lang in LANGUAGES},
        "officials": [
            {
                "code": official.code,
                "name": official.name,
                "title": official.title or "",
                "initials": _initials(official.name),
                "photo": url_for("kiosk.official_photo", official_id=official.id)
                if official.photo_filename
                else None,
            }
            for official in target.officials
            if official.code is not None
        ],
        "items": [
            {
                "key": item.key,
                "required": item.required,
                "text": {lang: definition.text(item.text, lang) for lang in LANGUAGES},
                "options": [
                    {
                        "value": value,
                        "label": {
                            lang: definition.text(item.scale.labels[value], lang)
                            for lang in LANGUAGES
                        },
                        "face": _face(value, item.scale, satisfied(item.scale.key))
                        if item.scale.kind == "satisfaction"
                        else None,
                    }
                    for value in item.scale.values
                ],
                "notApplicable": _not_applicable_label(definition, item)
                if item.allow_not_applicable
                else None,
            }
            # Free text needs a keyboard: a kiosk asks only the questions with buttons.
            for item in definition.items
            if item.scale is not None
        ],
        "strings": {lang: _strings_in(lang) for lang in LANGUAGES},
        "timing": {
            "thanks": _timing("KIOSK_THANKS_SECONDS"),
            "receipt": _timing("KIOSK_RECEIPT_SECONDS"),
            "idle": _timing("KIOSK_IDLE_SECONDS"),
            "countdown": _timing("KIOSK_COUNTDOWN_SECONDS"),
            "retryBase": _timing("KIOSK_RETRY_BASE_SECONDS"),
            "retryMax": _timing("KIOSK_RETRY_MAX_SECONDS"),
        },
        "api": url_for("api.create_response"),
        # The receipt page's address, the code after its last "/" (shown in full, to copy).
        "receiptPage": url_for("feedback_public.receipt", receipt="", _external=True),
        "serviceWorker": url_for("kiosk.service_worker"),
    }


def _initials(name: str) -> str:
    """Placeholder for a missing photo: Vietnamese names end with the given name, so the
    first letter of the family name and of the given name ("Nguyễn Văn An" → "NA")."""
    words = name.split()
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def _face(value: int, scale, satisfied: frozenset[int]) -> str:
    """Which face to draw for a satisfaction level: the best level beams, the worst frowns."""
    values = sorted(scale.values)
    if value == values[-1]:
        return "very-happy"
    if value in satisfied:
        return "happy"
    if value == values[0]:
        return "unhappy"
    return "neutral"


def _not_applicable_label(definition, item) -> dict[str, str]:
    labels = {}
    for lang in LANGUAGES:
        if item.scale.not_applicable_label:
            labels[lang] = definition.text(item.scale.not_applicable_label, lang)
        else:
            with force_locale(lang):
                labels[lang] = _("Not applicable")
    return labels


def _strings_in(language: str) -> dict[str, str]:
    """The kiosk's own words in one language (``%(count)s`` and ``%(seconds)s`` are filled in
    by the page)."""
    with force_locale(language):
        return {
            "title": _("Rate the service"),
            "language": _("Language"),
            "whoServed": _("Who served you?"),
            "whoServedHint": _("Touch the official who handled your dossier."),
            "skipOfficial": _("I do not know / skip"),
            "skip": _("Skip this question"),
            "finish": _("Finish and send"),
            "back": _("Back"),
            "progress": _("Question %(number)s of %(total)s"),
            "thanksBody": _("Your rating has been recorded."),
            "receiptTitle": _("Your receipt code"),
            "receiptAddress": _("Follow the answer to your feedback at:"),
            "receiptQueued": _(
                "Your rating is saved on this device and will be sent when the connection "
                "returns. A receipt code cannot be shown before then."
            ),
            "idleTitle": _("Are you still there?"),
            "idleBody": _(
                "The screen starts again for the next person in %(seconds)s seconds."
                " Touch the screen to continue."
            ),
            "idleContinue": _("Continue my rating"),
            "unsent": _("Unsent ratings: %(count)s"),
            "rejected": _("Ratings refused: %(count)s"),
            "revoked": _("This device is no longer registered. Thank you for your interest."),
        }
