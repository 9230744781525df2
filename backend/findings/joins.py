"""The relations of a finding that are its own alone (its ledger entry's latest progress) read
in the finding's own statement, joined, when the query selects them.

Every statement that addresses a tenant is a SQL text of its own per tenant schema, so across
many tenants it is prepared again on almost every execution: a round trip more, and the
client's work of describing it. A relation with one row per finding saves that by a join.
Relations the findings share (their unit, their round) are not joined: a page of 50 findings
has a handful of units, and joined, each unit's row (its JSON columns decoded, its objects
built) would come 50 times; they are one statement each for the distinct ids
(backend/loaders.py), as are the relations with many rows per finding.

A relation's columns come labelled `<name>__<column>`; `Joined` reads them back as a row of
the relation's own."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select, true

from backend.findings.models import Finding
from backend.ledger.models import LedgerEvent
from backend.ledger.workflow import REPORT_PROGRESS
from backend.loaders import with_evidence

LATEST_PROGRESS = "latest_progress"


def _latest_progress(query: Select) -> Select:
    """The entry's most recent 进展 (all columns null when it has none), with its evidence files."""
    latest = with_evidence(
        select(LedgerEvent)
        .where(LedgerEvent.finding_id == Finding.id, LedgerEvent.action == REPORT_PROGRESS.label)
        .order_by(LedgerEvent.id.desc())
        .limit(1)
    ).lateral(LATEST_PROGRESS)
    return query.outerjoin(latest, true()).add_columns(*[column.label(f"{LATEST_PROGRESS}__{column.key}") for column in latest.c])


JOINS: dict[str, Callable[[Select], Select]] = {LATEST_PROGRESS: _latest_progress}


def joined(query: Select, relations: frozenset[str]) -> Select:
    """`query` (of findings) with the columns of `relations` (names in JOINS)."""
    for name in sorted(relations):
        query = JOINS[name](query)
    return query


class Joined:
    """One joined relation's columns in a finding's row, by their own names (`latest_progress__note` as `.note`)."""

    __slots__ = ("prefix", "row")

    def __init__(self, row, name: str) -> None:
        self.row, self.prefix = row, f"{name}__"

    def __getattr__(self, column: str):
        return getattr(self.row, self.prefix + column)
