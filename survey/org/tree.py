"""Questions about the agency tree over time: subtrees as of a date, and roll-ups through mergers.

A province holds hundreds to a few thousand units, so the tree is read into memory
once per question (a few milliseconds) and answered in Python; the answer is a set
of agency ids that report queries use in ``WHERE agency_id IN (...)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.org.models import Agency, AgencySuccession


@dataclass(frozen=True)
class AgencyUnit:
    id: int
    parent_id: int | None
    valid_from: date | None
    valid_to: date | None

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class AgencyTree:
    """A snapshot of the agencies and their reorganisations."""

    def __init__(self, units: list[AgencyUnit], successions: list[tuple[int, int]]):
        self._units = {unit.id: unit for unit in units}
        self._children: dict[int, list[int]] = defaultdict(list)
        for unit in units:
            if unit.parent_id is not None:
                self._children[unit.parent_id].append(unit.id)
        self._successors: dict[int, set[int]] = defaultdict(set)
        self._predecessors: dict[int, set[int]] = defaultdict(set)
        for predecessor_id, successor_id in successions:
            self._successors[predecessor_id].add(successor_id)
            self._predecessors[successor_id].add(predecessor_id)

    @classmethod
    def load(cls, session: Session) -> AgencyTree:
        units = [
            AgencyUnit(*row)
            for row in session.execute(
                select(Agency.id, Agency.parent_id, Agency.valid_from, Agency.valid_to)
            )
        ]
        successions = [
            (predecessor_id, successor_id)
            for predecessor_id, successor_id in session.execute(
                select(AgencySuccession.predecessor_id, AgencySuccession.successor_id)
            )
        ]
        return cls(units, successions)

    def subtree(self, root_id: int, as_of: date | None = None) -> set[int]:
        """The unit and its descendants; with ``as_of``, only those that existed that day.

        A unit that did not exist on ``as_of`` hides its whole branch, as on an
        organisation chart of that day. An empty set means the root did not exist.
        """
        found: set[int] = set()
        pending = [root_id]
        while pending:
            unit_id = pending.pop()
            unit = self._units.get(unit_id)
            if unit is None or unit_id in found:
                continue
            if as_of is not None and not unit.is_valid_on(as_of):
                continue
            found.add(unit_id)
            pending.extend(self._children.get(unit_id, ()))
        return found

    def predecessors(self, unit_id: int) -> set[int]:
        """Every unit that became, directly or through several reorganisations, this unit."""
        return self._follow(unit_id, self._predecessors)

    def successors(self, unit_id: int) -> set[int]:
        """Every unit this one became, directly or through several reorganisations."""
        return self._follow(unit_id, self._successors)

    def current_successors(self, unit_id: int, as_of: date) -> set[int]:
        """The units existing on ``as_of`` that carry on this unit (itself if it still exists)."""
        unit = self._units.get(unit_id)
        if unit is None:
            return set()
        if unit.is_valid_on(as_of):
            return {unit_id}
        return {
            successor
            for successor in self.successors(unit_id)
            if self._units[successor].is_valid_on(as_of)
        }

    def rolled_up(self, root_id: int, as_of: date) -> set[int]:
        """The subtree as of ``as_of`` with the whole history that rolls up into it.

        Adds every predecessor of every unit in the subtree, and the descendants
        those predecessors had, so a report on today's ward includes the ratings of
        the communes merged into it. Links are followed transitively.
        """
        found = self.subtree(root_id, as_of)
        pending = list(found)
        while pending:
            unit_id = pending.pop()
            for predecessor in self._predecessors.get(unit_id, ()):
                for member in self.subtree(predecessor) - found:
                    found.add(member)
                    pending.append(member)
        return found

    @staticmethod
    def _follow(start: int, links: dict[int, set[int]]) -> set[int]:
        found: set[int] = set()
        pending = list(links.get(start, ()))
        while pending:
            unit_id = pending.pop()
            if unit_id in found or unit_id == start:
                continue
            found.add(unit_id)
            pending.extend(links.get(unit_id, ()))
        return found
