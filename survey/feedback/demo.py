"""Demo feedback cases: from every source, in every state, some overdue, some transferred,
with replies, so that a newcomer sees the loop working after ``make run``.

Cases are drawn from the demo ratings that call for one (a report of harassment, a lowest
answer with a comment) and from invented standalone feedback; the numbers of the few
call-back requests are invented (0900 000 …), never real. Seeding again adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.accounts.models import User
from survey.collect.models import Answer, CallbackRequest, Response
from survey.feedback.cases import (
    Calendar,
    Opening,
    change_state,
    open_case,
    transfer,
)
from survey.feedback.models import CaseSource, CaseState, FeedbackCase
from survey.org.models import Agency

#: Invented complaints and proposals of the standalone form.
DEMO_TEXTS = (
    "Quầy tiếp nhận đóng cửa trước giờ niêm yết khoảng 30 phút.",
    "Đề nghị bố trí thêm ghế chờ cho người cao tuổi.",
    "Cán bộ yêu cầu nộp thêm giấy tờ không có trong danh mục niêm yết.",
    "Màn hình gọi số thứ tự bị hỏng nhiều ngày.",
    "Đề nghị hướng dẫn nộp hồ sơ trực tuyến cho người dân.",
    "Hẹn trả kết quả nhưng đến ngày hẹn chưa có kết quả, không được thông báo.",
)
DEMO_REPLY = (
    "Cơ quan đã kiểm tra, chấn chỉnh và xin lỗi Ông/Bà. "
    "Từ nay việc tiếp nhận được thực hiện đúng quy định."
)
#: How the cases are spread over the states (the rest stay new, some of them overdue).
STATE_PLAN = (
    CaseState.ANSWERED,
    CaseState.ANSWERED,
    CaseState.UNFOUNDED,
    CaseState.IN_PROGRESS,
    CaseState.ACKNOWLEDGED,
    CaseState.NEW,
    "transferred",
)


def seed_cases(session_factory: Callable, seed: int, until: datetime) -> int:
    """Add the demo cases once; how many were added."""
    rng = random.Random(f"cases-{seed}")
    with session_factory() as session:
        if session.scalar(select(func.count(FeedbackCase.id))):
            return 0
        openings = _rating_openings(session) + _direct_openings(session, rng, until)
        admin_id = session.scalar(select(User.id).order_by(User.id).limit(1))
        agency_ids = list(session.scalars(select(Agency.id).order_by(Agency.id)))
        calendar = Calendar.load(session)
        for number, (opening, opened_dt) in enumerate(openings):
            case = open_case(session, opening, opened_dt)
            if opening.source == CaseSource.CALLBACK:
                session.add(
                    CallbackRequest(
                        response_id=opening.response_id,
                        phone=f"0900 000 {number:03d}",
                        delete_after_dt=opened_dt + timedelta(days=90),
                    )
                )
            _advance(
                case, STATE_PLAN[number % len(STATE_PLAN)], admin_id, rng, calendar, agency_ids
            )
        return len(openings)


def _rating_openings(session: Session) -> list[tuple[Opening, datetime]]:
    """The newest ratings reporting harassment or a lowest answer with a comment, and a few
    ordinary ones turned into call-back requests."""
    harassment = (
        session.execute(
            select(Response)
            .join(Answer)
            .where(Answer.item_key.in_(["harassment", "integrity_harassment"]), Answer.value == 1)
            .order_by(Response.submitted_dt.desc())
            .limit(12)
        )
        .scalars()
        .all()
    )
    commented = (
        session.execute(
            select(Response)
            .join(Answer)
            .where(Answer.item_key == "comment", Answer.text.is_not(None))
            .order_by(Response.submitted_dt.desc())
            .limit(24)
        )
        .scalars()
        .all()
    )
    # The demo's comments come with middling answers: the lowest ratings stand for the
    # lowest ratings with a comment.
    lowest = (
        session.execute(
            select(Response)
            .join(Answer)
            .where(Answer.item_key == "overall_satisfaction", Answer.value == 1)
            .order_by(Response.submitted_dt.desc())
            .limit(8)
        )
        .scalars()
        .all()
    )
    chosen: dict[int, tuple[Response, CaseSource]] = {}
    for responses, source in (
        (harassment, CaseSource.HARASSMENT),
        (lowest, CaseSource.LOW_RATING),
        (commented, CaseSource.CALLBACK),
    ):
        for response in responses:
            chosen.setdefault(response.id, (response, source))
    return [
        (
            Opening(
                source=source,
                agency_id=response.agency_id,
                language=response.language,
                service_point_id=response.service_point_id,
                official_id=response.official_id,
                response_id=response.id,
                has_phone=source == CaseSource.CALLBACK,
            ),
            response.submitted_dt,
        )
        for response, source in chosen.values()
    ]


def _direct_openings(session: Session, rng: random.Random, until: datetime):
    desks = session.execute(
        select(Response.agency_id, Response.service_point_id)
        .where(Response.service_point_id.is_not(None))
        .distinct()
        .order_by(Response.agency_id, Response.service_point_id)
        .limit(40)
    ).all()
    openings = []
    for text in DEMO_TEXTS * 2:
        if not desks:
            break
        agency_id, desk_id = rng.choice(desks)
        opened = until - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8))
        opening = Opening(CaseSource.DIRECT, agency_id, "vi", desk_id, text=text)
        openings.append((opening, opened))
    return openings


def _advance(case: FeedbackCase, plan, user_id, rng, calendar, agency_ids) -> None:
    """Move a new case along the plan, the changes dated a few days apart."""
    moment = case.opened_dt

    def later() -> datetime:
        nonlocal moment
        moment += timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 6))
        return moment

    def step(target: CaseState, **fields) -> None:
        change_state(
            case, target, read_version=case.version, user_id=user_id, now=later(), **fields
        )

    if plan == "transferred":
        others = [agency for agency in agency_ids if agency != case.agency_id]
        transfer(
            case,
            rng.choice(others),
            read_version=case.version,
            user_id=user_id,
            now=later(),
            calendar=calendar,
            note="Không thuộc thẩm quyền, chuyển đơn vị.",
        )
        return
    if plan == CaseState.NEW:
        return
    step(CaseState.ACKNOWLEDGED, note="Đã tiếp nhận, giao bộ phận một cửa kiểm tra.")
    if plan == CaseState.IN_PROGRESS:
        step(CaseState.IN_PROGRESS, note="Đang xác minh với cán bộ tiếp nhận.")
    elif plan == CaseState.ANSWERED:
        step(CaseState.ANSWERED, public_reply=DEMO_REPLY, is_agency_at_fault=rng.random() < 0.5)
    elif plan == CaseState.UNFOUNDED:
        step(CaseState.UNFOUNDED, public_reply="Hồ sơ được giải quyết đúng quy định và thời hạn.")
