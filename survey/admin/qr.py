"""QR codes and posters of desks and officials; replacing a code in one click.

Administrators only. A replaced code is revoked, not deleted: an old poster then opens the
polite "this code is no longer in use" page of the citizen side.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey.accounts import audit
from survey.admin import blueprint
from survey.admin.common import administrator_required
from survey.admin.forms import TokenForm
from survey.admin.lookup import agency_matches
from survey.admin.pages import requested_agency, requested_token
from survey.collect.posters import (
    PAGE_SIZES,
    code_address,
    poster_for,
    posters_pdf,
    qr_png,
    qr_svg,
)
from survey.db import db, utcnow, write_session
from survey.org.models import Agency, Official, PublicCode, ServicePoint


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
@administrator_required
def qr_codes():
    words, matches = agency_matches()
    agency = requested_agency()
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
        form=TokenForm(),
        address=code_address,
    )


@blueprint.get("/qr/<int:code_id>.svg")
@administrator_required
def qr_code_svg(code_id: int):
    public_code = _active_code_or_404(code_id)
    svg = qr_svg(code_address(public_code.code))
    return _download(svg, "image/svg+xml", f"qr-{public_code.code}.svg")


@blueprint.get("/qr/<int:code_id>.png")
@administrator_required
def qr_code_png(code_id: int):
    public_code = _active_code_or_404(code_id)
    return _download(
        qr_png(code_address(public_code.code)), "image/png", f"qr-{public_code.code}.png"
    )


@blueprint.get("/qr/<int:code_id>/poster.pdf")
@administrator_required
def qr_poster(code_id: int):
    public_code = _active_code_or_404(code_id)
    size = _page_size()
    pdf = posters_pdf([poster_for(public_code)], size)
    return _download(pdf, "application/pdf", f"poster-{public_code.code}-{size}.pdf")


@blueprint.get("/qr/agency/<int:agency_id>/posters.pdf")
@administrator_required
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


@blueprint.route("/qr/<int:code_id>/replace", methods=["GET", "POST"])
@administrator_required
def replace_qr_code(code_id: int):
    """GET: what revoking the code does, to confirm; POST (from that page): revoke and reissue."""
    old = _active_code_or_404(code_id)
    owner = old.service_point or old.official
    assert owner is not None, "a code points at a desk or an official (exactly_one_target)"
    if request.method == "GET":
        return render_template(
            "admin/qr/replace.html",
            code=old,
            owner=owner,
            agency=owner.agency,
            form=TokenForm(),
            address=code_address,
        )
    requested_token()
    new = _replace(old)
    agency_id = owner.agency_id
    flash(
        _(
            "The code %(old)s no longer works; the new code is %(new)s. Print the new poster.",
            old=old.code,
            new=new.code,
        ),
        "info",
    )
    return redirect(url_for("admin.qr_codes", agency=agency_id))


def _replace(old: PublicCode) -> PublicCode:
    """Revoke ``old`` and give its desk or official a new code (returned)."""
    with write_session() as session:
        revoked = session.get_one(PublicCode, old.id)
        revoked.revoked_dt = utcnow()
        new = PublicCode(service_point_id=old.service_point_id, official_id=old.official_id)
        session.add(new)
        session.flush()
        if old.service_point_id is not None:
            target = f"service_point:{old.service_point_id}"
        else:
            target = f"official:{old.official_id}"
        audit.record(
            "public_code.replaced",
            target=target,
            details={"before": {"code": old.code}, "after": {"code": new.code}},
            session=session,
        )
    return new
