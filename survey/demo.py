"""Demo data: An Giang after the July 2025 reorganisation, with 18 months of synthetic ratings.

Everything is invented except the place names. Officials' names are built from
common family, middle and given names; no real person, phone number or e-mail
address appears. The data is deterministic for a given ``seed`` and end date, and
loading it twice changes nothing (agencies are matched by code, responses by a
uuid drawn from the seed).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.accounts.models import Role, User
from survey.collect.models import Channel, RespondentType, Response
from survey.collect.store import canonical_body_hash, dossier_hash, store_responses
from survey.dossiers.demo import seed_demo_dossiers
from survey.feedback.demo import seed_cases
from survey.org.models import (
    PUBLIC_CODE_ALPHABET,
    PUBLIC_CODE_LENGTH,
    Agency,
    AgencySuccession,
    Official,
    Procedure,
    PublicCode,
    ServicePoint,
    SuccessionKind,
)
from survey.questionnaires.definition import (
    QuestionnaireDefinition,
    load_definition,
    validate_answers,
)
from survey.questionnaires.install import install_builtin_questionnaires
from survey.results.counts import fold_all
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET

DEMO_ADMIN_EMAIL = "admin@hailong.example"
DEMO_ADMIN_PASSWORD = "hailong-demo-2026"
REFORM_DATE = date(2025, 7, 1)
DEMO_MONTHS = 18
#: A respondent answers every question from one latent satisfaction (standard deviation
#: RESPONDENT_SPREAD on the logistic scale) plus a little noise per answer (ANSWER_NOISE ×
#: a standard logistic draw): so the criteria of a factor hang together as in real surveys
#: (Cronbach's alpha 0.75-0.95), where independent answers gave 0.1-0.4.
RESPONDENT_SPREAD = 1.5
ANSWER_NOISE = 0.45
#: Officials rated clearly below the province (a latent effect this far below zero).
WEAK_OFFICIALS = 3
WEAK_OFFICIAL_EFFECT = -3.0
#: The agency whose service improves month after month (on top of the slight general rise),
#: from well below the others.
IMPROVING_START = -2.5
IMPROVEMENT_PER_MONTH = 0.2
IMPROVING_UNIT = "AG-P-LX"
BATCH_SIZE = 1000

# (code, Vietnamese name, English name, kind, desks, volume weight)
_Unit = tuple[str, str, str, str, list[str], float]
PROVINCE = ("AG", "Ủy ban nhân dân tỉnh An Giang", "An Giang Provincial People's Committee", "Tỉnh")
CURRENT_UNITS = [
    (
        "AG-TTPVHCC",
        "Trung tâm Phục vụ hành chính công tỉnh An Giang",
        "An Giang Public Administration Service Centre",
        "Trung tâm Phục vụ hành chính công",
        [
            "Quầy Sở Tư pháp",
            "Quầy Sở Tài chính",
            "Quầy Sở Nông nghiệp và Môi trường",
            "Quầy Sở Xây dựng",
        ],
        4.0,
    ),
    (
        "AG-STP",
        "Sở Tư pháp",
        "Department of Justice",
        "Sở",
        ["Bộ phận Một cửa", "Quầy lý lịch tư pháp"],
        1.0,
    ),
    (
        "AG-STC",
        "Sở Tài chính",
        "Department of Finance",
        "Sở",
        ["Bộ phận Một cửa", "Quầy đăng ký doanh nghiệp"],
        1.0,
    ),
    (
        "AG-SNNMT",
        "Sở Nông nghiệp và Môi trường",
        "Department of Agriculture and Environment",
        "Sở",
        ["Bộ phận Một cửa", "Quầy đất đai"],
        1.0,
    ),
    (
        "AG-SXD",
        "Sở Xây dựng",
        "Department of Construction",
        "Sở",
        ["Bộ phận Một cửa", "Quầy cấp phép xây dựng"],
        0.8,
    ),
    (
        "AG-P-LX",
        "Ủy ban nhân dân phường Long Xuyên",
        "Long Xuyen Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2", "Quầy số 3"],
        2.0,
    ),
    (
        "AG-P-BD",
        "Ủy ban nhân dân phường Bình Đức",
        "Binh Duc Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2"],
        1.0,
    ),
    (
        "AG-P-CD",
        "Ủy ban nhân dân phường Châu Đốc",
        "Chau Doc Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2", "Quầy số 3"],
        1.6,
    ),
    (
        "AG-P-RG",
        "Ủy ban nhân dân phường Rạch Giá",
        "Rach Gia Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2", "Quầy số 3", "Quầy số 4"],
        2.2,
    ),
    (
        "AG-P-HT",
        "Ủy ban nhân dân phường Hà Tiên",
        "Ha Tien Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2"],
        0.9,
    ),
    (
        "AG-DK-PQ",
        "Ủy ban nhân dân đặc khu Phú Quốc",
        "Phu Quoc Special Zone People's Committee",
        "UBND đặc khu",
        ["Quầy số 1", "Quầy số 2", "Quầy số 3"],
        1.5,
    ),
    (
        "AG-X-MHH",
        "Ủy ban nhân dân xã Mỹ Hòa Hưng",
        "My Hoa Hung Commune People's Committee",
        "UBND xã",
        ["Quầy số 1", "Quầy số 2"],
        0.6,
    ),
    (
        "AG-X-OE",
        "Ủy ban nhân dân xã Óc Eo",
        "Oc Eo Commune People's Committee",
        "UBND xã",
        ["Quầy số 1", "Quầy số 2"],
        0.6,
    ),
    (
        "AG-X-NC",
        "Ủy ban nhân dân xã Núi Cấm",
        "Nui Cam Commune People's Committee",
        "UBND xã",
        ["Quầy số 1", "Quầy số 2"],
        0.5,
    ),
]
# Before 1/7/2025: the old Kiên Giang province, its city of Rạch Giá and two of its wards,
# which merged into today's Rạch Giá ward (and Kiên Giang into An Giang).
OLD_PROVINCE = (
    "KG",
    "Ủy ban nhân dân tỉnh Kiên Giang",
    "Kien Giang Provincial People's Committee",
    "Tỉnh",
)
OLD_CITY = (
    "KG-TP-RG",
    "Ủy ban nhân dân thành phố Rạch Giá",
    "Rach Gia City People's Committee",
    "UBND thành phố",
)
OLD_WARDS = [
    (
        "KG-RG-VTV",
        "Ủy ban nhân dân phường Vĩnh Thanh Vân",
        "Vinh Thanh Van Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2"],
        1.1,
    ),
    (
        "KG-RG-VL",
        "Ủy ban nhân dân phường Vĩnh Lạc",
        "Vinh Lac Ward People's Committee",
        "UBND phường",
        ["Quầy số 1", "Quầy số 2"],
        1.1,
    ),
]
MERGED_INTO = "AG-P-RG"

PROCEDURES = {
    "Hộ tịch": [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Đăng ký khai tử",
        "Cấp bản sao trích lục hộ tịch",
        "Đăng ký nhận cha, mẹ, con",
        "Cấp giấy xác nhận tình trạng hôn nhân",
    ],
    "Chứng thực": [
        "Chứng thực bản sao từ bản chính",
        "Chứng thực chữ ký",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản",
    ],
    "Đất đai": [
        "Đăng ký biến động đất đai",
        "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        "Chuyển mục đích sử dụng đất",
        "Cung cấp thông tin đất đai",
    ],
    "Xây dựng": [
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Cấp giấy phép sửa chữa, cải tạo công trình",
        "Gia hạn giấy phép xây dựng",
    ],
    "Đăng ký kinh doanh": [
        "Đăng ký thành lập hộ kinh doanh",
        "Đăng ký thành lập doanh nghiệp",
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
    ],
    "Lý lịch tư pháp": ["Cấp phiếu lý lịch tư pháp cho công dân Việt Nam"],
    "Bảo trợ xã hội": ["Trợ cấp xã hội hằng tháng", "Hỗ trợ chi phí mai táng"],
    "Người có công": ["Giải quyết chế độ ưu đãi người có công"],
    "Giáo dục và Đào tạo": ["Chuyển trường cho học sinh trung học cơ sở"],
    "Thi đua, khen thưởng": ["Tặng giấy khen của Chủ tịch Ủy ban nhân dân cấp xã"],
}

FAMILY_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Thạch",
    "Danh",
]
MIDDLE_NAMES = ["Văn", "Thị", "Minh", "Ngọc", "Hoàng", "Thanh", "Hữu", "Kim", "Quốc", "Thu"]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Hạnh",
    "Khoa",
    "Lan",
    "Mai",
    "Nam",
    "Phúc",
    "Quyên",
    "Sơn",
    "Thảo",
    "Tuấn",
    "Vy",
    "Hiếu",
    "Trang",
    "Long",
    "Nhi",
    "Tâm",
]
TITLES = [
    "Chuyên viên",
    "Công chức một cửa",
    "Công chức Tư pháp – Hộ tịch",
    "Công chức Địa chính – Xây dựng",
    "Chuyên viên chính",
]
COMMENTS = [
    "Cán bộ hướng dẫn tận tình, dễ hiểu.",
    "Thời gian chờ hơi lâu, đề nghị bố trí thêm quầy vào buổi sáng.",
    "Nơi ngồi chờ thoáng mát, sạch sẽ.",
    "Mong được nhắn tin báo khi có kết quả.",
    "Thủ tục nhanh gọn, tôi rất hài lòng.",
    "Bảng hướng dẫn khó đọc, chữ nhỏ.",
    "Nên có thêm chỗ đậu xe.",
]


# Answers to questions of fact, by item key of the built-in questionnaires: value → weight.
FACT_WEIGHTS = {
    "respondent_type": {1: 88, 2: 12},  # citizen, organisation
    "gender": {1: 47, 2: 53},
}
# "Was the officer troublesome / did you pay extra?": yes (1) is rare, rarer where service is good.
INTEGRITY_ITEMS = {"harassment", "integrity_harassment", "integrity_extra_payment"}
# "Which areas should improve?": each ticked by about a quarter of respondents.
IMPROVEMENT_PREFIX = "improve_"
# Looked up with a raw answer, whatever its type.
RESPONDENT_TYPES: dict[object, RespondentType] = {
    1: RespondentType.CITIZEN,
    2: RespondentType.ORGANISATION,
}


@dataclass
class _Desk:
    service_point_id: int
    agency_id: int
    official_ids: list[int]
    weight: float
    unit_effect: float
    #: Added to the latent satisfaction per month since the start (the improving agency).
    improvement: float = 0.0


@dataclass(frozen=True)
class SeedReport:
    agencies: int
    service_points: int
    officials: int
    procedures: int
    responses_created: int
    responses_present: int
    #: Dossiers of the one-stop system added (none when they were already there).
    dossiers_created: int = 0


def _name_generator(rng: random.Random) -> Iterator[str]:
    used: set[str] = set()
    while True:
        name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
        if name not in used:
            used.add(name)
            yield name


def _get_or_create_agency(
    session: Session,
    code: str,
    name: str,
    name_en: str,
    kind: str,
    parent: Agency | None,
    valid_from=None,
    valid_to=None,
) -> tuple[Agency, bool]:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is not None:
        return agency, False
    agency = Agency(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        # An Giang's communes serve many Khmer speakers: their posters invite them in Khmer.
        khmer_posters=kind == "UBND xã",
    )
    session.add(agency)
    session.flush()
    return agency, True


def _build_organisation(session: Session, rng: random.Random) -> None:
    """Create the agency tree, desks, officials and their QR codes (only what is missing)."""
    names = _name_generator(rng)
    province, _ = _get_or_create_agency(session, *PROVINCE, parent=None)
    old_province, _ = _get_or_create_agency(
        session, *OLD_PROVINCE, parent=None, valid_to=REFORM_DATE
    )
    old_city, _ = _get_or_create_agency(
        session, *OLD_CITY, parent=old_province, valid_to=REFORM_DATE
    )
    specs: list[tuple[_Unit, Agency, date | None, date | None]] = [
        (unit, province, None, None) for unit in CURRENT_UNITS
    ]
    specs += [(unit, old_city, None, REFORM_DATE) for unit in OLD_WARDS]
    merged_into_id = None
    for (code, name, name_en, kind, desk_names, _weight), parent, valid_from, valid_to in specs:
        if code == MERGED_INTO:
            valid_from = REFORM_DATE
        agency, created = _get_or_create_agency(
            session, code, name, name_en, kind, parent, valid_from, valid_to
        )
        if code == MERGED_INTO:
            merged_into_id = agency.id
        if not created:
            continue
        for desk_name in desk_names:
            desk = ServicePoint(agency=agency, name=desk_name)
            desk.public_codes.append(PublicCode(code=_public_code(rng)))
            session.add(desk)
            for _ in range(rng.randint(2, 5)):
                official = Official(agency=agency, name=next(names), title=rng.choice(TITLES))
                official.service_points.append(desk)
                official.public_codes.append(PublicCode(code=_public_code(rng)))
                session.add(official)
    session.flush()
    successions = [(code, MERGED_INTO) for code, *_ in OLD_WARDS] + [(OLD_PROVINCE[0], PROVINCE[0])]
    for predecessor_code, successor_code in successions:
        predecessor = session.scalars(select(Agency).where(Agency.code == predecessor_code)).one()
        successor = session.scalars(select(Agency).where(Agency.code == successor_code)).one()
        exists = session.scalar(
            select(AgencySuccession).where(
                AgencySuccession.predecessor_id == predecessor.id,
                AgencySuccession.successor_id == successor.id,
            )
        )
        if exists is None:
            session.add(
                AgencySuccession(
                    predecessor=predecessor,
                    successor=successor,
                    kind=SuccessionKind.MERGER,
                    effective_date=REFORM_DATE,
                )
            )
    # The officials of the merged wards carry on at the new ward's first desk.
    if merged_into_id is not None:
        first_desk = session.scalar(
            select(ServicePoint)
            .where(ServicePoint.agency_id == merged_into_id)
            .order_by(ServicePoint.id)
        )
        assert first_desk is not None, "the new ward has desks (CURRENT_UNITS)"
        for code, *_ in OLD_WARDS:
            for official in session.scalars(
                select(Official).join(Agency).where(Agency.code == code)
            ):
                official.agency_id = merged_into_id
                if first_desk not in official.service_points:
                    official.service_points.append(first_desk)
    for field, procedure_names in PROCEDURES.items():
        for procedure_name in procedure_names:
            if session.scalar(select(Procedure.id).where(Procedure.name == procedure_name)) is None:
                count = session.execute(select(func.count(Procedure.id))).scalar_one()
                session.add(
                    Procedure(code=f"DEMO-{count + 1:03d}", name=procedure_name, field=field)
                )
    session.flush()


def _public_code(rng: random.Random) -> str:
    # Drawn from the seeded generator so the demo's QR codes are the same on every machine.
    return "".join(rng.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))


def _ensure_demo_admin(session: Session) -> None:
    if session.scalar(select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is None:
        admin = User(email=DEMO_ADMIN_EMAIL, role=Role.ADMINISTRATOR)
        admin.set_password(DEMO_ADMIN_PASSWORD)
        session.add(admin)


def _desks(session: Session, before_reform: bool) -> list[_Desk]:
    weights = {code: weight for code, *_rest, weight in CURRENT_UNITS + OLD_WARDS}
    rows = session.execute(
        select(
            ServicePoint.id, ServicePoint.agency_id, Agency.code, Agency.valid_from, Agency.valid_to
        )
        .join(Agency)
        .order_by(ServicePoint.id)
    ).all()
    desks = []
    for service_point_id, agency_id, code, valid_from, valid_to in rows:
        day = REFORM_DATE - timedelta(days=1) if before_reform else REFORM_DATE
        if (valid_from and valid_from > day) or (valid_to and valid_to <= day):
            continue
        official_ids = list(
            session.scalars(
                select(Official.id)
                .join(Official.service_points)
                .where(ServicePoint.id == service_point_id)
                .order_by(Official.id)
            )
        )
        # Stable per-unit differences, so comparisons between units show something.
        unit_rng = random.Random(f"{code}")
        desks.append(
            _Desk(
                service_point_id,
                agency_id,
                official_ids,
                weights.get(code, 1.0),
                IMPROVING_START if code == IMPROVING_UNIT else unit_rng.gauss(0.0, 0.6),
                IMPROVEMENT_PER_MONTH if code == IMPROVING_UNIT else 0.0,
            )
        )
    return desks


class _AnswerModel:
    """Draws believable answers for any questionnaire definition from a latent satisfaction."""

    def __init__(self, definition: QuestionnaireDefinition):
        self.definition = definition
        self.item_effects: dict[str, float] = {}
        factor_effects = [0.25, -0.05, 0.3, 0.05, -0.45]
        for position, factor in enumerate(definition.scoring.factors):
            effect = factor_effects[position % len(factor_effects)]
            keys = [*factor.item_keys, factor.overall_item_key]
            for key in filter(None, keys):
                self.item_effects[key] = effect + random.Random(key).gauss(0.0, 0.15)
        self.points: dict[str, Mapping[int, int]] = {}
        if definition.scoring.onestop is not None:
            for index in definition.scoring.onestop.indices:
                if index.item_key and index.points:  # points per answer of a single item
                    self.points.setdefault(index.item_key, index.points)

    def answers(self, rng: random.Random, quality: float) -> dict[str, object]:
        """Raw answers as a form would send them: item key → value, "na" or text."""
        raw: dict[str, object] = {}
        for item in self.definition.items:
            if not item.required and rng.random() < 0.08:
                continue
            if item.type == "text":
                if rng.random() < 0.06:
                    raw[item.key] = rng.choice(COMMENTS)
                continue
            if item.allow_not_applicable and rng.random() < 0.03:
                raw[item.key] = "na"
                continue
            raw[item.key] = self._value(rng, item, quality)
        return raw

    def _value(self, rng: random.Random, item, quality: float) -> int:
        scale = item.scale
        if scale.kind == "satisfaction":
            ordered = sorted(scale.values)  # worst to best
        elif item.key in self.points:
            ordered = sorted(scale.values, key=lambda value: self.points[item.key][value])
        elif item.key in INTEGRITY_ITEMS:
            return 1 if rng.random() < 1 / (1 + math.exp(3.2 + quality)) else 2
        elif item.key.startswith(IMPROVEMENT_PREFIX):
            return 1 if rng.random() < 0.25 else 2
        else:
            # A question of fact (age band, gender…): no better or worse answer.
            weights = FACT_WEIGHTS.get(item.key, {})
            return rng.choices(scale.values, [weights.get(v, 1) for v in scale.values])[0]
        latent = quality + self.item_effects.get(item.key, 0.0) + ANSWER_NOISE * _logistic(rng)
        thresholds = _thresholds(len(ordered), scale.kind == "satisfaction")
        return ordered[sum(latent > threshold for threshold in thresholds)]


def _logistic(rng: random.Random) -> float:
    u = min(max(rng.random(), 1e-12), 1 - 1e-12)
    return math.log(u / (1 - u))


def _thresholds(levels: int, is_satisfaction: bool) -> list[float]:
    low, high = (-1.8, 1.0) if is_satisfaction else (-2.2, 1.2)
    if levels == 2:
        return [low]
    step = (high - low) / (levels - 2)
    return [low + step * position for position in range(levels - 1)]


def _random_moment(rng: random.Random, start: date, end: date) -> datetime:
    """A working-hours moment (Vietnam time) between ``start`` and ``end``, later ones likelier."""
    span = (end - start).days
    while True:
        day = start + timedelta(days=int(span * rng.random() ** 0.85))
        if day.weekday() < 5 or (day.weekday() == 5 and rng.random() < 0.3):
            break
    local = datetime.combine(day, time(7, 30)) + timedelta(minutes=rng.randint(0, 9 * 60))
    return local - VIETNAM_UTC_OFFSET  # stored in UTC


def seed_demo(
    session_factory: Callable,
    responses: int = 20_000,
    seed: int = 2025,
    until: date | None = None,
    dossier_key: bytes = b"demo",
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Load the demo organisation, questionnaires, admin, ``responses`` responses and cases.

    ``session_factory`` gives one committed write transaction (:func:`survey.db.write_session`).
    Responses are written in batches of 1,000; ``progress`` is called with each batch size.
    """
    until = until or datetime.now(UTC).date()
    start = until - timedelta(days=round(DEMO_MONTHS * 30.44))
    with session_factory() as session:
        versions = install_builtin_questionnaires(session)
        _build_organisation(session, random.Random(f"organisation-{seed}"))
        _ensure_demo_admin(session)
        definitions = {
            key: load_definition(version.definition) for key, version in versions.items()
        }
        version_ids = {key: version.id for key, version in versions.items()}
        desks_before = _desks(session, before_reform=True)
        desks_after = _desks(session, before_reform=False)
        procedure_ids = list(session.scalars(select(Procedure.id).order_by(Procedure.id)))
        counts = {
            "agencies": session.scalar(select(func.count(Agency.id))),
            "service_points": session.scalar(select(func.count(ServicePoint.id))),
            "officials": session.scalar(select(func.count(Official.id))),
            "procedures": len(procedure_ids),
        }
    rare_officials, official_effects = _officials(desks_before, desks_after)
    drawer = _ResponseDrawer(
        start=start,
        until=until,
        desks_before=desks_before,
        desks_after=desks_after,
        official_effects=official_effects,
        rare_officials=rare_officials,
        procedure_ids=procedure_ids,
        models={key: _AnswerModel(definition) for key, definition in definitions.items()},
        definitions=definitions,
        version_ids=version_ids,
        dossier_key=dossier_key,
    )
    created = 0
    for batch_start in range(0, responses, BATCH_SIZE):
        batch = range(batch_start, min(batch_start + BATCH_SIZE, responses))
        # One generator per response: a response is the same whether or not others were
        # already loaded, so an interrupted or repeated seeding only adds what is missing.
        generators = {number: random.Random(f"{seed}-{number}") for number in batch}
        uuids = {
            number: uuid.UUID(int=generator.getrandbits(128), version=4)
            for number, generator in generators.items()
        }
        with session_factory() as session:
            present = set(
                session.scalars(select(Response.uuid).where(Response.uuid.in_(uuids.values())))
            )
        rows, answers = [], {}
        for number, response_uuid in uuids.items():
            if response_uuid in present:
                continue
            row, raw = drawer.draw(generators[number], number, response_uuid)
            rows.append(row)
            answers[response_uuid] = raw
        if rows:
            with session_factory() as session:
                stored = store_responses(session, rows, answers)
            created += sum(result.created for result in stored.values())
            fold_all(session_factory)
        if progress:
            progress(len(batch))
    seed_cases(session_factory, seed, datetime.combine(until, datetime.min.time()))
    return _finish(session_factory, seed, dossier_key, counts, created)


