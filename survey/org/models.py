"""Agencies, their reorganisations, desks, officials, procedures and public QR codes."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.db import Model, db, string_enum, utcnow

# Public codes are read off posters and typed by hand: lowercase, no 0/o/1/l/i.
PUBLIC_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
PUBLIC_CODE_LENGTH = 10  # 31**10 ≈ 8e14: not guessable by scanning


def new_public_code() -> str:
    return "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))


class SuccessionKind(enum.StrEnum):
    MERGER = "merger"  # several units became one (sáp nhập)
    SPLIT = "split"  # one unit became several (chia tách)


class Agency(Model):
    """A unit of the administration: province, department, centre, ward or commune.

    Units form a tree of any depth and have validity dates, because the tree is
    reorganised (on 1/7/2025 districts disappeared and communes merged). A unit is
    valid on day ``d`` when ``valid_from <= d < valid_to`` (open ends allowed).
    """

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used by imports, reports and the command line; survives renames.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: Official Vietnamese name, e.g. "UBND phường Rạch Giá".
    name: Mapped[str] = mapped_column(String(200))
    #: The name in each other language of :mod:`survey.languages` (None: the official name).
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_km: Mapped[str | None] = mapped_column(String(200))
    #: The unit serves Khmer speakers: its QR posters also carry the call to scan in Khmer.
    #: (No Python default: an insert leaves it out, and the database says no.)
    khmer_posters: Mapped[bool] = mapped_column(server_default=false())
    #: Free text kind, as people say it: "Sở", "UBND phường", "Trung tâm Phục vụ hành chính công".
    kind: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: First day the unit exists (None: since before records began).
    valid_from: Mapped[date | None] = mapped_column(Date)
    #: First day the unit no longer exists (None: still exists).
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")
    service_points: Mapped[list[ServicePoint]] = relationship(back_populates="agency")

    __table_args__ = (
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from",
            name="valid_dates_ordered",
        ),
    )
    #: Server defaults are read back when first used, not by every insert.
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 (read by SQLAlchemy, never changed)

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )

    def localized_name(self, language: str) -> str:
        """The name in ``language`` (its ``name_<language>`` column), else the official one."""
        return getattr(self, f"name_{language}", None) or self.name

    @staticmethod
    def valid_on_clause(day: date):
        """SQL condition: the unit exists on ``day``."""
        return (or_(Agency.valid_from.is_(None), Agency.valid_from <= day)) & (
            or_(Agency.valid_to.is_(None), Agency.valid_to > day)
        )

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class AgencySuccession(Model):
    """A reorganisation link: ``predecessor`` continues as ``successor`` from ``effective_date``.

    A merger of two communes into one ward is two rows with the same successor; a
    split is several rows with the same predecessor. Reports use these links to roll
    the history of old units up to today's unit.
    """

    __tablename__ = "agency_successions"

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[SuccessionKind] = mapped_column(string_enum(SuccessionKind))
    effective_date: Mapped[date] = mapped_column(Date)

    predecessor: Mapped[Agency] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Agency] = relationship(foreign_keys=[successor_id])

    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id"),
        CheckConstraint("predecessor_id <> successor_id", name="not_self"),
    )


official_service_points = Table(
    "official_service_points",
    db.metadata,
    Column("official_id", ForeignKey("officials.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "service_point_id", ForeignKey("service_points.id", ondelete="CASCADE"), primary_key=True
    ),
)


class ServicePoint(Model):
    """A desk or counter where citizens are served (quầy, Bộ phận Một cửa)."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    agency: Mapped[Agency] = relationship(back_populates="service_points")
    officials: Mapped[list[Official]] = relationship(
        secondary=official_service_points, back_populates="service_points"
    )
    public_codes: Mapped[list[PublicCode]] = relationship(back_populates="service_point")

    @property
    def active_code(self) -> PublicCode | None:
        return next((code for code in self.public_codes if code.revoked_dt is None), None)


class Official(Model):
    """A civil servant (cán bộ, công chức) whom citizens can rate by name."""

    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Job title as printed on the desk sign, e.g. "Chuyên viên".
    title: Mapped[str | None] = mapped_column(String(200))
    #: File name of the re-encoded photo in the instance folder, if any.
    photo_filename: Mapped[str | None] = mapped_column(String(100))
    active_from: Mapped[date | None] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)

    agency: Mapped[Agency] = relationship()
    service_points: Mapped[list[ServicePoint]] = relationship(
        secondary=official_service_points, back_populates="officials"
    )
    public_codes: Mapped[list[PublicCode]] = relationship(back_populates="official")

    @property
    def active_code(self) -> PublicCode | None:
        return next((code for code in self.public_codes if code.revoked_dt is None), None)


class Procedure(Model):
    """An administrative procedure (thủ tục hành chính) from the national database."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: National procedure code, e.g. "1.001612".
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    #: Field (lĩnh vực), e.g. "Hộ tịch", "Đất đai".
    field: Mapped[str] = mapped_column(String(200), index=True)


class PublicCode(Model):
    """The short code printed in a QR poster, pointing at a desk or an official.

    Codes are stable across renames. Revoking one (a poster was defaced, a desk
    closed) keeps the row so an old poster leads to a polite page, not a 404.
    """

    __tablename__ = "public_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_code)
    service_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_points.id"), index=True
    )
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_dt: Mapped[datetime | None]

    service_point: Mapped[ServicePoint | None] = relationship(back_populates="public_codes")
    official: Mapped[Official | None] = relationship(back_populates="public_codes")

    __table_args__ = (
        CheckConstraint(
            "(service_point_id IS NULL) <> (official_id IS NULL)", name="exactly_one_target"
        ),
    )

    @classmethod
    def active(cls):
        return select(cls).where(cls.revoked_dt.is_(None))
