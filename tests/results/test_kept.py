"""Disclosure decisions kept for every server process (:mod:`survey.results.kept`): a
decision one worker made is read by the others and by a recycled worker instead of being
made again, the same as a fresh one; one worker decides the year ahead for given counts."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from survey.db import db, write_session
from survey.results import disclosure, fold, kept
from survey.results.disclosure import SumFigure, hidden_by_period, hidden_periods, hidden_sums
from survey.results.fold import BackgroundFold
from survey.results.models import KeptDecision
from tests.results.dataset import build_organisation, submit

MIN = 5
COUNTS = np.array([[2, 2], [6, 6], [20, 20], [3, 3], [9, 9]])
FIGURES = [
    SumFigure(parts, answers=True, listed=True)
    for parts in ((0,), (1,), (3,), (4,), (0, 1), (3, 4), (0, 1, 2, 3, 4))
]


@pytest.fixture
def decisions(monkeypatch):
    """The number of audits :func:`hidden_sums` runs, each process's memory forgotten
    first (as in a new worker); every decision shared, however quick."""
    forget()
    monkeypatch.setattr(kept, "SHARE_SECONDS", 0.0)
    audits = []
    original = disclosure._hidden_sums
    monkeypatch.setattr(disclosure, "_hidden_sums", lambda *a: audits.append(1) or original(*a))
    return audits


def forget() -> None:
    for decisions in (disclosure._sums_kept, disclosure._periods_table_kept):
        decisions.clear()
    disclosure._periods_kept.clear()


def stored() -> int:
    db.session.rollback()  # a new transaction: what the decisions' own sessions wrote
    return db.session.execute(select(func.count()).select_from(KeptDecision)).scalar_one()


def used_on() -> list[date]:
    db.session.rollback()
    return list(db.session.scalars(select(KeptDecision.used_on)))


def test_a_decision_made_in_one_process_is_read_in_another(app_context, decisions):
    first = hidden_sums(COUNTS, FIGURES, MIN)
    assert decisions == [1] and first.any() and not first.all()
    assert stored() == 1
    forget()  # another worker, or this one recycled
    again = hidden_sums(COUNTS.copy(), list(FIGURES), MIN)
    assert decisions == [1]  # read, not decided
    assert again.dtype == bool and again.tolist() == first.tolist()
    again[:] = True  # a caller's copy changes nothing kept
    forget()
    assert hidden_sums(COUNTS, FIGURES, MIN).tolist() == first.tolist()
    assert decisions == [1]


def test_other_counts_other_figures_other_code_are_decided_afresh(
    app_context, decisions, monkeypatch
):
    hidden_sums(COUNTS, FIGURES, MIN)
    forget()
    more = COUNTS.copy()
    more[2] += 1
    hidden_sums(more, FIGURES, MIN)
    hidden_sums(COUNTS, FIGURES[:-1], MIN)
    hidden_sums(COUNTS, FIGURES, MIN + 1)
    assert len(decisions) == 4
    forget()
    monkeypatch.setattr(kept, "CODE_DIGEST", "a later release")
    hidden_sums(COUNTS, FIGURES, MIN)
    assert len(decisions) == 5 and stored() == 5


def test_every_kind_of_decision_is_shared(app_context, monkeypatch):
    """The officials' periods (:func:`hidden_by_period`) and the scopes' months
    (:func:`hidden_periods`) too, each read back as decided."""
    forget()
    monkeypatch.setattr(kept, "SHARE_SECONDS", 0.0)
    table = np.array([[3, 9, 4, 16], [12, 1, 8, 21], [20, 10, 2, 32]])
    by_period = hidden_by_period(table, MIN)
    parts = np.array([[[3, 3], [8, 8], [12, 11]], [[15, 15], [2, 2], [9, 9]]])
    months = hidden_periods(parts, [[0], [1], [0, 1]], [(0, 1, 2)], MIN)
    assert stored() == 2
    forget()
    for name in ("_hidden_by_period", "_ScopeMonths.hidden"):
        owner, _, attribute = name.rpartition(".")
        target = getattr(disclosure, owner) if owner else disclosure
        monkeypatch.setattr(target, attribute, _refuse)
    assert hidden_by_period(table.copy(), MIN).tolist() == by_period.tolist()
    assert hidden_periods(parts.copy(), [[0], [1], [0, 1]], [(0, 1, 2)], MIN) == months


def _refuse(*_arguments, **_keywords):
    raise AssertionError("decided afresh, though kept for every process")


def test_the_digest_is_the_same_in_every_process():
    """Python hashes text differently in each process: a set of text in a key must not
    change the digest the decision is stored under."""
    key = (
        COUNTS.tobytes(),
        frozenset({("sipas", 1), ("onestop-quick", 2), ("a", 3)}),
        tuple(FIGURES),
        None,
        2.5,
    )
    here = kept.SharedKept(1, "sums").digest(key)
    program = (
        "import numpy as np\n"
        "from survey.results import kept\n"
        "from tests.results.test_kept import COUNTS, FIGURES\n"
        "key = (COUNTS.tobytes(), frozenset({('a', 3), ('onestop-quick', 2), ('sipas', 1)}),\n"
        "       tuple(FIGURES), None, 2.5)\n"
        "print(kept.SharedKept(1, 'sums').digest(key))\n"
    )
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        there = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        ).stdout.strip()
        assert there == here
    assert kept.SharedKept(1, "periods").digest(key) != here
    with pytest.raises(TypeError, match="cannot hold"):
        kept.SharedKept(1, "sums").digest((object(),))


def test_a_damaged_row_is_decided_afresh(app_context, decisions):
    first = hidden_sums(COUNTS, FIGURES, MIN)
    with write_session() as session:
        session.execute(update(KeptDecision).values(cells=b"\x00\x00\x00"))  # 7 bits: 1 byte
    forget()
    assert hidden_sums(COUNTS, FIGURES, MIN).tolist() == first.tolist()
    assert len(decisions) == 2


def test_a_database_that_cannot_keep_fails_no_report(app_context, decisions, monkeypatch):
    def broken(*_arguments):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(kept, "_insert", broken)
    first = hidden_sums(COUNTS, FIGURES, MIN)
    assert first.any() and stored() == 0
    assert hidden_sums(COUNTS, FIGURES, MIN).tolist() == first.tolist()  # in this process
    assert kept.claim("some work")  # when the database cannot say, the work is done


def test_without_an_application_context_the_process_alone_keeps(decisions):
    first = hidden_sums(COUNTS, FIGURES, MIN)
    assert hidden_sums(COUNTS, FIGURES, MIN).tolist() == first.tolist()
    assert decisions == [1]


def test_a_quick_decision_is_kept_in_its_process_only(app_context, decisions, monkeypatch):
    """The counts change every few seconds: a decision quicker to make again than to keep
    is not stored."""
    monkeypatch.setattr(kept, "SHARE_SECONDS", 60.0)
    first = hidden_sums(COUNTS, FIGURES, MIN)
    assert hidden_sums(COUNTS, FIGURES, MIN).tolist() == first.tolist()
    assert decisions == [1] and stored() == 0


def test_decisions_unused_since_the_day_before_are_deleted(app_context, decisions):
    hidden_sums(COUNTS, FIGURES, MIN)
    old = date.today() - timedelta(days=kept.KEEP_DAYS + 1)
    with write_session() as session:
        session.execute(update(KeptDecision).values(used_on=old))
    forget()
    hidden_sums(COUNTS, FIGURES, MIN)  # read: used today again
    assert used_on() == [date.today()]
    with write_session() as session:
        session.execute(update(KeptDecision).values(used_on=old))
    hidden_sums(COUNTS, FIGURES, MIN + 1)  # another decision stored: the old one goes
    assert used_on() == [date.today()]
    yesterday = date.today() - timedelta(days=kept.KEEP_DAYS)
    with write_session() as session:
        session.execute(update(KeptDecision).values(used_on=yesterday))
    hidden_sums(COUNTS, FIGURES, MIN + 2)
    assert sorted(used_on()) == [yesterday, date.today()]


def test_one_worker_decides_ahead_for_the_same_counts(app, monkeypatch):
    """Two workers see the counts change: the first to claim them decides the year
    ahead (for both), the other does not; new counts are claimed again."""
    with app.app_context():
        organisation = build_organisation()
        submit(organisation, responses=20, seed=4)
    ahead = []
    monkeypatch.setattr(fold, "decide_ahead", lambda: ahead.append(1))
    workers = [BackgroundFold(app), BackgroundFold(app)]
    with app.app_context():
        for worker in workers:
            worker._decide_ahead_once()
        assert ahead == [1]
        for worker in workers:
            worker._decide_ahead_once()  # the same counts: nothing
        assert ahead == [1]
    with app.app_context():
        submit(organisation, responses=5, seed=5)
        for worker in reversed(workers):
            worker._decide_ahead_once()
        assert ahead == [1, 1]
