"""GraphQL for the problem bank's month-end series (problem_bank/trends.py)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from backend.bank.types import REGION_READ, STATISTICS_COST, region_of
from backend.context import Context
from backend.permissions import query
from problem_bank.trends import month_of, series, shift
from tenants.errors import DomainError
from tenants.scoping import reading

MAX_MONTHS = 60


@strawberry.type(description="某月末地区（本级及全部下级）问题库的数字")
class MonthFigures:
    month: date = strawberry.field(description="月份（该月 1 日）")
    total: int = strawberry.field(description="截至月末发现的问题总数")
    awaiting_close_out: int = strawberry.field(description="月末待销号审核的")
    closed: int = strawberry.field(description="月末已销号的")
    overdue: int = strawberry.field(description="月末逾期的")
    completion_rate: float = strawberry.field(description="整改完成率：已销号 ÷ 总数")
    completion_rate_last_year: float | None = strawberry.field(description="上年同月的整改完成率（无记录为空）")


@strawberry.type
class TrendQuery:
    @query(
        "问题库走势：地区各月末的问题总数、已销号、待销号审核、逾期和整改完成率，附上年同月的整改完成率（默认近 12 个已结束的月份）",
        REGION_READ,
        cost=STATISTICS_COST,
    )
    async def bank_trend(self, info: Info[Context, None], region_code: str, months: int = 12) -> list[MonthFigures]:
        if not 1 <= months <= MAX_MONTHS:
            raise DomainError("INVALID_COUNT", f"月份数须在 1 到 {MAX_MONTHS} 之间", field="months")
        region = await region_of(info, region_code)
        last = shift(month_of(info.context.clock.today()), -1)  # the last month that has ended
        first = shift(last, 1 - months)
        async with reading(info.context.runtime.engine).connect() as connection:
            points = await series(connection, region, shift(first, -12), last)
        rate = {point.month: point.completion_rate for point in points}
        return [
            MonthFigures(
                month=p.month,
                total=p.total,
                awaiting_close_out=p.awaiting_close_out,
                closed=p.closed,
                overdue=p.overdue,
                completion_rate=p.completion_rate,
                completion_rate_last_year=rate.get(shift(p.month, -12)),
            )
            for p in points
            if p.month >= first
        ]
