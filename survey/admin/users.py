"""Officer accounts: create with a role and an agency scope, change them, reset a password,
deactivate. Administrators only; every change is audited (never a password).

The rules for a new account are those of ``flask create-user`` (:mod:`survey.accounts.rules`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from survey.accounts import audit
from survey.accounts.access import ROLE_LABELS, roles_required
from survey.accounts.forms import NEW_PASSWORD_LENGTH
from survey.accounts.models import Role, User
from survey.accounts.rules import (
    MINIMUM_PASSWORD_LENGTH,
    email_is_taken,
    is_email_address,
    needs_agency,
    normalized_email,
)
from survey.admin import blueprint
from survey.admin.common import agency_by_code
from survey.admin.lookup import agency_matches
from survey.choices import options
from survey.db import db
from survey.org.models import Agency

PAGE_SIZE = 50


class _ScopeFields(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=options((role.value, label) for role, label in ROLE_LABELS.items()),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a role."))],
    )
    agency = StringField(
        _l("Agency code"),
        description=_l(
            "The agency whose units the officer sees. Required for agency managers and viewers;"
            " search for it below."
        ),
        validators=[
            Optional(),
            Length(max=40, message=_l("At most %(count)s characters.", count=40)),
        ],
    )

    def validate_role(self, field) -> None:
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose one of the roles."))

    def validate_agency(self, field) -> None:
        if agency_by_code(db.session, field.data) is None:
            raise ValidationError(_l("No agency has this code."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        roles = {role.value for role in Role}
        if not self.agency.data and self.role.data in roles and needs_agency(Role(self.role.data)):
            self.agency.errors = [*self.agency.errors, _("This role needs an agency.")]
            valid = False
        return valid

    def chosen_agency(self) -> Agency | None:
        return agency_by_code(db.session, self.agency.data)


def _password_field(label):
    return PasswordField(
        label,
        description=_l(
            "At least %(count)s characters. Give it to the officer in person; they should change it"
            " after signing in.",
            count=MINIMUM_PASSWORD_LENGTH,
        ),
        validators=[
            DataRequired(message=_l("Enter a temporary password.")),
            *NEW_PASSWORD_LENGTH,
        ],
    )


def _password_again_field():
    return PasswordField(
        _l("Temporary password, again"),
        validators=[
            DataRequired(message=_l("Enter the password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class NewUserForm(_ScopeFields):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Enter the officer's e-mail address."))],
    )
    password = _password_field(_l("Temporary password"))
    password_again = _password_again_field()

    def validate_email(self, field) -> None:
        email = normalized_email(field.data)
        if not is_email_address(email):
            raise ValidationError(_l("This is not an e-mail address."))
        if email_is_taken(db.session, email):
            raise ValidationError(_l("An account with this e-mail address already exists."))

    def validate_password(self, field) -> None:
        if field.data.strip().lower() == normalized_email(self.email.data or ""):
            raise ValidationError(_l("The new password must not be the e-mail address."))


class ScopeForm(_ScopeFields):
    """Changing an account's role and agency."""


class ResetPasswordForm(FlaskForm):
    password = _password_field(_l("New temporary password"))
    password_again = _password_again_field()


class ActiveForm(FlaskForm):
    """Deactivate or reactivate: ``active`` is "0" or "1"."""

    active = HiddenField(validators=[DataRequired()])

    def validate_active(self, field) -> None:
        if field.data not in ("0", "1"):
            raise ValidationError(_l("This value is not valid."))


def _scope(user: User) -> dict:
    return {
        "role": user.role.value,
        "agency": user.agency.code if user.agency is not None else None,
        "is_active": user.is_active,
    }


