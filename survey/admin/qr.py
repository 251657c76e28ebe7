"""QR codes and posters of desks and officials; replacing a code in one click.

Administrators only. A replaced code is revoked, not deleted: an old poster then opens the
polite "this code is no longer in use" page of the citizen side.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from survey.accounts import audit
from survey.accounts.access import roles_required
from survey.accounts.models import Role
from survey.admin import blueprint
from survey.admin.lookup import agency_matches
from survey.collect.posters import (
    PAGE_SIZES,
    code_address,
    poster_for,
    posters_pdf,
    qr_png,
    qr_svg,
)
from survey.db import db, utcnow
from survey.org.models import Agency, Official, PublicCode, ServicePoint


class ReplaceCodeForm(FlaskForm):
    """Revoke a code and issue a new one: only the security token."""


def _active_code_or_404(code_id: int) -> PublicCode:
    public_code = db.get_or_404(PublicCode, code_id)
    if public_code.revoked_dt is not None:
        abort(404)
    return public_code


def _page_size() -> str:
    size = request.args.get("size", "A4").upper()
    return size if size in PAGE_SIZES else "A4"


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/qr/")
@roles_required(Role.ADMINISTRATOR)
def qr_codes():
    words, matches = agency_matches()
    agency = None
    if "agency" in request.args:
        agency = db.get_or_404(Agency, request.args.get("agency", type=int))
    desks = officials = []
    if agency is not None:
        desks = list(
            db.session.scalars(
                select(ServicePoint)
                .where(ServicePoint.agency_id == agency.id)
                .order_by(ServicePoint.name)
            )
        )
        officials = list(
            db.session.scalars(
                select(Official).where(Official.agency_id == agency.id).order_by(Official.name)
            )
        )
    return render_template(
        "admin/qr/index.html",
        agency=agency,
        desks=desks,
        officials=officials,
        agency_search=words,
        agency_matches=matches,
        agency_pick="id",
        form=ReplaceCodeForm(),
        address=code_address,
    )


@blueprint.get("/qr/<int:code_id>.svg")
@roles_required(Role.ADMINISTRATOR)
def qr_code_svg(code_id: int):
    public_code = _active_code_or_404(code_id)
    svg = qr_svg(code_address(public_code.code))
    return _download(svg, "image/svg+xml", f"qr-{public_code.code}.svg")


@blueprint.get("/qr/<int:code_id>.png")
@roles_required(Role.ADMINISTRATOR)
def qr_code_png(code_id: int):
    public_code = _active_code_or_404(code_id)
    return _download(
        qr_png(code_address(public_code.code)), "image/png", f"qr-{public_code.code}.png"
    )


@blueprint.get("/qr/<int:code_id>/poster.pdf")
@roles_required(Role.ADMINISTRATOR)
def qr_poster(code_id: int):
    public_code = _active_code_or_404(code_id)
    size = _page_size()
    pdf = posters_pdf([poster_for(public_code)], size)
    return _download(pdf, "application/pdf", f"poster-{public_code.code}-{size}.pdf")


@blueprint.get("/qr/agency/<int:agency_id>/posters.pdf")
@roles_required(Role.ADMINISTRATOR)
def agency_posters(agency_id: int):
    """The posters of every active desk of the agency, one per page, to print at once."""
    agency = db.get_or_404(Agency, agency_id)
    desks = db.session.scalars(
        select(ServicePoint)
        .where(ServicePoint.agency_id == agency.id, ServicePoint.is_active.is_(True))
        .order_by(ServicePoint.name)
    )
    posters = [poster_for(desk.active_code) for desk in desks if desk.active_code is not None]
    if not posters:
        flash(_("This agency has no active desk with a QR code."), "warning")
        return redirect(url_for("admin.qr_codes", agency=agency.id))
    size = _page_size()
    return _download(
        posters_pdf(posters, size), "application/pdf", f"posters-{agency.code}-{size}.pdf"
    )


@blueprint.post("/qr/<int:code_id>/replace")
@roles_required(Role.ADMINISTRATOR)
def replace_qr_code(code_id: int):
    old = _active_code_or_404(code_id)
    if not ReplaceCodeForm().validate():
        abort(400)
    old.revoked_dt = utcnow()
    new = PublicCode(service_point_id=old.service_point_id, official_id=old.official_id)
    db.session.add(new)
    db.session.flush()
    if old.service_point_id is not None:
        target, agency_id = f"service_point:{old.service_point_id}", old.service_point.agency_id
    else:
        target, agency_id = f"official:{old.official_id}", old.official.agency_id
    audit.record(
        "public_code.replaced",
        target=target,
        details={"before": {"code": old.code}, "after": {"code": new.code}},
    )
    db.session.commit()
    flash(
        _(
            "The code %(old)s no longer works; the new code is %(new)s. Print the new poster.",
            old=old.code,
            new=new.code,
        ),
        "info",
    )
    return redirect(url_for("admin.qr_codes", agency=agency_id))
