"""What users type reaches exports as text: a cell that starts like a formula is not one (issue 19:
formula injection through the rectification plan or an import)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from backend.findings.excel import FORMULA_STARTS, ExportColumn, table_workbook
from tests.factories import seed_round
from tests.helpers import create_all
from tests.identity import Api, add_user, token_for

HOSTILE = ['=HYPERLINK("http://evil.example","点击")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
LOG = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) { id ledger { version } } }"""
PLAN = """mutation($f: ID!, $v: Int!, $m: String!, $p: String!) { updateRectificationPlan(tenantCode: "431321", findingId: $f,
    version: $v, input: {measures: $m, responsiblePerson: $p}) { ledger { version } } }"""


def formulas(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_a_table_writes_every_formula_like_value_as_quoted_text():
    columns = (ExportColumn("甲", 10), ExportColumn("乙", 10), ExportColumn("丙", 10))
    content = table_workbook("表", columns, "标题", "副标题", [(value, "正常文字", 3) for value in HOSTILE])
    sheet = load_workbook(io.BytesIO(content)).active
    written = [row[0] for row in sheet.iter_rows(min_row=4)]
    # the text as typed (a bare CR reads back as LF when openpyxl parses without lxml)
    assert [cell.value.replace("\r", "\n") for cell in written] == [value.replace("\r", "\n") for value in HOSTILE]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in written)
    assert not formulas(content)
    assert all(value.startswith(FORMULA_STARTS) for value in HOSTILE)


async def test_a_liaisons_plan_reaches_the_ledger_export_as_text(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    inspector = await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))
    liaison = await token_for(runtime, await add_user(runtime, "sf.liaison", ("431321", "liaison", 1)))
    finding = {
        "roundId": "1",
        "unitId": "1",
        "taxonomyCode": "C03.K01.M01",
        "description": "=cmd|' /C calc'!A0",
        "severity": "ORDINARY",
        "foundOn": "2026-09-10",
        "deadline": "2026-12-31",
    }
    async with Api(runtime) as api:
        logged = (await api.call(LOG, inspector, i=finding))["data"]["logFinding"]
        planned = await api.call(PLAN, liaison, f=logged["id"], v=1, m=HOSTILE[0], p="@SUM(A1)")
        assert "errors" not in planned, planned
        export = await api.client.get("/exports/431321/ledger.xlsx", headers={"Authorization": f"Bearer {inspector}"})
    assert export.status_code == 200
    assert not formulas(export.content)
    row = [cell.value for cell in next(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=4))]
    assert "=cmd|' /C calc'!A0" in row and HOSTILE[0] in row and "@SUM(A1)" in row
