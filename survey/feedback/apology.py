"""The apology letter ("Thư xin lỗi") for a case answered as founded with the agency at fault.

The letter is a Vietnamese official letter (``/CV-``) in the layout of Decree 30/2020 (the
head and signature block of :mod:`survey.documents`). Its text is the agency's template
(:class:`survey.feedback.models.ApologyTemplate`, edited by an administrator) or
:data:`DEFAULT_TEMPLATE`, with the :data:`PLACEHOLDERS` filled in from what the citizen
already knows from the receipt page. Nothing private enters it: no phone number, no note,
no officer's name.
"""

from __future__ import annotations

import string
from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.feedback.cases import local_date
from survey.feedback.models import ApologyTemplate, CaseSource, CaseState, FeedbackCase
from survey.org.models import Agency, ServicePoint

#: What a template may say in braces, each with what it becomes (shown to the editor).
PLACEHOLDERS = {
    "ma_phieu": _l("the receipt code the citizen was given"),
    "ngay_tiep_nhan": _l("the day the case was opened (dd/mm/yyyy)"),
    "ngay_tra_loi": _l("the day the citizen was answered (dd/mm/yyyy)"),
    "noi_dung": _l("what the case is about (its kind, and the desk if known)"),
    "co_quan": _l("the agency's name"),
}

TEMPLATE_MAX_LENGTH = 5000

DEFAULT_TEMPLATE = (
    "Ngày {ngay_tiep_nhan}, {co_quan} nhận được {noi_dung} của Ông/Bà "
    "(mã số tiếp nhận {ma_phieu}).\n\n"
    "Qua xem xét, {co_quan} xác định phản ánh, kiến nghị của Ông/Bà là có cơ sở và lỗi "
    "thuộc về cơ quan trong quá trình giải quyết thủ tục hành chính. Ngày {ngay_tra_loi}, "
    "{co_quan} đã trả lời Ông/Bà về kết quả xử lý.\n\n"
    "{co_quan} trân trọng xin lỗi Ông/Bà vì sự chậm trễ, phiền hà đã gây ra và cam kết "
    "chấn chỉnh, khắc phục để không tái diễn.\n\n"
    "Trân trọng cảm ơn Ông/Bà đã phản ánh, kiến nghị, góp phần nâng cao chất lượng phục vụ "
    "của cơ quan hành chính nhà nước."
)

#: What a case is about, as the letter says it (the letter is always Vietnamese).
_SUBJECTS = {
    CaseSource.CALLBACK: "yêu cầu được liên hệ lại",
    CaseSource.LOW_RATING: "ý kiến không hài lòng",
    CaseSource.HARASSMENT: "phản ánh về việc nhũng nhiễu, gây phiền hà",
    CaseSource.DIRECT: "phản ánh, kiến nghị",
}


def template_problem(text: str) -> str | None:
    """Why ``text`` is not a usable template (a brace left open, an unknown placeholder), or
    None. Only the bare names of :data:`PLACEHOLDERS` are allowed: no format, no attribute."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return str(_l("A brace { or } is not closed: write placeholders as {co_quan}."))
    for _literal, name, spec, conversion in parsed:
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            return str(_l("Unknown placeholder {%(name)s}.", name=name))
    return None


def agency_template(session: Session, agency_id: int) -> ApologyTemplate | None:
    return session.scalar(select(ApologyTemplate).where(ApologyTemplate.agency_id == agency_id))


def may_apologise(case: FeedbackCase) -> bool:
    """A letter is due for a case answered as founded, with the agency at fault."""
    return case.state == CaseState.ANSWERED and case.is_agency_at_fault


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def letter_subject(session: Session, case: FeedbackCase) -> str:
    """What the case is about: its kind, and the desk where it happened when known."""
    desk = session.get(ServicePoint, case.service_point_id) if case.service_point_id else None
    subject = _SUBJECTS[case.source]
    return f"{subject} tại {desk.name}" if desk is not None else subject


def letter_text(session: Session, case: FeedbackCase, agency: Agency) -> str:
    """The agency's template (or the default) filled in for ``case``."""
    stored = agency_template(session, agency.id)
    assert case.closed_dt is not None, "an answered case is closed"
    return (stored.text if stored is not None else DEFAULT_TEMPLATE).format(
        ma_phieu=case.receipt,
        ngay_tiep_nhan=_day(local_date(case.opened_dt)),
        ngay_tra_loi=_day(local_date(case.closed_dt)),
        noi_dung=letter_subject(session, case),
        co_quan=agency.name,
    )


def apology_pdf(session: Session, case: FeedbackCase, today: date) -> bytes:
    """The letter of the case's agency, dated ``today``, in Vietnamese whatever the
    officer's language."""
    # fpdf2 (and fontTools under it) only when a letter is made: 1.2 s of imports that
    # every command and server start would otherwise pay.
    from fpdf.enums import XPos, YPos

    from survey.documents import (
        DocumentPdf,
        draw_letterhead,
        draw_signature_block,
        letterhead_for,
    )

    agency = session.get_one(Agency, case.agency_id)
    with force_locale("vi"):
        pdf = DocumentPdf(f"Thư xin lỗi · {case.receipt}")
        pdf.set_title("Thư xin lỗi")
        pdf.set_creator("Hài Lòng")
        pdf.add_page()
        draw_letterhead(pdf, letterhead_for(agency, "CV", today, "vi"))
        pdf.set_font(pdf.font_name, "", 9.5)
        pdf.set_xy(pdf.l_margin, pdf.get_y() - 4)
        pdf.multi_cell(
            pdf.epw * 0.42,
            4.6,
            f"V/v xin lỗi về {letter_subject(session, case)}",
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(6)
        pdf.heading("THƯ XIN LỖI", 14, align="C")
        pdf.set_font(pdf.font_name, "", 12)
        pdf.multi_cell(
            0,
            6,
            f"Kính gửi: Ông/Bà có phản ánh, kiến nghị mã số {case.receipt}",
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(4)
        for paragraph in letter_text(session, case, agency).split("\n"):
            if paragraph.strip():
                pdf.paragraph(paragraph.strip(), 12)
        pdf.ln(6)
        draw_signature_block(pdf, ("- Như trên;", "- Lưu: VT."))
        return bytes(pdf.output())
