"""Month-end figures of the problem bank, kept so 整改完成率, the backlog and 逾期 read as a time
series per region (this year against last year).

On the first day of each month the worker records, for every office, its findings as they stood
at the end of the month before: those found by then, how many closed (已销号), awaiting 销号审核,
and 逾期 at the month's end (past their deadline on its last day, still being rectified). A
month is recorded once (a rerun adds nothing); `xuncha bank month-end` records one by hand.
A region's series sums its offices' figures, month by month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from problem_bank.models import MonthEnd, Problem
from problem_bank.rectification import LedgerState
from problem_bank.search import overdue
from tenants.access import Place
from tenants.registry import in_subtree

_MONTH = bindparam("month", type_=Date)
_NEXT_MONTH = bindparam("next_month", type_=Date)
_COLUMNS = ("tenant_code", "province_code", "city_code", "month", "total", "awaiting_close_out", "closed", "overdue")
_SNAPSHOT = (
    insert(MonthEnd)
    .from_select(
        _COLUMNS,
        select(
            Problem.tenant_code,
            Problem.province_code,
            Problem.city_code,
            _MONTH,
            func.count(),
            func.count().filter(Problem.state == LedgerState.CLOSE_REQUESTED.value),
            func.count().filter(Problem.state == LedgerState.CLOSED.value),
            func.count().filter(overdue(_NEXT_MONTH - literal(1))),
        )
        .where(Problem.found_on < _NEXT_MONTH)
        .group_by(Problem.tenant_code, Problem.province_code, Problem.city_code),
    )
    .on_conflict_do_nothing()
)


def month_of(day: date) -> date:
    return day.replace(day=1)


def shift(month: date, months: int) -> date:
    """The first day of the month `months` after (or, negative, before) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


async def record_month_end(connection: AsyncConnection, month: date) -> int:
    """Record every office's figures at the end of `month` (unless recorded); offices recorded."""
    month = month_of(month)
    return (await connection.execute(_SNAPSHOT, {"month": month, "next_month": shift(month, 1)})).rowcount


@dataclass(frozen=True)
class MonthPoint:
    month: date
    total: int
    awaiting_close_out: int
    closed: int
    overdue: int

    @property
    def completion_rate(self) -> float:
        """整改完成率: 已销号 over all findings."""
        return round(self.closed / self.total, 4) if self.total else 0.0


async def series(connection: AsyncConnection, region: Place, first: date, last: date) -> list[MonthPoint]:
    """The region's month-end figures from month `first` to month `last` (months not recorded
    are left out)."""
    query = (
        select(
            MonthEnd.month,
            func.sum(MonthEnd.total),
            func.sum(MonthEnd.awaiting_close_out),
            func.sum(MonthEnd.closed),
            func.sum(MonthEnd.overdue),
        )
        .where(
            in_subtree(region, province=MonthEnd.province_code, city=MonthEnd.city_code, code=MonthEnd.tenant_code),
            MonthEnd.month.between(month_of(first), month_of(last)),
        )
        .group_by(MonthEnd.month)
        .order_by(MonthEnd.month)
    )
    return [
        MonthPoint(month, int(total), int(awaiting), int(closed), int(late))
        for month, total, awaiting, closed, late in await connection.execute(query)
    ]
