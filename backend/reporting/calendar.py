"""A province's calendar of periodic rectification reports: every month, quarter (the default) or
half-year, due a number of days (default 10) after the period ends. Its cities and counties
follow it; its admins set it (audited in the province's trail). Report periods are written
2026M03, 2026Q4 or 2026H2, as the province's cadence has them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, func, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from backend.audit.service import record_audit
from backend.clock import months_after
from backend.supervision.models import SupervisionBase
from tenants.access import Principal
from tenants.errors import DomainError
from tenants.labelled import Labelled
from tenants.scoping import tenant_engine

MAX_DUE_DAYS = 60
PERIOD = re.compile(r"(\d{4})([MQH])(\d{1,2})")


class Cadence(Labelled):
    MONTHLY = "M", "每月"
    QUARTERLY = "Q", "每季度"
    HALF_YEARLY = "H", "每半年"


MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6}
EXAMPLES = {Cadence.MONTHLY: "2026M03", Cadence.QUARTERLY: "2026Q4", Cadence.HALF_YEARLY: "2026H2"}


@dataclass(frozen=True)
class Period:
    key: str  # 2026Q4
    first_day: date
    last_day: date
    due_on: date

    @property
    def label(self) -> str:
        year, cadence, n = self.first_day.year, Cadence(self.key[4]), int(self.key[5:])
        if cadence is Cadence.MONTHLY:
            return f"{year}年{n}月"
        if cadence is Cadence.QUARTERLY:
            return f"{year}年第{'一二三四'[n - 1]}季度"
        return f"{year}年{'上下'[n - 1]}半年"


class ReportCalendarRow(SupervisionBase):
    __tablename__ = "report_calendar"

    province_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(1))
    due_days: Mapped[int]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


@dataclass(frozen=True)
class ReportCalendar:
    cadence: Cadence = Cadence.QUARTERLY
    due_days: int = 10
    set_by_province: bool = False

    def _period(self, year: int, n: int) -> Period:
        months = MONTHS[self.cadence]
        first = date(year, months * (n - 1) + 1, 1)
        last = months_after(first, months) - timedelta(days=1)
        return Period(
            f"{year}{self.cadence.value}{n:02d}" if self.cadence is Cadence.MONTHLY else f"{year}{self.cadence.value}{n}",
            first,
            last,
            last + timedelta(days=self.due_days),
        )

    def period(self, key: str) -> Period:
        """The period `key` names, refused unless it is one of this calendar's."""
        found = PERIOD.fullmatch(key.strip())
        count = 12 // MONTHS[self.cadence]
        if found is None or found[2] != self.cadence.value or not 2000 <= int(found[1]) <= 2100 or not 1 <= int(found[3]) <= count:
            raise DomainError(
                "INVALID_PERIOD", f"本省{self.cadence.label}报告一次，报告期须写作如 {EXAMPLES[self.cadence]}", field="period"
            )
        return self._period(int(found[1]), int(found[3]))

    def containing(self, day: date) -> Period:
        return self._period(day.year, (day.month - 1) // MONTHS[self.cadence] + 1)

    def last_due(self, today: date) -> Period:
        """The latest period whose report was due before `today`."""
        period = self.containing(today)
        while period.due_on >= today:
            period = self.containing(period.first_day - timedelta(days=1))
        return period


def check_calendar(cadence: Cadence, due_days: int) -> ReportCalendar:
    if not 1 <= due_days <= MAX_DUE_DAYS:
        raise DomainError("INVALID_TERMS", f"报送期限须为报告期结束后 1 到 {MAX_DUE_DAYS} 天", field="dueDays")
    return ReportCalendar(cadence, due_days, set_by_province=True)


def _of(row) -> ReportCalendar:
    return ReportCalendar(Cadence(row.cadence), row.due_days, set_by_province=True)


async def calendar_of(connection: AsyncConnection, province_code: str) -> ReportCalendar:
    row = (await connection.execute(select(ReportCalendarRow).where(ReportCalendarRow.province_code == province_code))).one_or_none()
    return ReportCalendar() if row is None else _of(row)


async def calendars(connection: AsyncConnection) -> dict[str, ReportCalendar]:
    """The provinces that set their own calendar (the others keep the default)."""
    return {row.province_code: _of(row) for row in await connection.execute(select(ReportCalendarRow))}


async def set_calendar(
    engine: AsyncEngine, principal: Principal, province_code: str, calendar: ReportCalendar, request_id: str | None
) -> None:
    """Who may (the province's admins) is declared on the operation; audited in its trail."""
    async with tenant_engine(engine, province_code).begin() as connection:
        before = await calendar_of(connection, province_code)
        values = {"cadence": calendar.cadence.value, "due_days": calendar.due_days, "updated_by": principal.username}
        proposed = upsert(ReportCalendarRow).values(province_code=province_code, **values)
        await connection.execute(  # the proposed row's updated_at (now()): Citus takes no function in DO UPDATE
            proposed.on_conflict_do_update(
                index_elements=[ReportCalendarRow.province_code], set_={**values, "updated_at": proposed.excluded.updated_at}
            )
        )
        await record_audit(
            connection,
            province_code,
            actor=principal.username,
            action="report_calendar.set",
            entity="province",
            entity_id=province_code,
            before={"cadence": before.cadence.value, "due_days": before.due_days},
            after=values,
            request_id=request_id,
        )
