"""The working-day calendar: Monday to Friday, except the statutory holidays (法定节假日) and
make-up working days (调休上班) the State Council announces each year, which a platform
administrator enters per year. No year is seeded: the dates come from that year's notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.supervision.models import CalendarDay
from tenants.errors import DomainError


@dataclass(frozen=True)
class WorkingCalendar:
    exceptions: dict[date, bool]  # day → is it a working day

    def is_workday(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def workdays_after(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself for 0)."""
        while count > 0:
            day += timedelta(days=1)
            count -= self.is_workday(day)
        return day


def check_year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise DomainError("INVALID_DATE", "年份须在 2000 到 2100 之间", field="year")
    return year


async def load_calendar(connection: AsyncConnection, start: date, end: date) -> WorkingCalendar:
    rows = await connection.execute(select(CalendarDay.day, CalendarDay.is_workday).where(CalendarDay.day.between(start, end)))
    return WorkingCalendar({row.day: row.is_workday for row in rows})


async def set_year(connection: AsyncConnection, year: int, holidays: list[date], workdays: list[date]) -> None:
    """Replace a year's exceptions."""
    check_year(year)
    for field, days in (("holidays", holidays), ("makeUpWorkdays", workdays)):
        if any(day.year != year for day in days):
            raise DomainError("INVALID_DATE", f"日期须在 {year} 年内", field=field)
        if len(set(days)) != len(days):
            raise DomainError("INVALID_DATE", "日期重复", field=field)
    if overlap := set(holidays) & set(workdays):
        raise DomainError("INVALID_DATE", f"{min(overlap)} 不能既是节假日又是调休上班日", field="makeUpWorkdays")
    if weekdays := [day for day in workdays if day.weekday() < 5]:
        raise DomainError("INVALID_DATE", f"{weekdays[0]} 本是工作日，无需设为调休上班", field="makeUpWorkdays")
    await connection.execute(delete(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    rows = [{"day": day, "is_workday": False, "note": "法定节假日"} for day in holidays]
    rows += [{"day": day, "is_workday": True, "note": "调休上班"} for day in workdays]
    if rows:
        await connection.execute(insert(CalendarDay), rows)
