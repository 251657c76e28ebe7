"""Disclosure decisions kept by content: in this process, and in the database for every process.

A decision on which figures to hide (:mod:`survey.results.disclosure`) is a pure function of
its arguments, and afresh it takes from a fraction of a second to many seconds of linear
programs. Each process keeps the recent ones (:class:`Kept`), so the reports of one period
on the same counts decide once. A server runs several processes (gunicorn's workers, each
recycled now and then): kept alone, each worker decided the same year again after every
change of the counts, and a recycled worker's first reports decided everything afresh.

:class:`SharedKept` also keeps each decision in the database (:class:`KeptDecision`), under a
digest of its arguments and of the code that decides (:data:`CODE_DIGEST`: the deciding
modules' source and SciPy's version, so a new release never reads an old release's
decisions). A process that finds a decision there reads it instead of deciding; one that
decides stores it. A stored decision is the same as a fresh one (the same arguments through
the same code), so sharing changes no figure. Without an application context (a script, a
unit test of the library) only the process keeps it. A failure to read or store is logged
and the decision made afresh: keeping never fails a report.

Only decisions that took at least :data:`SHARE_SECONDS` afresh are stored: the counts change
every few seconds while citizens answer, and each change brings new decisions for the current
period; a quick one costs less to decide again than to keep. Rows no process used since the
day before are deleted as new ones are stored. :func:`claim` lets one process of several take
a piece of work that others may then skip (deciding ahead after the counts changed,
:class:`survey.results.fold.BackgroundFold`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
import scipy
from flask import has_app_context
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

import analysis
from survey.db import db, write_session
from survey.results.models import KeptDecision

logger = logging.getLogger(__name__)

Decided = TypeVar("Decided")

#: A decision that took less CPU time afresh (seconds) is kept in its process only.
SHARE_SECONDS = 0.2

#: A stored decision (or claim) no process used for more than this many days is deleted.
KEEP_DAYS = 1


def _code_digest() -> str:
    """A digest of the code a decision comes out of: the statistics module (the audit and the
    suppression), the module that states the reports' decisions, and SciPy's version (HiGHS,
    whose optimum picks among equal complements)."""
    statistics = Path(analysis.__file__).parent
    sources = [*sorted(statistics.glob("*.py")), Path(__file__).with_name("disclosure.py")]
    digest = hashlib.sha256(scipy.__version__.encode())
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


#: See :func:`_code_digest`; part of every stored decision's digest.
CODE_DIGEST = _code_digest()


class Kept(Generic[Decided]):
    """Decisions kept in this process by content (each a pure function of its
    arguments), at most ``size``, the most recently used last: the reports of one
    period on the same counts decide once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Decided] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Decided | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Decided) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class SharedKept(Kept[np.ndarray]):
    """:class:`Kept` for decisions that are arrays of booleans, also kept in the database for
    every process (see the module's note); ``kind`` names the decision in its digest."""

    def __init__(self, size: int, kind: str) -> None:
        super().__init__(size)
        self.kind = kind

    def get(self, key: Hashable) -> np.ndarray | None:
        found = super().get(key)
        if found is not None or not has_app_context():
            return found
        found = _read(self.digest(key))
        if found is not None:
            super().put(key, found)
        return found

    def put(self, key: Hashable, value: np.ndarray, shared: bool = True) -> None:
        super().put(key, value)
        if shared and has_app_context():
            _store(self.digest(key), value)

    def decided(self, key: Hashable, decide: Callable[[], np.ndarray]) -> np.ndarray:
        """The decision kept under ``key``, else ``decide()``'s, then kept (for every process
        when it took :data:`SHARE_SECONDS` or more); a copy: the caller's to change."""
        found = self.get(key)
        if found is None:
            started = time.thread_time()
            found = np.asarray(decide(), dtype=bool)
            self.put(key, found, shared=time.thread_time() - started >= SHARE_SECONDS)
        return found.copy()

    def digest(self, key: Hashable) -> str:
        """The digest a decision is stored under: of the code, the kind and the arguments."""
        digest = hashlib.sha256(f"{CODE_DIGEST}\0{self.kind}\0".encode())
        _feed(digest, key)
        return digest.hexdigest()


