"""The problem bank's month-end series (issue 23 item 5): each office's figures recorded once at
the end of a month, a region's series summed over its offices, with last year's rate of the
same month beside each month's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from problem_bank.trends import record_month_end
from tests.factories import add_unit
from tests.helpers import create_all, finding_input, xuncha
from tests.identity import Api, add_user, error_code, renewed, token_for

LOG = """mutation($c: String!, $i: FindingInput!) { logFinding(tenantCode: $c, input: $i) { id } }"""
TREND = """query($r: String!, $m: Int!) { bankTrend(regionCode: $r, months: $m) {
    month total awaitingCloseOut closed overdue completionRate completionRateLastYear } }"""


def daily(found_on: str, deadline: str, **change) -> dict:
    return finding_input(roundId=None, dailySource="REAL_NAME_REVIEW", foundOn=found_on, deadline=deadline, **change)


FIXED = {"fixedOnSpot": True, "closeNote": "当场清退"}


async def test_month_end_figures_make_a_series_with_last_years_rate(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322")
    for code in ("431321", "431322"):
        await add_unit(runtime, code, "财政局", f"UNIT{code}")
    tokens = {
        code: await token_for(runtime, await add_user(runtime, f"inspector_{code}", (code, "inspector", None)))
        for code in ("431321", "431322")
    }
    city = await token_for(runtime, await add_user(runtime, "ld_reviewer", ("431300", "reviewer", None)))
    async with Api(runtime) as api:

        async def log(code: str, finding: dict) -> None:
            runtime_tokens = renewed(runtime, tokens[code])
            assert "errors" not in await api.call(LOG, runtime_tokens, c=code, i=finding)

        runtime.clock.set(date(2025, 11, 20))
        await log("431321", daily("2025-11-03", "2025-12-31", **FIXED))
        async with runtime.engine.begin() as connection:
            last_year = await record_month_end(connection, date(2025, 11, 1))
        runtime.clock.set(date(2026, 10, 15))
        await log("431321", daily("2026-10-02", "2026-10-20"))  # overdue at the end of October
        await log("431322", daily("2026-10-05", "2026-12-31"))
        october = await xuncha(runtime, "bank", "month-end", "--month", "2026-10")
        runtime.clock.set(date(2026, 11, 5))
        await log("431321", daily("2026-11-04", "2026-12-31", **FIXED))
        runtime.clock.set(date(2026, 12, 10))
        november = await xuncha(runtime, "bank", "month-end", env={"XUNCHA_CLOCK": "2026-12-10"})  # the month just ended
        again = await xuncha(runtime, "bank", "month-end", "--month", "2026-11")
        bad = await xuncha(runtime, "bank", "month-end", "--month", "2026/11")
        city = renewed(runtime, city)
        series = (await api.call(TREND, city, r="431300", m=2))["data"]["bankTrend"]
        county = (await api.call(TREND, renewed(runtime, tokens["431322"]), r="431322", m=2))["data"]["bankTrend"]
        refused = [
            error_code(await api.call(TREND, renewed(runtime, tokens["431321"]), r="431300", m=2)),  # a county reading up
            error_code(await api.call(TREND, renewed(runtime, tokens["431321"]), r="431322", m=2)),  # a sibling
            error_code(await api.call(TREND, city, r="431300", m=0)),
        ]
    async with runtime.engine.connect() as connection:
        recorded = (await connection.execute(text("SELECT count(*) FROM problem_bank.month_end"))).scalar_one()
    assert last_year == 1
    assert october.returncode == 0 and "记录 2 个机构" in october.stdout, october.stderr
    assert november.returncode == 0 and "2026年11月" in november.stdout and "记录 2 个机构" in november.stdout
    assert again.returncode == 0 and "记录 0 个机构" in again.stdout
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr
    assert recorded == 5
    assert series == [
        {
            "month": "2026-10-01",
            "total": 3,  # last year's, and October's two
            "awaitingCloseOut": 0,
            "closed": 1,
            "overdue": 1,
            "completionRate": 0.3333,
            "completionRateLastYear": None,
        },
        {
            "month": "2026-11-01",
            "total": 4,
            "awaitingCloseOut": 0,
            "closed": 2,
            "overdue": 1,
            "completionRate": 0.5,
            "completionRateLastYear": 1.0,
        },
    ]
    assert [(p["month"], p["total"], p["completionRateLastYear"]) for p in county] == [("2026-10-01", 1, None), ("2026-11-01", 1, None)]
    assert refused == ["NOT_FOUND", "NOT_FOUND", "INVALID_COUNT"]
