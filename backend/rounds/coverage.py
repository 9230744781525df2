"""全覆盖 over a term: which of the office's units a round has gone into (进驻 and after) within
the term, which are only planned, and which are neither — with when each was last inspected,
so an office plans the units left out and does not inspect the same unit again and again. One
statement whatever the number of units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, and_, func, select

from backend.rounds.models import InspectionRound, RoundKind, RoundStage, RoundUnit
from backend.units.models import InspectedUnit
from tenants.errors import DomainError

NOT_COVERING = (RoundKind.FOLLOW_UP.value, RoundKind.LEADER_REVIEW.value)  # re-checks and leader reviews cover no unit anew
BEFORE_STATIONING = (RoundStage.PLANNED.value, RoundStage.PREPARING.value)


@dataclass(frozen=True)
class Term:
    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise DomainError("INVALID_PERIOD", "届期的终点不能早于起点", field="termEnd")


def coverage_query(term: Term) -> Select:
    """Each unit of the office: the latest round that went in within the term (covered_on),
    whether one is planned within it, and the latest that went in up to the term's end."""
    rounds = (
        select(RoundUnit.unit_id, InspectionRound.starts_on, InspectionRound.state)
        .join(InspectionRound, InspectionRound.id == RoundUnit.round_id)
        .where(InspectionRound.kind.not_in(NOT_COVERING))
        .subquery()
    )
    went_in = rounds.c.state.not_in(BEFORE_STATIONING)
    in_term = rounds.c.starts_on.between(term.starts_on, term.ends_on)
    return (
        select(
            InspectedUnit.id,
            InspectedUnit.name,
            func.max(rounds.c.starts_on).filter(went_in, in_term).label("covered_on"),
            func.coalesce(func.bool_or(and_(~went_in, in_term)), False).label("planned"),
            func.max(rounds.c.starts_on).filter(went_in, rounds.c.starts_on <= term.ends_on).label("last_inspected_on"),
        )
        .outerjoin(rounds, rounds.c.unit_id == InspectedUnit.id)
        .group_by(InspectedUnit.id, InspectedUnit.name)
        .order_by(InspectedUnit.id)
    )


def not_covered_first(rows: Sequence[Row]) -> list[Row]:
    """The units left out, those never inspected first, then the longest since."""
    left_out = [row for row in rows if row.covered_on is None]
    return sorted(left_out, key=lambda row: (row.last_inspected_on is not None, row.last_inspected_on or date.min, row.id))
