"""The bank's rows pre-counted, for the statistics: per office, one breakdown dimension
(taxonomy code, unit type or month found), ledger state and deadline (an open row's; a closed
row never falls due and counts under 'infinity'). Triggers on `problem_bank.problem` keep them
in the statement that changes a row (migration 0011).

Here: which table answers a breakdown under given criteria (none does when the criteria need
the rows themselves), and a recount from the rows, written independently of the triggers,
that `xuncha bank verify` compares them with (and the benchmark fills them from after a bulk load)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Date, Select, and_, case, cast, delete, func, insert, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank.models import CountByMonth, CountByTaxonomy, CountByUnitType, Problem
from problem_bank.rectification import LedgerState
from problem_bank.search import ProblemFilter

CountedTable: TypeAlias = type[CountByUnitType] | type[CountByTaxonomy] | type[CountByMonth]  # problem_bank.models
# The fewest rows per office first: a breakdown by office alone reads it.
COUNTED = (CountByUnitType, CountByTaxonomy, CountByMonth)
NEVER_DUE = literal_column("'infinity'::date", Date)
LABELS = {CountByTaxonomy.__tablename__: "问题分类", CountByUnitType.__tablename__: "单位类型", CountByMonth.__tablename__: "发现月份"}


def dimension(table: CountedTable) -> str:
    """The column a table counts by besides office, state and deadline."""
    return {CountByTaxonomy: "taxonomy_code", CountByUnitType: "unit_type", CountByMonth: "found_on"}[table]


def _whole_months(criteria: ProblemFilter) -> bool:
    return (criteria.found_from is None or criteria.found_from.day == 1) and (
        criteria.found_to is None or (criteria.found_to + timedelta(days=1)).day == 1
    )


def counts_answering(by: str | None, criteria: ProblemFilter) -> CountedTable | None:
    """The counted table that answers a breakdown by column `by` (None: by office) under
    `criteria`, or None when only the rows can: a text, round kinds, sources, a period that is
    not whole months, or criteria on two dimensions."""
    if criteria.text or criteria.round_kinds or criteria.sources or not _whole_months(criteria):
        return None
    needed = {by} - {None}
    needed |= {
        column
        for column, used in (
            ("taxonomy_code", criteria.taxonomy_code),
            ("unit_type", criteria.unit_types),
            ("found_on", criteria.found_from or criteria.found_to),
        )
        if used
    }
    return next((table for table in COUNTED if needed <= {dimension(table)}), None)


def recounted(table: CountedTable, where: ColumnElement[bool] | None = None) -> Select[*tuple[Any, ...]]:
    """SELECT of `table`'s rows as the bank's rows (those matching `where`; None: all) say they should be."""
    value = {
        CountByTaxonomy: Problem.taxonomy_code,
        CountByUnitType: Problem.unit_type,
        CountByMonth: cast(func.date_trunc("month", Problem.found_on), Date),
    }[table]
    rows = (
        select(
            Problem.tenant_code,
            Problem.province_code,
            Problem.city_code,
            value.label(dimension(table)),
            Problem.state,
            case((Problem.state != LedgerState.CLOSED.value, Problem.deadline), else_=NEVER_DUE).label("deadline"),
        )
        .where(true() if where is None else where)
        .subquery()
    )
    return select(*rows.c, func.count().label("n")).group_by(*rows.c)


@dataclass(frozen=True)
class Miscount:
    table: str
    key: str  # the dimension's value
    state: str
    deadline: date | None  # None: a closed row's ('infinity')
    stored: int
    counted: int

    def describe(self) -> str:
        deadline = "无（已销号）" if self.deadline is None else self.deadline.isoformat()
        return f"{LABELS[self.table]} {self.key}、{self.state}、期限 {deadline}：汇总 {self.stored}，实际 {self.counted}"


async def miscounted(connection: AsyncConnection, tenant_code: str) -> list[Miscount]:
    """Where a tenant's counts differ from a recount of its rows (read in the caller's snapshot)."""
    found: list[Miscount] = []
    for table in COUNTED:
        keys = [dimension(table), "state", "deadline"]
        stored = select(table).where(table.tenant_code == tenant_code).subquery()
        recount = recounted(table, Problem.tenant_code == tenant_code).subquery()
        stored_n, counted_n = func.coalesce(stored.c.n, 0), func.coalesce(recount.c.n, 0)
        rows = await connection.execute(
            select(*(func.coalesce(stored.c[k], recount.c[k]).label(k) for k in keys), stored_n.label("stored"), counted_n.label("counted"))
            .select_from(stored.join(recount, and_(*(stored.c[k] == recount.c[k] for k in keys)), full=True))
            .where(
                or_(
                    stored_n != counted_n,
                    and_(
                        stored.c.n.is_not(None),
                        recount.c.n.is_not(None),
                        or_(stored.c.province_code != recount.c.province_code, stored.c.city_code.is_distinct_from(recount.c.city_code)),
                    ),
                )
            )
            .order_by(*keys)
        )
        found += [
            Miscount(
                table.__tablename__, str(row[0]), row.state, None if row.deadline == date.max else row.deadline, row.stored, row.counted
            )
            for row in rows
        ]
    return found


async def refill(connection: AsyncConnection) -> None:
    """Every count recomputed from the rows (after rows were loaded with the triggers off)."""
    for table in COUNTED:
        await connection.execute(delete(table))
        query = recounted(table)
        await connection.execute(insert(table).from_select([c.name for c in query.selected_columns], query))
