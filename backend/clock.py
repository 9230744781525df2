"""Time as the system sees it. One clock per runtime: resolvers, services, workers, cron and
commands take "now" and the office's "today" from it, never from the machine, so a test (or a
demo run as of a given day) sets the time once for everything.

Offices live in China Standard Time (UTC+8, no daylight saving), whatever the server's own time
zone: deadlines, 逾期, years of document numbers and "not in the future" checks use `today()`.
Rows' own timestamps (created_at, occurred_at) are the database's: they record when a write
happened, which no clock setting may rewrite."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class Clock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        return datetime.now(UTC)

    def today(self) -> date:
        """The office's date (China Standard Time)."""
        return self.now().astimezone(CHINA_STANDARD_TIME).date()


class ShiftedClock(Clock):
    """The machine's clock moved to another moment, running on from there: tests, and a
    deployment started with XUNCHA_CLOCK (a demo as of a given day). `set` moves it, `advance`
    jumps ahead (a token's expiry, a deadline passing) without waiting."""

    def __init__(self, at: datetime | date) -> None:
        self.set(at)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, at: datetime | date) -> None:
        """Stand at `at` now; a date means 09:00 that day, office time."""
        if not isinstance(at, datetime):
            at = datetime.combine(at, time(9), CHINA_STANDARD_TIME)
        if at.tzinfo is None:
            raise ValueError("a clock's time needs its time zone")
        self._offset = at - datetime.now(UTC)

    def advance(self, by: timedelta) -> None:
        self._offset += by


def parse_instant(value: str) -> datetime:
    """An ISO date or instant (XUNCHA_CLOCK): a date is 09:00 that day, office time; an instant
    without a zone is office time."""
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(9), CHINA_STANDARD_TIME)
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=CHINA_STANDARD_TIME)


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
