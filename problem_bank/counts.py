"""The bank's rows pre-counted, for the statistics: per office, one breakdown dimension
(taxonomy code, unit type or month found), ledger state and deadline (an open row's; a closed
row never falls due and counts under 'infinity').

The statement that writes bank rows keeps them (`counting`): it locks and reads the row
versions it replaces, writes the rows, and applies the net change to each table, grouped, in
one fixed order (tables in COUNTED order, keys ascending), so two writers never wait for each
other's counts in opposite orders; counts that reach 0 are deleted right after, in the same
transaction (`written`). No triggers (migration 0036): Citus refuses statement triggers and
calls row triggers on distributed tables unsafe. A bulk write (a restore's COPY, a recode's
rewrite) recounts the offices it wrote instead (`recount`).

Here also: which table answers a breakdown under given criteria (none does when the criteria
need the rows themselves), and the recount from the rows that `xuncha bank verify` compares
the counts with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    TextClause,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank.models import CountByMonth, CountByTaxonomy, CountByUnitType, Problem
from problem_bank.rectification import LedgerState
from problem_bank.search import ProblemFilter

CountedTable: TypeAlias = type[CountByUnitType] | type[CountByTaxonomy] | type[CountByMonth]  # problem_bank.models
# The fewest rows per office first: a breakdown by office alone reads it.
COUNTED = (CountByUnitType, CountByTaxonomy, CountByMonth)
NEVER_DUE = literal_column("'infinity'::date", Date)
LABELS = {CountByTaxonomy.__tablename__: "问题分类", CountByUnitType.__tablename__: "单位类型", CountByMonth.__tablename__: "发现月份"}


# The columns of a bank row its counts depend on.
COUNTED_COLUMNS = ("tenant_code", "province_code", "city_code", "taxonomy_code", "unit_type", "found_on", "state", "deadline")


def dimension(table: CountedTable) -> str:
    """The column a table counts by besides office, state and deadline."""
    return {CountByTaxonomy: "taxonomy_code", CountByUnitType: "unit_type", CountByMonth: "found_on"}[table]


def key(table: CountedTable) -> tuple[str, ...]:
    """A table's primary key, led by the office (on a cluster, the distribution column)."""
    return ("tenant_code", dimension(table), "state", "deadline")


class ConcurrentFirstWrite(RuntimeError):
    """A bank row was written for the first time by another transaction while this one wrote it
    too: its version was never read, so it cannot be counted out. The application writes a
    finding's first bank row in the transaction that creates the finding, so this does not
    happen there; the transaction fails rather than miscount."""


def counting(old: str, new: str) -> str:
    """The rest of a WITH statement that writes bank rows, after CTEs `old` (the row versions it
    replaces, locked before they are written: COUNTED_COLUMNS) and `new` (the rows it wrote:
    COUNTED_COLUMNS and `replaced`, whether the write replaced a row). It applies the net
    change to every count table and selects one row: how many rows were written, how many were
    replaced without being read in `old` (see ConcurrentFirstWrite), and (one row each) the
    counts that reached 0. `new` must read all of `old` before it writes (a join, or a filter
    on it), so a replaced version is locked and read before the statement writes over it."""
    columns = ", ".join(COUNTED_COLUMNS)
    ctes = [f"change AS (SELECT {columns}, -1 AS delta FROM {old} UNION ALL SELECT {columns}, 1 FROM {new})"]
    zeros = []
    for table in COUNTED:
        name, keyed = table.__tablename__, ", ".join(key(table))
        value = {"found_on": "date_trunc('month', found_on)::date"}.get(dimension(table), dimension(table))
        ctes.append(f"""{name} AS (
            INSERT INTO problem_bank.{name} AS c (province_code, tenant_code, {dimension(table)}, state, deadline, city_code, n)
            SELECT province_code, tenant_code, {value}, state, CASE WHEN state <> '{LedgerState.CLOSED.value}' THEN deadline
                   ELSE 'infinity'::date END, city_code, sum(delta)
            FROM change GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT ({keyed}) DO UPDATE SET n = c.n + excluded.n
            RETURNING {keyed}, n)""")
        zeros.append(f"SELECT '{name}' AS counted, tenant_code, {dimension(table)}::text AS key, state, deadline FROM {name} WHERE n = 0")
    return f""", {", ".join(ctes)}
        SELECT w.written, w.unread, z.* FROM (
            SELECT count(*) AS written, count(*) FILTER (WHERE replaced) - (SELECT count(*) FROM {old}) AS unread FROM {new}
        ) AS w LEFT JOIN ({" UNION ALL ".join(zeros)}) AS z ON true"""


async def written(connection: AsyncConnection, statement: TextClause, parameters: dict[str, Any]) -> int:
    """Run a statement ending in `counting`, delete the counts it brought to 0 (still locked by
    this transaction, so no other writer has changed them since); the number of rows written."""
    rows = (await connection.execute(statement, parameters)).all()
    if rows[0].unread:
        raise ConcurrentFirstWrite("另一事务同时首次写入了同一问题库记录，请重试")
    for table in COUNTED:
        keys = [
            (row.tenant_code, date.fromisoformat(row.key) if table is CountByMonth else row.key, row.state, row.deadline)
            for row in rows
            if row.counted == table.__tablename__
        ]
        if keys:
            columns = [getattr(table, column) for column in key(table)]
            await connection.execute(delete(table).where(tuple_(*columns).in_(keys), table.n == 0))
    return int(rows[0].written)


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


async def recount(connection: AsyncConnection, tenant_codes: list[str] | None = None) -> None:
    """The counts of some offices (None: all) recomputed from their bank rows, in the caller's
    transaction: after rows were written in bulk (a COPY, a rewrite of their codes)."""
    for table in COUNTED:
        offices = None if tenant_codes is None else table.tenant_code.in_(tenant_codes)
        await connection.execute(delete(table).where(true() if offices is None else offices))
        query = recounted(table, None if tenant_codes is None else Problem.tenant_code.in_(tenant_codes))
        await connection.execute(insert(table).from_select([c.name for c in query.selected_columns], query))
