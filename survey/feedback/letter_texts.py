"""Each agency's text of the apology letter ("Thư xin lỗi"), edited by an administrator at
``/officer/cases/apology-letters/<agency_id>`` (:mod:`survey.feedback.apology`). An agency
without a text of its own uses the default one, shown in the editor to start from. Each save
is audited with the text before and after."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from survey.accounts.access import roles_required
from survey.accounts.models import Role
from survey.admin.changes import Audited
from survey.admin.pages import edit_page
from survey.db import db
from survey.feedback.apology import DEFAULT_TEMPLATE, PLACEHOLDERS, agency_template
from survey.feedback.forms import ApologyTemplateForm
from survey.feedback.models import ApologyTemplate
from survey.feedback.routes import blueprint
from survey.org.models import Agency


def apology_template_values(template: ApologyTemplate) -> dict:
    return {"agency_id": template.agency_id, "text": template.text}


APOLOGY_TEMPLATES = Audited(
    ApologyTemplate, "apology_template", apology_template_values, key="agency_id"
)


@blueprint.route("/apology-letters/<int:agency_id>", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def apology_template(agency_id: int):
    agency = db.get_or_404(Agency, agency_id)
    stored = agency_template(db.session(), agency.id)
    form = ApologyTemplateForm(data={"text": stored.text if stored else DEFAULT_TEMPLATE})

    def change(session: Session, template: ApologyTemplate | None) -> ApologyTemplate:
        template = template or ApologyTemplate(agency_id=agency.id)
        template.text = form.text.data
        return template

    return edit_page(
        "feedback/apology_template.html",
        form,
        lambda: APOLOGY_TEMPLATES.save(stored, change),
        lambda saved: (
            _("The apology letter of %(name)s was saved.", name=agency.name),
            url_for("admin.agency", agency_id=agency.id),
        ),
        agency=agency,
        placeholders=PLACEHOLDERS,
        is_default=stored is None,
    )
