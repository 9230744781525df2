"""Dates as the offices see them: China Standard Time (UTC+8, no daylight saving), whatever
the server's own time zone. Deadlines, 逾期 and "not in the future" checks use this."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def office_today() -> date:
    return datetime.now(CHINA_STANDARD_TIME).date()