def _feed(digest, value: object) -> None:
    """Add ``value`` to ``digest`` in one canonical form, the same in every process (a set's
    members sorted by their own form: Python's hashes of text differ between processes)."""
    if isinstance(value, bytes):
        digest.update(b"b%d:" % len(value) + value)
    elif isinstance(value, str):
        _feed(digest, value.encode())
        digest.update(b"s")
    elif isinstance(value, bool | np.bool_) or value is None:
        digest.update(repr(None if value is None else bool(value)).encode() + b";")
    elif isinstance(value, int | np.integer | float | np.floating):
        number = float(value) if isinstance(value, float | np.floating) else int(value)
        digest.update(repr(number).encode() + b";")
    elif isinstance(value, tuple | list):
        digest.update(b"(")
        for member in value:
            _feed(digest, member)
        digest.update(b")")
    elif isinstance(value, frozenset | set):
        members = []
        for member in value:
            one = hashlib.sha256()
            _feed(one, member)
            members.append(one.digest())
        _feed(digest, sorted(members))
        digest.update(b"}")
    elif is_dataclass(value) and not isinstance(value, type):
        _feed(digest, (type(value).__name__, *(getattr(value, f.name) for f in fields(value))))
    else:
        raise TypeError(f"a kept decision's key cannot hold {type(value).__name__}")


def _read(digest: str) -> np.ndarray | None:
    """The decision stored under ``digest`` (marked used today), or None."""
    try:
        # a connection of its own: the latest stored, whatever the caller's transaction saw
        with db.engine.connect() as connection:
            row = connection.execute(
                select(KeptDecision.shape, KeptDecision.cells, KeptDecision.used_on).where(
                    KeptDecision.digest == digest
                )
            ).one_or_none()
        if row is None or not row.shape:
            return None
        shape = tuple(int(n) for n in row.shape.split(","))
        size = int(np.prod(shape))
        bits = np.frombuffer(row.cells, dtype=np.uint8)
        if bits.size != (size + 7) // 8:
            logger.warning("kept decision %s has %d bytes for shape %s", digest, bits.size, shape)
            return None
        if row.used_on < date.today():
            with write_session() as session:
                session.execute(
                    update(KeptDecision)
                    .where(KeptDecision.digest == digest)
                    .values(used_on=date.today())
                )
        return np.unpackbits(bits, count=size).astype(bool).reshape(shape)
    except SQLAlchemyError:
        logger.exception("reading a kept decision failed; deciding afresh")
        return None


def _store(digest: str, value: np.ndarray) -> None:
    """Store a decision under ``digest`` (another process may have stored it first), and
    delete those unused for more than :data:`KEEP_DAYS` days."""
    hidden = np.asarray(value, dtype=bool)
    try:
        _insert(
            digest,
            ",".join(str(n) for n in hidden.shape),
            np.packbits(hidden.reshape(-1)).tobytes(),
        )
    except SQLAlchemyError:
        logger.exception("storing a kept decision failed; it stays in this process only")


def claim(name: str) -> bool:
    """Whether this process is the first to claim ``name`` (one piece of work several
    processes would otherwise all do): True once, for the first caller of any process; also
    True when the database cannot say (the work is then done, as without a claim)."""
    digest = hashlib.sha256(f"claim\0{name}".encode()).hexdigest()
    try:
        return _insert(digest, "", b"")
    except SQLAlchemyError:
        logger.exception("claiming %r failed; doing the work", name)
        return True


def _insert(digest: str, shape: str, cells: bytes) -> bool:
    """Insert a row unless one has its digest; whether it was inserted. Old rows go."""
    today = date.today()
    values = {"digest": digest, "shape": shape, "cells": cells, "used_on": today}
    with write_session() as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(KeptDecision).values(**values).on_conflict_do_nothing()
        inserted = session.execute(statement.returning(KeptDecision.digest)).first()
        session.execute(
            delete(KeptDecision).where(KeptDecision.used_on < today - timedelta(days=KEEP_DAYS))
        )
    return inserted is not None
