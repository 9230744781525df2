"""The year's statistics of an office and its subtree (issue 23 item 4): a city counts its own
and its counties' rounds, problems (by category, with 整改完成率, and by rectification class),
quantities, accountability measures and evaluations of that year, nothing of another year or
another province; the same statements for a city as for a province; the Excel and .docx files;
who may read them."""

from __future__ import annotations

import io
from datetime import date

from docx import Document as DocxFile
from openpyxl import load_workbook
from sqlalchemy import text

from tests.factories import add_round, add_unit
from tests.helpers import counting_statements, create_all, finding_input
from tests.identity import Api, add_user, error_code, token_for

STATISTICS = """query($c: String!, $y: Int!) { yearStatistics(tenantCode: $c, year: $y) { regionName offices rounds { key count }
    problems { total closed completionRate } byCategory { key name total } byClass { key count } quantities { kind planned achieved }
    measures { key count } evaluations grades { key count } bulletins clues { key count } } }"""
LOG = """mutation($c: String!, $i: FindingInput!) { logFinding(tenantCode: $c, input: $i) { id ledger { version } } }"""


async def log(api: Api, token: str, code: str, **change) -> dict:
    return (await api.call(LOG, token, c=code, i=finding_input(**change)))["data"]["logFinding"]


async def test_a_city_counts_its_year_with_its_counties_and_nothing_else(runtime):
    await create_all(runtime, "430000", "431300", "431321", "431322", "440000")
    people = {
        "city": ("431300", "admin", None),
        "province": ("430000", "reviewer", None),
        "county": ("431321", "admin", None),
        "liaison": ("431300", "liaison", 1),
        **{code: (code, "inspector", None) for code in ("431300", "431321", "431322", "440000")},
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, f"ys.{who}", grant)) for who, grant in people.items()}
    for code in ("431300", "431321", "431322", "440000"):
        unit = await add_unit(runtime, code, "财政局", f"UNIT{code}")
        await add_round(runtime, code, [unit], starts_on=date(2026, 3, 1))
    await add_round(runtime, "431322", [1], name="上年轮次", starts_on=date(2025, 9, 1))
    async with Api(runtime) as api:
        await log(api, tokens["431321"], "431321", fixedOnSpot=True, closeNote="当场清退")
        await log(api, tokens["431321"], "431321", taxonomyCode="C04.K02.M02", rectificationClass="LONG_TERM")
        await log(api, tokens["431322"], "431322", foundOn="2026-05-01")
        await log(api, tokens["431322"], "431322", roundId="2", foundOn="2025-10-01", deadline="2025-12-31")
        await log(api, tokens["440000"], "440000")
        async with runtime.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO t431321.evaluation (kind, name, year, system_id, state, created_by) VALUES ('三评合一', '评估', 2026,"
                    " (SELECT id FROM evaluation.indicator_system WHERE owner_code IS NULL), '已反馈', 'test')"
                )
            )
            await connection.execute(
                text("INSERT INTO t431321.evaluation_unit (evaluation_id, unit_id, total, grade) VALUES (1, 1, 91, '优秀')")
            )
        with counting_statements(runtime.engine) as for_city:
            city = (await api.call(STATISTICS, tokens["city"], c="431300", y=2026))["data"]["yearStatistics"]
        with counting_statements(runtime.engine) as for_province:
            province = (await api.call(STATISTICS, tokens["province"], c="430000", y=2026))["data"]["yearStatistics"]
        last_year = (await api.call(STATISTICS, tokens["city"], c="431300", y=2025))["data"]["yearStatistics"]
        refused = [
            error_code(await api.call(STATISTICS, tokens["county"], c="431300", y=2026)),  # a county does not read up
            error_code(await api.call(STATISTICS, tokens["liaison"], c="431300", y=2026)),
            error_code(await api.call(STATISTICS, tokens["city"], c="431300", y=26)),
        ]
        headers = {"Authorization": f"Bearer {tokens['city']}"}
        xlsx = await api.client.get("/exports/431300/statistics.xlsx?year=2026", headers=headers)
        docx = await api.client.get("/exports/431300/statistics.docx?year=2026", headers=headers)
        no_year = await api.client.get("/exports/431300/statistics.xlsx", headers=headers)
    assert (city["regionName"], city["offices"]) == ("娄底市", 3)
    assert city["rounds"] == [{"key": "巡察", "count": 3}]  # the city's and its two counties' of 2026; not 2025's
    assert city["problems"] == {"total": 3, "closed": 1, "completionRate": 0.3333}
    assert [(c["key"], c["total"]) for c in city["byCategory"]] == [("C03", 2), ("C04", 1)]
    assert city["byClass"] == [{"key": "立行立改", "count": 1}, {"key": "长期整改", "count": 1}, {"key": "限期整改", "count": 1}]
    assert city["evaluations"] == 1 and city["grades"] == [{"key": "优秀", "count": 1}]
    assert (city["bulletins"], city["clues"], city["measures"]) == (0, [], [])
    assert province["problems"]["total"] == 3 and province["offices"] == 4  # 广东 is another province
    assert last_year["problems"] == {"total": 1, "closed": 0, "completionRate": 0.0}
    assert last_year["rounds"] == [{"key": "巡察", "count": 1}]
    assert len(for_city) == len(for_province)
    assert refused == ["NOT_FOUND", "FORBIDDEN", "INVALID_DATE"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "娄底市2026年度机构编制监督检查工作统计"
    assert ("发现问题", "合计", 3) in [row[:3] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert "检查轮次" in "\n".join(p.text for p in DocxFile(io.BytesIO(docx.content)).paragraphs)
    assert no_year.json()["errors"][0]["extensions"]["code"] == "INVALID_DATE"
