"""Questionnaires: drafts from a built-in template or an earlier version, editing every text in
every language side by side, previews exactly as a phone and a kiosk show them, publishing
(then frozen), import and export as JSON, and which version each agency's desks use.

The reform office may look at everything; only administrators change anything. The editor is
stateless: the page carries the working definition, the posted fields are applied to it
(:mod:`survey.admin.questionnaire_editor`), and
:func:`survey.questionnaires.definition.load_definition` decides; its problems are shown next
to the fields they name, and nothing is written until the whole definition is valid.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.accounts.models import Role
from survey.admin import blueprint
from survey.admin.changes import audited_write
from survey.admin.common import administrator_required, viewer_required
from survey.admin.forms import AssignmentForm, NewDraftForm, QuestionnaireImportForm, TokenForm
from survey.admin.lookup import agency_by_code, agency_matches
from survey.admin.pages import requested_token
from survey.admin.questionnaire_editor import (
    apply_edits,
    changed_values,
    items_by_key,
    json_path,
    opened_by,
    opened_by_changes,
    scale_codes,
    value_at,
)
from survey.admin.questionnaire_problems import ShownProblem, in_reader_language, shown_problems
from survey.collect.forms import ANSWER_PREFIX, CitizenForm
from survey.collect.kiosk import page_data
from survey.collect.submit import AgencyInfo, DeskInfo, Target
from survey.db import db, utcnow
from survey.i18n import current_language
from survey.json_input import JsonRefused, parse_json
from survey.languages import LANGUAGES
from survey.org.models import Agency
from survey.questionnaires.assignments import QuestionnaireAssignment
from survey.questionnaires.definition import (
    DefinitionError,
    builtin_definitions,
    definition_schema,
    load_definition,
)
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.security import csrf
from survey.settings import get_setting

#: Largest JSON file accepted for import (the SIPAS questionnaire is about 40 KB).
IMPORT_BYTES = 512 * 1024
#: At most this many changed values are listed in the audit log for one save.
AUDITED_CHANGES = 200


# --------------------------------------------------------------------------------------
# Loading and pages
# --------------------------------------------------------------------------------------


def _version_or_404(version_id: int) -> QuestionnaireVersion:
    return db.get_or_404(QuestionnaireVersion, version_id)


def version_name(version: QuestionnaireVersion) -> str:
    """ "Đánh giá việc giải quyết hồ sơ … (phiên bản thứ 2)": what an officer calls it."""
    title = in_reader_language(version.definition.get("title")) or version.questionnaire.key
    return _("%(title)s (version %(number)s)", title=title, number=version.version_number)


def _sources() -> list[tuple[str, str]]:
    choices = [
        (f"builtin:{key}", _("Built-in template: %(title)s", title=data["title"]["vi"]))
        for key, data in builtin_definitions().items()
    ]
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .order_by(Questionnaire.key, QuestionnaireVersion.version_number)
    )
    choices += [(f"version:{version.id}", version_name(version)) for version in versions]
    return choices


def _published_choices() -> list[tuple[int, str]]:
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(QuestionnaireVersion.published_dt.is_not(None))
        .order_by(Questionnaire.key, QuestionnaireVersion.version_number)
    )
    return [(version.id, version_name(version)) for version in versions]


def _index_page(
    draft_form=None, import_form=None, assignment_form=None, import_problems=None, status=200
):
    draft_form = draft_form or NewDraftForm(_sources())
    assignment_form = assignment_form or AssignmentForm(
        _published_choices(), agency=request.args.get("agency", "")
    )
    words, matches = agency_matches()
    questionnaires = db.session.scalars(select(Questionnaire).order_by(Questionnaire.key)).all()
    assignments = db.session.scalars(
        select(QuestionnaireAssignment).order_by(
            QuestionnaireAssignment.agency_id, QuestionnaireAssignment.valid_from
        )
    ).all()
    page = render_template(
        "admin/questionnaires/index.html",
        questionnaires=questionnaires,
        assignments=assignments,
        draft_form=draft_form,
        import_form=import_form or QuestionnaireImportForm(),
        import_problems=import_problems or [],
        assignment_form=assignment_form,
        action_form=TokenForm(),
        agency_search=words,
        agency_matches=matches,
        can_change=current_app_user_is_administrator(),
        in_reader_language=in_reader_language,
        version_name=version_name,
    )
    return page, status


def current_app_user_is_administrator() -> bool:
    return current_user.role == Role.ADMINISTRATOR


@blueprint.get("/questionnaires/")
@viewer_required
def questionnaires():
    return _index_page()


def _new_draft(session, data: dict) -> QuestionnaireVersion:
    """A draft of ``data`` as the next version of its questionnaire (created if new)."""
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.key == data["key"]))
    if questionnaire is None:
        questionnaire = Questionnaire(key=data["key"])
        session.add(questionnaire)
        session.flush()
    newest = session.scalar(
        select(func.max(QuestionnaireVersion.version_number)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id
        )
    )
    data = {**copy.deepcopy(data), "version": (newest or 0) + 1}
    version = QuestionnaireVersion(
        questionnaire=questionnaire, version_number=data["version"], definition=data
    )
    session.add(version)
    session.flush()
    return version


def _has_draft(key: str) -> bool:
    return (
        db.session.scalar(
            select(QuestionnaireVersion.id)
            .join(Questionnaire)
            .where(Questionnaire.key == key, QuestionnaireVersion.published_dt.is_(None))
        )
        is not None
    )


@blueprint.post("/questionnaires/drafts")
@administrator_required
def new_draft():
    """A draft from a built-in template or an earlier version (of any questionnaire)."""
    form = NewDraftForm(_sources())
    if not form.validate():
        return _index_page(draft_form=form, status=400)
    kind, _colon, name = form.source.data.partition(":")
    if kind == "builtin":
        data = builtin_definitions()[name]
    else:
        data = db.get_or_404(QuestionnaireVersion, int(name)).definition
    if _has_draft(data["key"]):
        form.source.errors.append(
            _("This questionnaire already has a draft: edit it, publish it or delete it first.")
        )
        return _index_page(draft_form=form, status=409)
    version = audited_write(
        "questionnaire.draft_created",
        f"questionnaire:{data['key']}",
        lambda session: _new_draft(session, data),
        lambda draft: {"after": {"version": draft.version_number}, "from": form.source.data},
    )
    return redirect(url_for("admin.questionnaire_version", version_id=version.id))


def _scale_items(data: dict) -> list[dict]:
    """The scale items, each with its text in the reader's language and whether its scale is a
    satisfaction scale (only those may be criteria, overall or headline questions)."""
    found = data.get("scales")
    scales: dict = found if isinstance(found, dict) else {}
    return [
        {
            "key": key,
            "text": in_reader_language(item.get("text")) or key,
            "satisfaction": (scales.get(item.get("scale")) or {}).get("kind") == "satisfaction",
        }
        for key, item in items_by_key(data).items()
        if item.get("type") == "scale"
    ]


def _code_labels(data: dict, item_key: object) -> list[tuple[int, str]]:
    """The answer codes of an item's scale with their labels in the reader's language."""
    item = items_by_key(data).get(item_key) if isinstance(item_key, str) else None
    scale = value_at(data, ["scales", item.get("scale")]) if item else None
    labels = {
        option.get("value"): in_reader_language(option.get("label"))
        for option in (scale or {}).get("values", [])
        if isinstance(option, dict)
    }
    return [(code, labels.get(code) or str(code)) for code in scale_codes(data, item_key)]


def _editor_page(version, data, problems=(), status=200, opened=()):
    shown = shown_problems(data, problems)
    readonly = version.is_published or not current_app_user_is_administrator()
    page = render_template(
        "admin/questionnaires/edit.html",
        version=version,
        data=data,
        languages=[lang for lang in LANGUAGES if lang in data.get("languages", LANGUAGES)],
        problem_list=shown,
        problems_at=lambda parts: [
            problem for problem in shown if _joined(problem.anchor) == _joined(parts)
        ],
        holds_problem=lambda parts: any(
            _joined(problem.anchor).startswith(_joined(parts) + "/") for problem in shown
        ),
        opened=set(opened),
        summary_targets={},
        json_path=json_path,
        texts_at=lambda parts: value_at(data, list(parts)) or {},
        in_reader_language=in_reader_language,
        scale_items=_scale_items(data),
        code_labels=lambda item_key: _code_labels(data, item_key),
        answer_choices=lambda scale: [
            (option.get("value"), in_reader_language(option.get("label")))
            for option in scale.get("values", [])
            if isinstance(option, dict)
        ],
        index_choices=lambda onestop: [
            (index.get("number"), _("Index %(number)s", number=index.get("number")))
            for index in onestop.get("indices", [])
            if isinstance(index, dict)
        ],
        working_json=json.dumps(data, ensure_ascii=False),
        form=TokenForm(),
        action_form=TokenForm(),
        readonly=readonly,
    )
    return page, status


def _joined(parts) -> str:
    return "/".join(str(part) for part in parts)


@blueprint.route("/questionnaires/versions/<int:version_id>", methods=["GET", "POST"])
@viewer_required
def questionnaire_version(version_id: int):
    version = _version_or_404(version_id)
    if request.method == "GET":
        return _editor_page(version, version.definition, opened=request.args.getlist("open"))
    if not current_app_user_is_administrator():
        abort(403)
    if version.is_published:
        flash(_("A published version is frozen: start a new draft to change it."), "warning")
        return _editor_page(version, version.definition, status=409)
    requested_token()
    try:
        base = parse_json(request.form.get("definition", ""))
    except ValueError:
        base = None
    if not isinstance(base, dict):
        return _editor_page(
            version, version.definition, [_("The page was incomplete. Please try again.")], 400
        )
    posted = {name: request.form.getlist(name) for name in request.form}
    edit = apply_edits(base, posted, version.questionnaire.key, version.version_number)
    action = request.form.get("action", "save")
    if action != "save":
        return _editor_page(version, edit.data, opened=opened_by(action, edit.data))
    problems = list(edit.problems)
    if not problems:
        try:
            load_definition(edit.data)
        except DefinitionError as error:
            problems = error.details
    if problems:
        return _editor_page(version, edit.data, problems, status=400)
    changes = changed_values(version.definition, edit.data)
    if changes:
        _change_version(
            version,
            "questionnaire.draft_saved",
            lambda session, draft: setattr(draft, "definition", edit.data),
            {"changes": changes[:AUDITED_CHANGES], "changed": len(changes)},
        )
        flash(_("The draft has been saved."), "info")
    opened = opened_by_changes(changes)[:20]
    return redirect(url_for("admin.questionnaire_version", version_id=version.id, open=opened))


def _change_version(
    version: QuestionnaireVersion,
    action: str,
    change: Callable[[Session, QuestionnaireVersion], None],
    details: dict,
) -> None:
    """Change (or delete) the version in a write transaction, audited as ``action``."""
    audited_write(
        action,
        f"questionnaire:{version.questionnaire.key}:{version.version_number}",
        lambda session: change(session, session.get_one(QuestionnaireVersion, version.id)),
        lambda _done: details,
    )


@blueprint.post("/questionnaires/versions/<int:version_id>/publish")
@administrator_required
def publish_version(version_id: int):
    version = _version_or_404(version_id)
    requested_token()
    if version.is_published:
        flash(_("This version is already published."), "info")
        return redirect(url_for("admin.questionnaire_version", version_id=version.id))
    try:
        load_definition(version.definition)
    except DefinitionError as error:
        return _editor_page(version, version.definition, error.details, status=400)
    _change_version(
        version,
        "questionnaire.published",
        lambda session, draft: setattr(draft, "published_dt", utcnow()),
        {"before": {"published": False}, "after": {"published": True}},
    )
    flash(_("The version is published. It can no longer be changed."), "info")
    return redirect(url_for("admin.questionnaire_version", version_id=version.id))


@blueprint.post("/questionnaires/versions/<int:version_id>/delete")
@administrator_required
def delete_draft(version_id: int):
    version = _version_or_404(version_id)
    requested_token()
    if version.is_published:
        flash(_("A published version is frozen: start a new draft to change it."), "warning")
        return redirect(url_for("admin.questionnaire_version", version_id=version.id)), 409
    _change_version(
        version,
        "questionnaire.draft_deleted",
        lambda session, draft: session.delete(draft),
        {"before": {"version": version.version_number}},
    )
    flash(_("The draft has been deleted."), "info")
    return redirect(url_for("admin.questionnaires"))


# --------------------------------------------------------------------------------------
# Previews: the real phone and kiosk pages with the version's definition, no submission
# --------------------------------------------------------------------------------------

#: Public codes never contain "0" (see PUBLIC_CODE_ALPHABET): this one can never exist, so a
#: preview's form leads to the "unknown code" page and stores nothing.
PREVIEW_CODE = "preview0"


def _preview_target() -> Target:
    return Target(
        PREVIEW_CODE, AgencyInfo(None, _("Name of the agency")), DeskInfo(None, _("Desk 1")), None
    )


@blueprint.get("/questionnaires/versions/<int:version_id>/preview/phone")
@viewer_required
def preview_phone(version_id: int):
    definition = load_definition(_version_or_404(version_id).definition)
    return render_template(
        "collect/form.html",
        target=_preview_target(),
        definition=definition,
        questionnaire_key=definition.key,
        language=current_language(),
        form=CitizenForm(submission_id="00000000-0000-4000-8000-000000000000"),
        answers={},
        errors={},
        answer_prefix=ANSWER_PREFIX,
        retention_days=get_setting("CONTACT_RETENTION_DAYS"),
    )


@blueprint.get("/questionnaires/versions/<int:version_id>/preview/kiosk")
@viewer_required
def preview_kiosk(version_id: int):
    definition = load_definition(_version_or_404(version_id).definition)
    target = _preview_target()
    data = page_data(target, definition)
    # The preview's ratings go to a sink that stores nothing.
    data["api"] = url_for("admin.preview_sink")
    return render_template("kiosk/kiosk.html", data=data, target=target)


@blueprint.post("/questionnaires/preview-sink")
@csrf.exempt  # stores nothing; the kiosk page sends JSON without a form token
@viewer_required
def preview_sink():
    return jsonify({"status": "preview", "stored": False}), 200


# --------------------------------------------------------------------------------------
# Import, export, the published schema
# --------------------------------------------------------------------------------------


@blueprint.get("/questionnaires/schema.json")
@viewer_required
def questionnaire_schema():
    return jsonify(dict(definition_schema()))


@blueprint.get("/questionnaires/versions/<int:version_id>/export.json")
@viewer_required
def export_version(version_id: int):
    version = _version_or_404(version_id)
    body = json.dumps(version.definition, ensure_ascii=False, indent=2) + "\n"
    filename = f"{version.questionnaire.key}-v{version.version_number}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _import_problems(upload) -> tuple[dict | None, list[str] | list[ShownProblem]]:
    if upload is None or not upload.filename:
        return None, [_("Choose a JSON file to import.")]
    raw = upload.stream.read(IMPORT_BYTES + 1)
    if len(raw) > IMPORT_BYTES:
        return None, [_("The file is too large (at most %(size)s KB).", size=IMPORT_BYTES // 1024)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [_("The file is not in UTF-8. Save it as UTF-8 JSON and try again.")]
    try:
        data = parse_json(text)
    except JsonRefused as refused:
        return None, [str(refused)]
    except json.JSONDecodeError as error:
        return None, [
            _(
                "The file is not valid JSON (line %(line)s, column %(column)s).",
                line=error.lineno,
                column=error.colno,
            )
        ]
    try:
        load_definition(data)
    except DefinitionError as error:
        return None, shown_problems(data, error.details)
    if _has_draft(data["key"]):
        return None, [
            _("This questionnaire already has a draft: edit it, publish it or delete it first.")
        ]
    return data, []


@blueprint.post("/questionnaires/import")
@administrator_required
def import_questionnaire():
    form = QuestionnaireImportForm()
    if not form.validate():
        abort(400)
    data, problems = _import_problems(request.files.get("file"))
    if problems:
        return _index_page(import_form=form, import_problems=problems, status=400)
    version = audited_write(
        "questionnaire.imported",
        f"questionnaire:{data['key']}",
        lambda session: _new_draft(session, data),
        lambda draft: {"after": {"version": draft.version_number}, "file_version": data["version"]},
    )
    flash(_("The file is imported as a draft. Check it, then publish it."), "info")
    return redirect(url_for("admin.questionnaire_version", version_id=version.id))


# --------------------------------------------------------------------------------------
# Which version each agency's desks use, from which day
# --------------------------------------------------------------------------------------


def _assignment_details(assignment: QuestionnaireAssignment) -> dict:
    return {
        "agency": assignment.agency.code,
        "questionnaire": assignment.questionnaire.key,
        "version": assignment.version.version_number,
        "valid_from": assignment.valid_from.isoformat(),
    }


def _assign(
    session: Session, agency: Agency, version: QuestionnaireVersion, first_day: date
) -> QuestionnaireAssignment:
    assignment = QuestionnaireAssignment(
        agency_id=agency.id,
        questionnaire_id=version.questionnaire_id,
        version_id=version.id,
        valid_from=first_day,
    )
    session.add(assignment)
    session.flush()
    session.refresh(assignment)
    return assignment


@blueprint.post("/questionnaires/assignments")
@administrator_required
def assign_version():
    form = AssignmentForm(_published_choices())
    if not form.validate():
        return _index_page(assignment_form=form, status=400)
    agency = agency_by_code(db.session(), form.agency.data)
    version = db.session.get(QuestionnaireVersion, form.version.data)
    exists = db.session.scalar(
        select(QuestionnaireAssignment.id).where(
            QuestionnaireAssignment.agency_id == agency.id,
            QuestionnaireAssignment.questionnaire_id == version.questionnaire_id,
            QuestionnaireAssignment.valid_from == form.first_day(),
        )
    )
    if exists is not None:
        form.valid_from.errors.append(
            _("This agency already has a version of this questionnaire from this day.")
        )
        return _index_page(assignment_form=form, status=409)
    audited_write(
        "questionnaire.assigned",
        f"agency:{agency.code}",
        lambda session: _assign(session, agency, version, form.first_day()),
        lambda assignment: {"before": None, "after": _assignment_details(assignment)},
    )
    flash(_("The version is assigned."), "info")
    return redirect(url_for("admin.questionnaires"))


@blueprint.post("/questionnaires/assignments/<int:assignment_id>/delete")
@administrator_required
def remove_assignment(assignment_id: int):
    assignment = db.get_or_404(QuestionnaireAssignment, assignment_id)
    requested_token()
    audited_write(
        "questionnaire.assignment_removed",
        f"agency:{assignment.agency.code}",
        lambda session: session.delete(session.get(QuestionnaireAssignment, assignment.id)),
        lambda _done: {"before": _assignment_details(assignment), "after": None},
    )
    flash(_("The assignment is removed."), "info")
    return redirect(url_for("admin.questionnaires"))
