"""A finding's one-to-one relations (its unit, its round, its ledger entry's latest progress)
read in the finding's own statement, joined, when the query selects them.

Every statement that addresses a tenant is a SQL text of its own per tenant schema, so across
many tenants it is prepared again on almost every execution: a round trip more and the
client's work of describing it (~0.5 ms). A page of findings with these three relations took
four such statements; joined, it takes one. The relations with many rows per finding (history,
extension requests) stay statements of their own (backend/loaders.py): joined, they would
repeat the finding's row for each of theirs.

A relation's columns come labelled `<name>__<column>`; `Joined` reads them back as a row of
the relation's own."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select, true

from backend.findings.models import Finding
from backend.ledger.models import LedgerEvent
from backend.ledger.workflow import REPORT_PROGRESS
from backend.loaders import with_evidence
from backend.rounds.models import InspectionRound
from backend.rounds.service import with_units_and_team
from backend.units.models import InspectedUnit

UNIT, ROUND, LATEST_PROGRESS = "unit", "round", "latest_progress"


def _labelled(columns, name: str) -> list:
    return [column.label(f"{name}__{column.key}") for column in columns]


def _unit(query: Select) -> Select:
    return query.join(InspectedUnit, InspectedUnit.id == Finding.unit_id).add_columns(*_labelled(InspectedUnit.__table__.columns, UNIT))


def _round(query: Select) -> Select:
    query = query.join(InspectionRound, InspectionRound.id == Finding.round_id)
    return with_units_and_team(query.add_columns(*_labelled(InspectionRound.__table__.columns, ROUND)), prefix=f"{ROUND}__")


def _latest_progress(query: Select) -> Select:
    """The entry's most recent 进展 (all columns null when it has none), with its evidence files."""
    latest = with_evidence(
        select(LedgerEvent)
        .where(LedgerEvent.finding_id == Finding.id, LedgerEvent.action == REPORT_PROGRESS.name)
        .order_by(LedgerEvent.id.desc()).limit(1)
    ).lateral(LATEST_PROGRESS)
    return query.outerjoin(latest, true()).add_columns(*_labelled(latest.c, LATEST_PROGRESS))


JOINS: dict[str, Callable[[Select], Select]] = {UNIT: _unit, ROUND: _round, LATEST_PROGRESS: _latest_progress}


def joined(query: Select, relations: frozenset[str]) -> Select:
    """`query` (of findings) with the columns of `relations` (names in JOINS)."""
    for name in sorted(relations):
        query = JOINS[name](query)
    return query


class Joined:
    """One joined relation's columns in a finding's row, by their own names (`unit__name` as `.name`)."""

    __slots__ = ("row", "prefix")

    def __init__(self, row, name: str) -> None:
        self.row, self.prefix = row, f"{name}__"

    def __getattr__(self, column: str):
        return getattr(self.row, self.prefix + column)