@blueprint.get("/users")
@roles_required(Role.ADMINISTRATOR)
def users():
    words = request.args.get("q", "").strip()[:254]
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    statement = select(User).order_by(User.email)
    if words:
        statement = statement.where(User.email.contains(words.lower(), autoescape=True))
    rows = list(db.session.scalars(statement.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    return render_template(
        "admin/users/list.html",
        users=rows[:PAGE_SIZE],
        words=words,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        role_labels=ROLE_LABELS,
    )


@blueprint.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def new_user():
    form = NewUserForm(agency=request.args.get("agency", ""))
    if not form.validate_on_submit():
        words, matches = agency_matches()
        status = 400 if form.is_submitted() else 200
        page = render_template(
            "admin/users/new.html", form=form, agency_search=words, agency_matches=matches
        )
        return page, status
    agency = form.chosen_agency()
    user = User(
        email=normalized_email(form.email.data),
        role=Role(form.role.data),
        agency_id=agency.id if agency else None,
    )
    user.set_password(form.password.data)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        target=f"user:{user.id}",
        details={
            "email": user.email,
            "after": {
                "role": user.role.value,
                "agency": form.agency.data or None,
                "is_active": True,
            },
        },
    )
    db.session.commit()
    flash(_("The account %(email)s has been created.", email=user.email), "info")
    return redirect(url_for("admin.user", user_id=user.id))


def _user_page(user, scope_form=None, reset_form=None, status=200):
    words, matches = agency_matches()
    page = render_template(
        "admin/users/edit.html",
        user=user,
        scope_form=scope_form
        or ScopeForm(
            role=user.role.value,
            agency=request.args.get("agency") or (user.agency.code if user.agency else ""),
        ),
        reset_form=reset_form or ResetPasswordForm(),
        active_form=ActiveForm(active="0" if user.is_active else "1"),
        role_labels=ROLE_LABELS,
        agency_search=words,
        agency_matches=matches,
    )
    return page, status


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def user(user_id: int):
    account = db.get_or_404(User, user_id)
    if request.method == "GET":
        return _user_page(account)
    form = ScopeForm()
    if not form.validate():
        return _user_page(account, scope_form=form, status=400)
    if account.id == current_user.id and form.role.data != Role.ADMINISTRATOR.value:
        form.role.errors.append(_("You cannot take the administrator role from yourself."))
        return _user_page(account, scope_form=form, status=400)
    before = _scope(account)
    agency = form.chosen_agency()
    account.role = Role(form.role.data)
    account.agency_id = agency.id if agency else None
    db.session.flush()
    db.session.refresh(account, ["agency"])
    after = _scope(account)
    if after != before:
        audit.record(
            "user.updated",
            target=f"user:{account.id}",
            details={"email": account.email, "before": before, "after": after},
        )
        db.session.commit()
        flash(_("The account has been changed."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


@blueprint.post("/users/<int:user_id>/password")
@roles_required(Role.ADMINISTRATOR)
def reset_password(user_id: int):
    account = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if not form.validate():
        return _user_page(account, reset_form=form, status=400)
    if form.password.data.strip().lower() == account.email:
        form.password.errors.append(_("The new password must not be the e-mail address."))
        return _user_page(account, reset_form=form, status=400)
    account.set_password(form.password.data)
    # The session id carries a fingerprint of the password: the officer's sessions end now.
    audit.record(
        "user.password_reset", target=f"user:{account.id}", details={"email": account.email}
    )
    db.session.commit()
    flash(_("The password has been reset. The officer's open sessions have ended."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


@blueprint.post("/users/<int:user_id>/active")
@roles_required(Role.ADMINISTRATOR)
def set_user_active(user_id: int):
    account = db.get_or_404(User, user_id)
    form = ActiveForm()
    if not form.validate():
        abort(400)
    active = form.active.data == "1"
    if account.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "warning")
        return redirect(url_for("admin.user", user_id=account.id))
    if account.is_active != active:
        before = _scope(account)
        account.is_active = active
        audit.record(
            "user.reactivated" if active else "user.deactivated",
            target=f"user:{account.id}",
            details={"email": account.email, "before": before, "after": _scope(account)},
        )
        db.session.commit()
    message = _("The account is active.") if active else _("The account has been deactivated.")
    flash(message, "info")
    return redirect(url_for("admin.user", user_id=account.id))