def _finish(session_factory, seed: int, dossier_key: bytes, counts: dict, created: int):
    """The one-stop system's dossiers for the demo desks, and the report of the seeding."""
    with session_factory() as session:
        present = session.scalar(select(func.count(Response.id)))
        dossiers = seed_demo_dossiers(session, seed, dossier_key)
    return SeedReport(
        **counts, responses_created=created, responses_present=present, dossiers_created=dossiers
    )


def _officials(desks_before, desks_after) -> tuple[set[int], dict[int, float]]:
    """The three officials who joined recently (very few ratings), and every official's effect."""
    every = sorted({o for desk in desks_before + desks_after for o in desk.official_ids})
    rare = set(every[-3:])
    return rare, _official_effects(desks_before + desks_after, desks_after, rare)


def _official_effects(desks: list[_Desk], current: list[_Desk], rare: set[int]) -> dict[int, float]:
    """Each official's latent effect; a few at today's busiest desks clearly below the rest
    (busy, so that their many ratings show it)."""
    official_ids = sorted({official for desk in desks for official in desk.official_ids})
    effects = {
        official: random.Random(f"official-{official}").gauss(0.0, 0.5) for official in official_ids
    }
    busiest = sorted(current, key=lambda desk: (-desk.weight, desk.service_point_id))
    regular = [o for desk in busiest for o in desk.official_ids if o not in rare][:12]
    for official in random.Random("weak-officials").sample(regular, WEAK_OFFICIALS):
        effects[official] = WEAK_OFFICIAL_EFFECT
    return effects


