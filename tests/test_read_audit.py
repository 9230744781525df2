"""Reads of sensitive objects leave a trace (issue 19 item 16): an accountability case read or
listed, an export, an evidence file, a bulletin's real names — who, what, when and from where,
in the owning office's own chained audit trail, listed by its admin and auditors only."""

from __future__ import annotations

from sqlalchemy import text

from backend.audit.service import verify_chain
from tests.factories import add_unit
from tests.helpers import create_all
from tests.identity import Api, add_user, error_code, token_for

OPEN_CASE = """mutation($i: CaseInput!) { openAccountabilityCase(tenantCode: "430000", input: $i) { id } }"""
ONE = """query($i: ID!) { accountabilityCase(tenantCode: "430000", id: $i) { title } }"""
LIST = """{ accountabilityCases(tenantCode: "430000") { items { id } } }"""
TRAIL = """query($c: String!, $r: Boolean!, $a: String) { auditTrail(tenantCode: $c, readsOnly: $r, actor: $a, first: 10) {
    items { seq actor action entity entityId address readIds changes } } }"""


async def test_sensitive_reads_are_traced_in_the_owners_chain_for_its_admin_and_auditors(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    unit = await add_unit(runtime, "431321", "双峰县财政局", "UNIT431321")
    people = {
        "admin": ("430000", "admin", None),
        "auditor": ("430000", "auditor", None),
        "inspector": ("430000", "inspector", None),
        "city_admin": ("431300", "admin", None),
    }
    tokens = {who: await token_for(runtime, await add_user(runtime, who, grant)) for who, grant in people.items()}
    subject = {"tenantCode": "431321", "unitId": str(unit), "leaderName": "张三", "leaderPost": "局长", "leaderRank": "正科级"}
    async with Api(runtime) as api:
        cases = [
            (await api.call(OPEN_CASE, tokens["admin"], i={"title": f"问责{n}", "facts": "超编", "subject": subject}))["data"][
                "openAccountabilityCase"
            ]["id"]
            for n in (1, 2)
        ]
        await api.call(ONE, tokens["inspector"], i=cases[0])
        await api.call(LIST, tokens["inspector"])
        export = await api.client.get("/exports/430000/accountability.xlsx", headers={"Authorization": f"Bearer {tokens['admin']}"})
        refused = [error_code(await api.call(ONE, tokens["city_admin"], i=cases[0]))]  # nothing read, nothing traced
        reads = (await api.call(TRAIL, tokens["auditor"], c="430000", r=True))["data"]["auditTrail"]["items"]
        by_admin = (await api.call(TRAIL, tokens["admin"], c="430000", r=False, a="admin"))["data"]["auditTrail"]["items"]
        refused += [
            error_code(await api.call(TRAIL, tokens["inspector"], c="430000", r=True)),
            error_code(await api.call(TRAIL, tokens["city_admin"], c="430000", r=True)),
            error_code(await api.call(TRAIL, tokens["admin"], c="431321", r=True)),  # an office below: its own admin and auditors only
        ]
    assert export.status_code == 200
    assert [(r["actor"], r["action"], r["entityId"], r["readIds"]) for r in reads] == [
        ("admin", "read.export", "accountability.xlsx", ["accountability.xlsx"]),
        ("inspector", "read.accountability_case", "2项", [cases[1], cases[0]]),  # one entry for the page, naming each case
        ("inspector", "read.accountability_case", cases[0], [cases[0]]),
    ]
    assert all(r["address"] for r in reads) and all(r["changes"] is None for r in reads)
    # the changes are there too, newest first; the mutations' answers were not counted as reads
    assert [r["action"] for r in by_admin] == ["read.export", "case.opened", "case.opened"]
    assert '"title": "问责1"' in by_admin[-1]["changes"].replace('":"', '": "')
    assert refused == ["NOT_FOUND", "FORBIDDEN", "NOT_FOUND", "FORBIDDEN"]
    report = await verify_chain(runtime.engine, "430000")
    assert report.intact and report.entries == 5  # the reads are links of the chain
    async with runtime.engine.connect() as connection:
        elsewhere = (await connection.execute(text("SELECT count(*) FROM t431321.audit_event WHERE action LIKE 'read.%'"))).scalar_one()
    assert elsewhere == 0
