"""Who may see what: the access API every officer page and download uses.

A route protects itself in this order: load or 404, check access, act::

    @blueprint.get("/results/<int:agency_id>")
    @roles_required(Role.ADMINISTRATOR, Role.REFORM_OFFICE, Role.AGENCY_MANAGER, Role.VIEWER)
    def agency_results(agency_id):
        agency = db.get_or_404(Agency, agency_id)
        require_agency_visible(current_user, agency.id)
        members = visible_agency_ids(current_user)  # None: every agency
        ...

- :func:`officer_required`: signed in (anonymous visitors go to the sign-in page).
- :func:`roles_required`: signed in with one of the roles, else 403.
- :func:`visible_agency_ids`: the agencies whose results the officer may see.
- :func:`require_agency_visible`: 404 outside that scope (a 403 would confirm the agency exists).
- :func:`can_read_responses`: may the officer read response-level data (single responses,
  open comments, the response-level export)? Viewers see aggregated results only.
- :func:`may_open`: may the officer open the page of an endpoint? Read from the roles its
  view was decorated with, so a link is offered exactly to those who may follow it.

Every route must also be declared in ``tests/accounts/test_access_crawl.py``, which signs in
as every role and proves the scope holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from survey.accounts.models import SCOPED_ROLES, Role, User
from survey.db import db
from survey.org.tree import AgencyTree
from survey.vietnam_calendar import local_today

#: How each role is named on screen.
ROLE_LABELS = {
    Role.ADMINISTRATOR: _l("Administrator"),
    Role.REFORM_OFFICE: _l("Administrative reform office"),
    Role.AGENCY_MANAGER: _l("Agency manager"),
    Role.VIEWER: _l("Viewer (aggregated results only)"),
}

#: Roles entitled to response-level data (single responses, open comments).
RESPONSE_READER_ROLES = frozenset({Role.ADMINISTRATOR, Role.REFORM_OFFICE, Role.AGENCY_MANAGER})


#: The attribute of a view that holds the roles its access decorator lets in (read by
#: :func:`may_open`, so that the decorator stays the one statement of who may open the page).
ALLOWED_ROLES = "allowed_roles"


def officer_required(view: Callable) -> Callable:
    """Only for signed-in officers; anyone else is sent to the sign-in page and back."""
    wrapped = login_required(view)
    setattr(wrapped, ALLOWED_ROLES, frozenset(Role))
    return wrapped


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Only for signed-in officers holding one of ``roles``; other officers get 403."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ALLOWED_ROLES, allowed)
        return wrapped

    return decorator


def may_open(user: User, endpoint: str) -> bool:
    """May ``user`` open the page of ``endpoint``? The roles come from the view's
    :func:`officer_required` or :func:`roles_required`; a view with neither is no officer
    page, and asking about it is a mistake (LookupError), never a silent yes or no."""
    view = current_app.view_functions[endpoint]
    roles = getattr(view, ALLOWED_ROLES, None)
    if roles is None:
        raise LookupError(
            f"{endpoint} declares no officer access (officer_required, roles_required)"
        )
    return user.is_authenticated and user.role in roles


def visible_agency_ids(user: User, as_of: date | None = None) -> set[int] | None:
    """The ids of the agencies whose results ``user`` may see; None means every agency.

    Administrators and the reform office see everything. A scoped role sees the subtree
    of its agency on the organisation chart of ``as_of`` (default: today), together with
    every unit that was merged into a unit of that subtree, and their former subtrees
    (:meth:`AgencyTree.rolled_up`): the officer of today's ward sees the history of the
    communes it replaced. ``as_of`` chooses the chart, not the period of the results:
    keep the default to read past periods as today's officer. An officer whose agency
    did not exist on ``as_of``, or who has none, sees nothing.
    """
    if user.role not in SCOPED_ROLES:
        return None
    if user.agency_id is None:
        return set()
    return AgencyTree.load(db.session()).rolled_up(user.agency_id, as_of or local_today())


def require_agency_visible(user: User, agency_id: int, as_of: date | None = None) -> None:
    """Abort with 404 unless ``user`` may see ``agency_id`` (see :func:`visible_agency_ids`).

    404, not 403, so that an officer cannot learn which agencies exist outside their scope.
    """
    visible = visible_agency_ids(user, as_of)
    if visible is not None and agency_id not in visible:
        abort(404)


def can_read_responses(user: User) -> bool:
    """May ``user`` read response-level data? False for viewers (aggregated results only)."""
    return user.role in RESPONSE_READER_ROLES
