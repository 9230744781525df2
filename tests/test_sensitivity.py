"""Sensitivity markings (issue 19 item 15): nothing marked 内部 or 敏感 leaves by e-mail or webhook
with its text, markings are inherited (a draft's by its finding; a case never below its
findings), setting one is audited and refused outside the office, exports and printed
documents show it in the deployment's names."""

from __future__ import annotations

import dataclasses
import io

from openpyxl import load_workbook
from sqlalchemy import text

from bench.common import free_port
from tests.helpers import INBOX, LOG_OVERSTAFFING, drain
from tests.identity import Api, add_user, error_code, token_for
from tests.sinks import SmtpSink, WebhookSink

MARK = """mutation($c: String!, $k: MarkedKind!, $i: String!, $s: Sensitivity!) {
    markSensitivity(tenantCode: $c, kind: $k, id: $i, sensitivity: $s) }"""
GENERIC = "有新的待办，请登录系统查看"
BANK = '{ problems(regionCode: "431321") { items { findingCode sensitivity } } }'
SECRET = "SEC0123456789abcdef"


async def test_only_what_is_marked_public_leaves_with_its_text(county_office):
    runtime, tokens = county_office
    port = free_port()
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, smtp_url=f"smtp://127.0.0.1:{port}"))
    public = LOG_OVERSTAFFING.replace('deadline: "2026-12-31"', 'deadline: "2026-12-31", sensitivity: PUBLIC, code: "GK-1"')
    internal = LOG_OVERSTAFFING.replace('deadline: "2026-12-31"', 'deadline: "2026-12-31", code: "NB-1"')
    raised = LOG_OVERSTAFFING.replace('deadline: "2026-12-31"', 'deadline: "2026-12-31", sensitivity: PUBLIC, code: "MG-1"')
    with SmtpSink(port) as smtp:
        async with WebhookSink(SECRET) as robot, Api(runtime) as api:
            await api.call("mutation($e: String!) { setNotificationEmail(email: $e) }", tokens["liaison"], e="caizhengju@shuangfeng.gov.cn")
            await api.call(
                'mutation($u: String!, $s: String!) { addWebhook(tenantCode: "431321", url: $u, secret: $s) }',
                tokens["admin"],
                u=robot.url,
                s=SECRET,
            )
            for document in (public, internal):
                await api.call(document, tokens["inspector"])
            marked_later = (await api.call(raised, tokens["inspector"]))["data"]["logFinding"]["id"]
            # raised to 敏感 after the event, before anything was sent: the marking at sending holds
            before = (await api.call(MARK, tokens["inspector"], c="431321", k="FINDING", i=marked_later, s="SENSITIVE"))["data"]
            await drain(runtime)
            inbox = (await api.call(INBOX, tokens["liaison"]))["data"]["notifications"]["items"]
    assert before == {"markSensitivity": "PUBLIC"}
    assert sorted(m["Subject"] for m in smtp.messages) == sorted(["问题 GK-1 已登记，请按期整改", GENERIC, GENERIC])
    assert sorted(m["markdown"]["title"] for m in robot.received) == sorted(["问题 GK-1 已登记，请按期整改", GENERIC, GENERIC])
    hooks = [str(m) for m in robot.received]
    assert sum("超过核定编制" in m for m in hooks) == 1 and not [m for m in hooks if "NB-1" in m or "MG-1" in m]  # the 公开 one only
    # inside the system, the inbox has every notice whole
    assert sorted(item["title"] for item in inbox) == sorted(f"问题 {code} 已登记，请按期整改" for code in ("GK-1", "NB-1", "MG-1"))


