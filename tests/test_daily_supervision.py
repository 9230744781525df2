"""日常监督 without a fake round: a finding from a daily-supervision channel (a 12310 report, an
审计 clue…) opens its ledger entry, reaches the bank and tells the unit's liaison at once, is
closed by the office like any other, and is told apart from a round's wherever findings are
listed, exported or counted. Every refusal changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from problem_bank.projection import verify
from tests.helpers import INBOX, act, drain, finding_input
from tests.identity import Api, error_code

LOG = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) {
    id roundId source sourceReference round { id } ledger { state version } } }"""
DAILY = {"roundId": None, "dailySource": "REPORT_12310", "sourceReference": "12310-2026-0815", "description": "借调下级单位人员 3 名"}
BANK = """query($s: [FindingSource!]) { problems(regionCode: "431300", filter: {sources: $s}) {
    items { findingCode source roundKind state } } }"""
BY_SOURCE = """query($f: ProblemFilterInput) { bankStatistics(regionCode: "431300", by: SOURCE, filter: $f) { key label total closed } }"""
LEDGER = """query($s: [FindingSource!]) { findings(tenantCode: "431321", filter: {sources: $s}) {
    totalCount items { code source round { name } } } }"""


async def state(runtime) -> tuple:
    """Everything a logFinding writes: findings, ledger entries, bank rows, outbox events, audit entries."""
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM t431321.finding), (SELECT count(*) FROM t431321.ledger_entry),"
                        " (SELECT count(*) FROM problem_bank.problem), (SELECT count(*) FROM notify.outbox),"
                        " (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_a_12310_report_goes_from_logging_to_close_out_without_a_round(ledger_office):
    runtime, t = ledger_office.runtime, ledger_office.tokens
    async with Api(runtime) as api:
        logged = (await api.call(LOG, t["inspector"], i=finding_input(**DAILY)))["data"]["logFinding"]
        await drain(runtime)
        told = (await api.call(INBOX, t["liaison"]))["data"]["notifications"]["items"]
        finding, version = logged["id"], logged["ledger"]["version"]
        for who, name, note in (("liaison", "reportProgress", "已召回借调人员"), ("liaison", "requestCloseOut", "整改完毕")):
            version = (await api.call(act(name), t[who], f=finding, v=version, n=note))["data"][name]["ledger"]["version"]
        closed = (await api.call(act("closeOut"), t["reviewer"], f=finding, v=version, n="核查属实"))["data"]["closeOut"]
        in_bank = (await api.call(BANK, t["city_reviewer"], s=["REPORT_12310"]))["data"]["problems"]["items"]
        of_rounds = (await api.call(BANK, t["city_reviewer"], s=["ROUND"]))["data"]["problems"]["items"]
    assert logged["roundId"] is None and logged["round"] is None
    assert (logged["source"], logged["sourceReference"], logged["ledger"]["state"]) == ("REPORT_12310", "12310-2026-0815", "REGISTERED")
    assert [item["eventType"] for item in told] == ["FINDING_LOGGED"]  # no 统一反馈 to wait for
    assert closed["ledger"]["state"] == "CLOSED"
    assert in_bank == [{"findingCode": f"WT{int(finding):06d}", "source": "REPORT_12310", "roundKind": None, "state": "CLOSED"}]
    assert of_rounds == []
    async with runtime.engine.connect() as connection:
        assert (await verify(connection, "431321")).in_step


