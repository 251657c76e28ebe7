"""What every administration page shares: who may change things, how large a request may
be, and what a refused form or a too large file shows."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from survey.accounts.access import roles_required
from survey.accounts.models import Role
from survey.admin import ADMIN_VIEWERS, blueprint

#: Changes: administrators only.
administrator_required = roles_required(Role.ADMINISTRATOR)
#: Looking: administrators and the reform office.
viewer_required = roles_required(*ADMIN_VIEWERS)


def allows_upload(limit_bytes: int) -> Callable[[Callable], Callable]:
    """Let this view receive a body up to ``limit_bytes`` (the site-wide limit is small).

    Raised before any other hook reads the body (the CSRF check does), by
    :func:`_raise_upload_limit`; the view still checks each file's own size.
    """

    def decorator(view: Callable) -> Callable:
        # A plain attribute on the view function, read back with getattr by the hook.
        view.upload_limit = limit_bytes  # type: ignore[attr-defined]
        return view

    return decorator


def _raise_upload_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "upload_limit", None)
    if limit is not None:
        request.max_content_length = limit
        request.max_form_memory_size = limit


def _install_upload_limit(state) -> None:
    # First of the application's before-request hooks: the CSRF check reads the form.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _raise_upload_limit)


blueprint.record_once(_install_upload_limit)


@blueprint.errorhandler(CSRFError)
def _refused_form(error):
    """A form whose security token expired or came from elsewhere: say so, change nothing."""
    flash(
        _(
            "This form had expired or did not come from this site. Nothing was changed: "
            "please try again."
        ),
        "warning",
    )
    rule = request.url_rule
    reopen = rule is not None and "GET" in (rule.methods or ())
    return redirect(request.path if reopen else url_for("admin.index"), code=303)


@blueprint.errorhandler(413)
def _too_large(error):
    flash(_("The file is too large. Nothing was changed."), "warning")
    return redirect(url_for("admin.index"), code=303)
