"""整改情况报告: the unit reports on every problem it was given, with evidence it uploaded, and the
主要负责人组织落实情况报告; a reviewer returns it or judges every item."""

from __future__ import annotations

from sqlalchemy import text

from tests.factories import fed_back_round
from tests.helpers import PDF
from tests.identity import Api, error_code

REPORT_FIELDS = "id unitId state version submittedAt items { findingId progress evidence verdict verdictNote }"
SAVE = f"""mutation($r: ID!, $i: [ReportItemInput!]!, $v: Int, $s: String! = "已按整改方案逐项整改") {{
    saveRectificationReport(tenantCode: "431321", roundId: $r, unitId: "1", summary: $s,
    leaderReport: "本人牵头成立整改工作领导小组，逐项督促落实", items: $i, version: $v) {{ {REPORT_FIELDS} }} }}"""
SUBMIT = f"""mutation($p: ID!, $v: Int!) {{ submitRectificationReport(tenantCode: "431321", id: $p, version: $v) {{ {REPORT_FIELDS} }} }}"""
REVIEW = f"""mutation($p: ID!, $v: Int!, $j: [VerdictInput!]!) {{ reviewRectificationReport(tenantCode: "431321", id: $p, version: $v,
    verdicts: $j) {{ {REPORT_FIELDS} }} }}"""
RETURN = f"""mutation($p: ID!, $v: Int!, $n: String!) {{ returnRectificationReport(tenantCode: "431321", id: $p, version: $v, note: $n) {{
    {REPORT_FIELDS} }} }}"""
REPORTS = f"""query($r: ID!) {{ rectificationReports(tenantCode: "431321", roundId: $r) {{ {REPORT_FIELDS} }} }}"""
FINDINGS = """{ findings(tenantCode: "431321", order: FOUND_ON) { items { id round { id } } } }"""


def item(finding: str, progress: str = "DONE", evidence: tuple[str, ...] = (), account: str = "已通过公开招录以外途径消化 1 名") -> dict:
    return {"findingId": finding, "progress": progress, "account": account, "evidence": list(evidence)}


async def reports_state(runtime) -> tuple:
    async with runtime.engine.connect() as connection:
        return tuple(
            (
                await connection.execute(
                    text(
                        "SELECT (SELECT json_agg(r ORDER BY id)::text FROM t431321.rectification_report r),"
                        " (SELECT json_agg(i ORDER BY id)::text FROM t431321.rectification_report_item i),"
                        " (SELECT count(*) FROM t431321.audit_event)"
                    )
                )
            ).one()
        )


async def test_a_units_report_covers_every_problem_and_is_returned_or_judged_item_by_item(ledger_office):
    runtime, tokens = ledger_office.runtime, ledger_office.tokens
    liaison, reviewer = tokens["liaison"], tokens["reviewer"]
    round_id = str(await fed_back_round(runtime, "431321", ["实有人数超过核定编制 2 名", "超职数配备副局长 1 名"]))
    async with Api(runtime) as api:
        first, second = sorted(
            (f["id"] for f in (await api.call(FINDINGS, reviewer))["data"]["findings"]["items"] if f["round"]["id"] == round_id), key=int
        )
        own_file = (await ledger_office.upload(api, "liaison", PDF, "消化计划.pdf")).json()["sha256"]
        office_file = (await ledger_office.upload(api, "inspector", PDF + b"office", "检查组材料.pdf")).json()["sha256"]

        saved = (await api.call(SAVE, liaison, r=round_id, i=[item(first, evidence=(own_file,))]))["data"]["saveRectificationReport"]
        report = saved["id"]
        before = await reports_state(runtime)
        refusals = [
            error_code(await api.call(SUBMIT, liaison, p=report, v=1)),  # the second problem is not reported on
            error_code(await api.call(SAVE, liaison, r=round_id, i=[item(first, evidence=("ab" * 32,))], v=1)),
            error_code(await api.call(SAVE, liaison, r=round_id, i=[item(first, evidence=(office_file,))], v=1)),  # not its own upload
            error_code(await api.call(SAVE, liaison, r=round_id, i=[item(first, account="")], v=1)),
            error_code(await api.call(SAVE, liaison, r=round_id, i=[item(first)], v=1, s=" ")),
            error_code(await api.call(SAVE, tokens["other_liaison"], r=round_id, i=[item(first)], v=1)),
            error_code(await api.call(SAVE, liaison, r="1", i=[item(first)])),  # round 1 gave no feedback
            error_code(await api.call(REVIEW, reviewer, p=report, v=1, j=[{"findingId": first, "verdict": "ACCEPTED"}])),
        ]
        assert await reports_state(runtime) == before

        both = [item(first, evidence=(own_file,)), item(second, "UNDER_WAY", account="已启动职数清理程序")]
        await api.call(SAVE, liaison, r=round_id, i=both, v=1)
        submitted = (await api.call(SUBMIT, liaison, p=report, v=2))["data"]["submitRectificationReport"]
        accepted_first = {"findingId": first, "verdict": "ACCEPTED"}
        review_refusals = [
            error_code(await api.call(REVIEW, reviewer, p=report, v=3, j=[accepted_first])),  # the second item is not judged
            error_code(
                await api.call(REVIEW, reviewer, p=report, v=3, j=[accepted_first, {"findingId": second, "verdict": "NOT_ACCEPTED"}])
            ),
            error_code(await api.call(REVIEW, liaison, p=report, v=3, j=[accepted_first])),
            error_code(await api.call(RETURN, reviewer, p=report, v=3, n=" ")),
        ]
        returned = (await api.call(RETURN, reviewer, p=report, v=3, n="超职数问题的整改时限不明确"))["data"]["returnRectificationReport"]
        await api.call(SAVE, liaison, r=round_id, i=both, v=4)
        resubmitted = (await api.call(SUBMIT, liaison, p=report, v=5))["data"]["submitRectificationReport"]
        reviewed = (
            await api.call(
                REVIEW,
                reviewer,
                p=report,
                v=6,
                j=[accepted_first, {"findingId": second, "verdict": "NOT_ACCEPTED", "note": "仍超职数 1 名，继续整改"}],
            )
        )["data"]["reviewRectificationReport"]
        seen = {
            who: (await api.call(REPORTS, tokens[who], r=round_id))["data"]["rectificationReports"] for who in ("liaison", "other_liaison")
        }

    assert saved["state"] == "DRAFTING" and saved["items"][0]["evidence"] == [own_file]
    assert refusals == [
        "REPORT_INCOMPLETE",
        "NOT_FOUND",
        "NOT_FOUND",
        "INVALID_TEXT",
        "INVALID_TEXT",
        "NOT_FOUND",
        "NOT_FED_BACK",
        "INVALID_TRANSITION",
    ]
    assert review_refusals == ["REVIEW_INCOMPLETE", "INVALID_TEXT", "FORBIDDEN", "INVALID_TEXT"]
    assert returned["state"] == "RETURNED"
    assert resubmitted["submittedAt"] == submitted["submittedAt"]  # when it first came in
    assert reviewed["state"] == "REVIEWED" and reviewed["version"] == 7
    assert [(i["findingId"], i["progress"], i["verdict"], i["verdictNote"]) for i in reviewed["items"]] == [
        (first, "DONE", "ACCEPTED", None),
        (second, "UNDER_WAY", "NOT_ACCEPTED", "仍超职数 1 名，继续整改"),
    ]
    assert seen["liaison"] == [reviewed] and seen["other_liaison"] == []
