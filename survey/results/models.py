"""Derived data kept from the responses: the count tables and the answer vectors.

Reports read the count tables instead of the millions of raw rows, so a province report
costs O(groups), not O(responses). Each count table is generated here from its entry in
:data:`survey.results.grains.GRAINS` (its dimensions, the kind of row it counts, its
indexes, why it exists): read that module for what each table keeps. They are derived data:
storing a response also queues it in :class:`survey.collect.models.UncountedResponse`, and
:func:`survey.results.counts.fold_counts` adds the queued responses to the tables and takes
them off the queue in one transaction (right before any report reads, and every few seconds
in each server process); ``flask --app survey rebuild-counts`` recomputes them from the raw
tables.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import BigIdentifier, Model, db
from survey.results.grains import COLUMNS, GRAINS, Grain

#: The characters of an :class:`AnswerVector`: the n-th stands for a scale's n-th code in
#: ascending order (the questionnaire schema allows at most 62 codes on a scale).
VECTOR_ALPHABET = string.digits + string.ascii_letters
#: Stands for a criterion left unanswered or answered "not applicable".
NOT_ANSWERED = "."


def _count_table(grain: Grain) -> Table:
    """The table of ``grain``: its key columns, then ``count``, and its indexes."""
    key = [Column(name, COLUMNS[name].type(), primary_key=True) for name in grain.key]
    indexes = []
    for index in grain.indexes:
        included = [name for name in (*grain.key, "count") if name not in index.columns]
        options: dict[str, Any] = {"postgresql_include": included} if index.covering else {}
        indexes.append(Index(f"ix_{grain.table}_{index.name}", *index.columns, **options))
    return Table(
        grain.table,
        db.metadata,
        *key,
        Column("count", BigInteger, nullable=False),
        *indexes,
    )


def _count_model(grain: Grain) -> type[Any]:
    attributes = {
        "__tablename__": grain.table,  # or Flask-SQLAlchemy would name it after the class
        "__table__": _count_table(grain),
        "__doc__": grain.doc,
        "__module__": __name__,
    }
    return type(grain.model, (db.Model,), attributes)


#: The model of each count table, by table name, in :data:`~survey.results.grains.GRAINS`
#: order: the fold, the rebuild and the query layer reach the tables through it.
COUNT_MODELS: dict[str, type[Any]] = {grain.table: _count_model(grain) for grain in GRAINS}

# The models' names as the rest of the code and the migrations import them.
ResponseCount = COUNT_MODELS["response_counts"]
AgencyResponseCount = COUNT_MODELS["agency_response_counts"]
OfficialResponseCount = COUNT_MODELS["official_response_counts"]
AnswerCount = COUNT_MODELS["answer_counts"]
AgencyAnswerCount = COUNT_MODELS["agency_answer_counts"]
OfficialAnswerCount = COUNT_MODELS["official_answer_counts"]
OnestopPointCount = COUNT_MODELS["onestop_point_counts"]
AgencyOnestopPointCount = COUNT_MODELS["agency_onestop_point_counts"]
OfficialOnestopPointCount = COUNT_MODELS["official_onestop_point_counts"]
ProcedureResponseCount = COUNT_MODELS["procedure_response_counts"]
ProcedureAnswerCount = COUNT_MODELS["procedure_answer_counts"]
ProcedureOnestopPointCount = COUNT_MODELS["procedure_onestop_point_counts"]


class AnswerVector(Model):
    """One response to a questionnaire scored by factors (SIPAS), its criteria in one string.

    The bootstrap interval of a SIPAS index and the factors' Cronbach's alphas need the
    answers of individual respondents; read from ``answers`` they cost a row per answer and
    a pivot (measured on 1 million responses: 330 ms for a sample of 10,000 respondents),
    from here one narrow row each (30 ms). ``answers`` has one character per criterion of
    the version's factors, in factor order: :data:`VECTOR_ALPHABET` for the code's position
    in its scale, :data:`NOT_ANSWERED` for none (see :class:`survey.results.counts.VectorLayout`).
    The dimensions are stored as in the count tables, with the exact submission moment
    for periods of days. Kept like the count tables: folded from the queue, rebuilt by
    ``rebuild-counts``; deleting a response deletes its row.
    """

    __tablename__ = "answer_vectors"

    response_id: Mapped[int] = mapped_column(
        BigIdentifier, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    submitted_dt: Mapped[datetime] = mapped_column()
    agency_id: Mapped[int] = mapped_column(Integer)
    service_point_id: Mapped[int] = mapped_column(Integer)
    official_id: Mapped[int] = mapped_column(Integer)
    questionnaire_version_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    respondent_type: Mapped[str] = mapped_column(String(32))
    is_flagged: Mapped[bool] = mapped_column()
    procedure_id: Mapped[int] = mapped_column(Integer)
    answers: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_answer_vectors_version_submitted", "questionnaire_version_id", "submitted_dt"),
    )


class CountsFoldState(Model):
    """How far the count tables are complete: one row, written by every fold that empties
    the queue (:func:`survey.results.counts.fold_counts`) and by the rebuild.

    ``counted_through_dt`` (UTC): every response stored before it is in the count tables.
    A report read on a replica reads it in the same snapshot as its numbers, so it can say
    how fresh they are ("data as of …") however far replication lags. None until a fold has
    emptied the queue once.

    ``generation`` grows by one in every transaction that changes the count tables (a fold
    that adds responses, a rebuild) or the units they are counted under (an agency or an
    official renamed, moved, added or removed), in that transaction: two reads that see
    the same generation see the same counts and names, so it keys what is computed from
    them (the public page's figures) in every process with one read by primary key.
    """

    __tablename__ = "counts_fold_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counted_through_dt: Mapped[datetime | None] = mapped_column()
    generation: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class KeptDecision(Model):
    """A disclosure decision kept for every server process (:mod:`survey.results.kept`),
    under a digest of what it was decided from: which cells to hide, as bits (``cells``,
    ``numpy.packbits``) of an array of ``shape`` (its lengths, comma-separated). A row with
    no shape is a claim (:func:`survey.results.kept.claim`). ``used_on``: the last day a
    process read or stored it (:data:`survey.results.kept.KEEP_DAYS`)."""

    __tablename__ = "kept_decisions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    shape: Mapped[str] = mapped_column(String(64))
    cells: Mapped[bytes] = mapped_column(LargeBinary)
    used_on: Mapped[date] = mapped_column(Date, index=True)