@dataclass(frozen=True)
class _ResponseDrawer:
    """Everything a synthetic response is drawn from, so that drawing one takes only its number."""

    start: date
    until: date
    desks_before: list[_Desk]
    desks_after: list[_Desk]
    official_effects: dict[int, float]
    rare_officials: set[int]
    procedure_ids: list[int]
    models: dict[str, _AnswerModel]
    definitions: dict[str, QuestionnaireDefinition]
    version_ids: dict[str, int]
    dossier_key: bytes

    def draw(self, rng: random.Random, number: int, response_uuid: uuid.UUID):
        submitted = _random_moment(rng, self.start, self.until)
        desks = self.desks_before if submitted.date() < REFORM_DATE else self.desks_after
        desk = rng.choices(desks, weights=[d.weight for d in desks])[0]
        official_id, official_effect = None, 0.0
        if desk.official_ids and rng.random() < 0.8:
            candidates = desk.official_ids
            weights = [0.01 if official in self.rare_officials else 1.0 for official in candidates]
            official_id = rng.choices(candidates, weights=weights)[0]
            official_effect = self.official_effects.get(official_id, 0.0)
        is_full_survey = rng.random() < 0.15
        key = "sipas" if is_full_survey else "onestop-quick"
        months = (submitted.date() - self.start).days / 30.44
        respondent = rng.gauss(0.0, RESPONDENT_SPREAD)  # this person's own satisfaction
        trend = (0.02 + desk.improvement) * months
        quality = 1.0 + desk.unit_effect + official_effect + trend + respondent
        raw = self.models[key].answers(rng, quality)
        validated = _validated(self.definitions[key], raw)
        if is_full_survey:
            channel = Channel.WEB if rng.random() < 0.7 else Channel.PAPER
        else:
            channel = Channel.QR if rng.random() < 0.55 else Channel.KIOSK
        dossier = None
        if not is_full_survey and rng.random() < 0.6:
            dossier = dossier_hash(f"H{desk.agency_id:03d}.{number:07d}", self.dossier_key)
        language = rng.choices(["vi", "km", "en"], weights=[88, 7, 5])[0]
        respondent_type = RESPONDENT_TYPES.get(raw.get("respondent_type"))
        row = {
            "uuid": response_uuid,
            "questionnaire_version_id": self.version_ids[key],
            "channel": channel,
            "agency_id": desk.agency_id,
            "service_point_id": desk.service_point_id,
            "official_id": official_id,
            "procedure_id": rng.choice(self.procedure_ids),
            "dossier_hash": dossier,
            "respondent_type": respondent_type,
            "language": language,
            "submitted_dt": submitted,
            "received_dt": submitted,
            "is_flagged": rng.random() < 0.005,
        }
        row["flag_reason"] = "burst" if row["is_flagged"] else None
        row["body_hash"] = canonical_body_hash({"answers": raw, **row})
        return row, validated


def _validated(definition: QuestionnaireDefinition, raw: dict[str, object]) -> list[dict]:
    result = validate_answers(definition, raw)
    if result.errors:  # the generator is wrong, not the data: fail loudly
        raise AssertionError(f"demo answers do not validate: {result.errors}")
    return [
        {
            "item_key": answer.item_key,
            "value": answer.value,
            "text": answer.text,
            "is_not_applicable": answer.is_not_applicable,
        }
        for answer in result.answers
    ]