async def test_marking_is_audited_kept_to_the_office_and_a_case_never_below_its_findings(county_office):
    runtime, tokens = county_office
    tokens["province_admin"] = await token_for(runtime, await add_user(runtime, "hunan.admin", ("430000", "admin", None)))
    open_case = """mutation($i: CaseInput!) { openAccountabilityCase(tenantCode: "430000", input: $i) { id sensitivity } }"""
    async with Api(runtime) as api:
        finding = (await api.call(LOG_OVERSTAFFING, tokens["inspector"]))["data"]["logFinding"]["id"]
        case_input = {
            "title": "双峰县超编问责",
            "facts": "超编",
            "subject": {"tenantCode": "431321", "unitId": "1"},
            "findings": [{"tenantCode": "431321", "findingId": finding}],
        }
        async with runtime.engine.connect() as connection:
            audit_before = (await connection.execute(text("SELECT count(*) FROM t431321.audit_event"))).scalar_one()
        refused = [
            error_code(await api.call(open_case, tokens["province_admin"], i={**case_input, "sensitivity": "PUBLIC"})),
            error_code(await api.call(MARK, tokens["liaison"], c="431321", k="FINDING", i=finding, s="PUBLIC")),
            error_code(await api.call(MARK, tokens["city_admin"], c="431321", k="FINDING", i=finding, s="PUBLIC")),
            error_code(await api.call(MARK, tokens["inspector"], c="431321", k="FINDING", i="999", s="PUBLIC")),
            error_code(await api.call(MARK, tokens["inspector"], c="431321", k="EVIDENCE", i="not-a-sha", s="PUBLIC")),
            error_code(await api.call(MARK, tokens["inspector"], c="431321", k="FINDING", i=finding, s="SECRET")),
        ]
        async with runtime.engine.connect() as connection:
            unchanged = (await connection.execute(text("SELECT count(*) FROM t431321.audit_event"))).scalar_one() == audit_before
            cases_before = (await connection.execute(text("SELECT count(*) FROM t430000.accountability_case"))).scalar_one()
        case = (await api.call(open_case, tokens["province_admin"], i=case_input))["data"]["openAccountabilityCase"]
        lowered = error_code(await api.call(MARK, tokens["province_admin"], c="430000", k="CASE", i=case["id"], s="PUBLIC"))
        to_internal = (await api.call(MARK, tokens["province_admin"], c="430000", k="CASE", i=case["id"], s="INTERNAL"))["data"]
        bank_before = (await api.call(BANK, tokens["admin"]))["data"]["problems"]["items"]
        made_public = (await api.call(MARK, tokens["inspector"], c="431321", k="FINDING", i=finding, s="PUBLIC"))["data"]
        bank_after = (await api.call(BANK, tokens["admin"]))["data"]["problems"]["items"]
        now_public = (await api.call(MARK, tokens["province_admin"], c="430000", k="CASE", i=case["id"], s="PUBLIC"))["data"]
    assert refused == ["BELOW_FINDINGS", "FORBIDDEN", "FORBIDDEN", "NOT_FOUND", "NOT_FOUND", "INVALID_INPUT"] and unchanged
    assert cases_before == 0 and case["sensitivity"] == "SENSITIVE"  # a case defaults to 敏感
    assert lowered == "BELOW_FINDINGS" and to_internal == {"markSensitivity": "SENSITIVE"}
    assert made_public == {"markSensitivity": "INTERNAL"} and now_public == {"markSensitivity": "INTERNAL"}
    assert [p["sensitivity"] for p in bank_before] == ["INTERNAL"] and [p["sensitivity"] for p in bank_after] == ["PUBLIC"]  # derived
    async with runtime.engine.connect() as connection:
        trail = (
            await connection.execute(text("SELECT actor, before, after FROM t431321.audit_event WHERE action = 'sensitivity.marked'"))
        ).all()
    assert [(row.actor, row.before, row.after) for row in trail] == [("sf.inspector", {"sensitivity": "内部"}, {"sensitivity": "公开"})]


async def test_exports_and_letters_show_the_marking_in_the_deployments_names(county_office):
    runtime, tokens = county_office
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, sensitivity_names=("可公开", "内部", "涉密")))
    letter = """mutation { issueDisciplineLetter(tenantCode: "431321", input: {kind: AD_HOC, unitId: "1", recipientName: "张三",
        recipientPost: "局长", subject: "关于超编的函告", body: "请于 30 日内整改。", sensitivity: SENSITIVE}) { id sensitivity } }"""
    async with Api(runtime) as api:
        await api.call(
            LOG_OVERSTAFFING.replace('deadline: "2026-12-31"', 'deadline: "2026-12-31", sensitivity: PUBLIC'), tokens["inspector"]
        )
        issued = (await api.call(letter, tokens["admin"]))["data"]["issueDisciplineLetter"]
        headers = {"Authorization": f"Bearer {tokens['admin']}"}
        export = await api.client.get("/exports/431321/ledger.xlsx", headers=headers)
        printed = await api.client.get(f"/letters/431321/{issued['id']}/print", headers=headers)
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[2][2] == "敏感程度" and rows[3][2] == "可公开"
    assert issued["sensitivity"] == "SENSITIVE" and '<div class="marking">涉密</div>' in printed.text