async def test_the_ledger_lists_exports_and_the_bank_counts_daily_findings_by_source(ledger_office):
    runtime, t = ledger_office.runtime, ledger_office.tokens
    async with Api(runtime) as api:
        await api.call(LOG, t["inspector"], i=finding_input(code="SF-R1"))
        await api.call(
            LOG,
            t["inspector"],
            i=finding_input(code="SF-A1", roundId=None, dailySource="AUDIT_REFERRAL", sourceReference="审移〔2026〕3号"),
        )
        await api.call(LOG, t["inspector"], i=finding_input(code="SF-A2", roundId=None, dailySource="AUDIT_REFERRAL"))
        await api.call(LOG, t["inspector"], i=finding_input(code="SF-P1", roundId=None, dailySource="RECRUITMENT_REVIEW", unitId="2"))
        everything = (await api.call(LEDGER, t["inspector"], s=None))["data"]["findings"]
        audits = (await api.call(LEDGER, t["inspector"], s=["AUDIT_REFERRAL"]))["data"]["findings"]
        liaisons = (await api.call(LEDGER, t["liaison"], s=None))["data"]["findings"]
        by_source = (await api.call(BY_SOURCE, t["city_reviewer"], f=None))["data"]["bankStatistics"]
        of_a_category = (await api.call(BY_SOURCE, t["city_reviewer"], f={"taxonomyCode": "C03", "foundFrom": "2026-09-01"}))["data"]
        daily_only = (await api.call(BY_SOURCE, t["city_reviewer"], f={"sources": ["AUDIT_REFERRAL", "RECRUITMENT_REVIEW"]}))["data"]
        export = await api.client.get("/exports/431321/ledger.xlsx", headers={"Authorization": f"Bearer {t['inspector']}"})
    assert everything["totalCount"] == 4
    assert {item["code"]: (item["source"], item["round"]) for item in everything["items"]} == {
        "SF-R1": ("ROUND", {"name": "第十二轮"}),
        "SF-A1": ("AUDIT_REFERRAL", None),
        "SF-A2": ("AUDIT_REFERRAL", None),
        "SF-P1": ("RECRUITMENT_REVIEW", None),
    }
    assert audits["totalCount"] == 2 and {item["code"] for item in audits["items"]} == {"SF-A1", "SF-A2"}
    assert {item["code"] for item in liaisons["items"]} == {"SF-R1", "SF-A1", "SF-A2"}  # unit 1's, whatever their source
    assert [(row["key"], row["label"], row["total"]) for row in by_source] == [
        ("审计移送线索", "审计移送线索", 2),
        ("巡察检查", "巡视巡察、专项检查等轮次", 1),
        ("进人审核", "进人审核", 1),
    ]
    assert of_a_category["bankStatistics"] == by_source  # all four are 超编 (C03), found in September
    assert [row["total"] for row in daily_only["bankStatistics"]] == [2, 1]
    assert export.status_code == 200, export.text
    sheet = load_workbook(io.BytesIO(export.content)).active
    rounds = {row[1]: row[4] for row in sheet.iter_rows(min_row=4, values_only=True)}  # 序号, 问题编号, 敏感程度, 被检查单位, 轮次或来源
    assert rounds == {"SF-R1": "第十二轮", "SF-A1": "审计移送线索", "SF-A2": "审计移送线索", "SF-P1": "进人审核"}


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"roundId": None}, "SOURCE_REQUIRED", "roundId"),
        ({"dailySource": "REAL_NAME_REVIEW"}, "SOURCE_CONFLICT", "dailySource"),
        ({"sourceReference": "12310-2026-0815"}, "SOURCE_CONFLICT", "sourceReference"),
        ({"roundId": None, "dailySource": "ROUND"}, "INVALID_SOURCE", "dailySource"),
        ({"roundId": None, "dailySource": "上访"}, "INVALID_INPUT", "dailySource"),
        ({"roundId": None, "dailySource": "REPORT_12310", "sourceReference": "号" * 65}, "INVALID_NAME", "sourceReference"),
        ({"roundId": None, "dailySource": "REPORT_12310", "unitId": "9"}, "NOT_FOUND", "unitId"),
        ({"roundId": None, "dailySource": "REPORT_12310", "deadline": None}, "INVALID_DEADLINE", "deadline"),
    ],
)
async def test_a_finding_without_exactly_one_source_is_refused_and_changes_nothing(ledger_office, change, code, field):
    runtime = ledger_office.runtime
    before = await state(runtime)
    async with Api(runtime) as api:
        refused = await api.call(LOG, ledger_office.tokens["inspector"], i=finding_input(**change))
    assert (error_code(refused), refused["errors"][0]["extensions"].get("field")) == (code, field)
    assert await state(runtime) == before
