"""The problem bank's projection: written in the same transaction as the finding or ledger
change, gone with it when that rolls back, and checked against the ledgers by `bank verify`."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import text

from backend.findings.service import check_finding, insert_finding
from problem_bank.projection import verify
from tests.helpers import create_all
from tenants.scoping import tenant_engine
from tests.identity import Api, add_user, error_code, token_for

LOG = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) { id ledger { version } } }"""
PROGRESS = """mutation($f: ID!, $v: Int!) { reportProgress(tenantCode: "431321", findingId: $f, version: $v, note: "已整改") { id } }"""


def finding(**change) -> dict:
    return {"roundId": "1", "unitId": "1", "taxonomyCode": "C03.K01.M01", "description": "实有人数超过核定编制 2 名",
            "severity": "较重", "foundOn": "2026-09-10", "deadline": "2026-12-31", **change}


@pytest.fixture
async def county(runtime, tmp_path):
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321", "431322")
    for code in ("431321", "431322"):
        async with runtime.engine.begin() as connection:
            await connection.execute(text(f"INSERT INTO t{code}.inspected_unit (credit_code, name, unit_type) VALUES ('UNIT00000001', '财政局', '政府机关')"))
            await connection.execute(text(f"INSERT INTO t{code}.inspection_round (kind, name, starts_on) VALUES ('巡察', '第一轮', '2026-09-01')"))
            await connection.execute(text(f"INSERT INTO t{code}.round_unit VALUES (1, 1)"))
    token = await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))
    return runtime, token


async def bank_rows(runtime) -> list[tuple]:
    async with runtime.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(text(
            "SELECT tenant_code, finding_id, province_code, city_code, unit_name, round_kind, taxonomy_code, state, deadline"
            " FROM problem_bank.problem ORDER BY tenant_code, finding_id"))]


async def drift(runtime, code: str = "431321"):
    async with runtime.engine.connect() as connection:
        return await verify(connection, code)


async def test_findings_and_ledger_changes_are_projected_in_the_same_transaction(county):
    runtime, token = county
    async with Api(runtime) as api:
        logged = (await api.call(LOG, token, i=finding(code="SF-1")))["data"]["logFinding"]
        rows = await bank_rows(runtime)
        assert [r[:8] for r in rows] == [("431321", int(logged["id"]), "430000", "431300", "财政局", "巡察", "C03.K01.M01", "挂号")]
        await api.call(PROGRESS, token, f=logged["id"], v=logged["ledger"]["version"])
        assert [r[7] for r in await bank_rows(runtime)] == ["整改中"]
        assert error_code(await api.call(LOG, token, i=finding(code="SF-1"))) == "DUPLICATE"
        await api.call('mutation { updateUnit(tenantCode: "431321", id: "1", version: 1, input: {creditCode: "UNIT00000001", '
                       'name: "县财政局", unitType: "政府机关"}) { version } }', token)
    assert [r[4] for r in await bank_rows(runtime)] == ["县财政局"]
    assert (await drift(runtime)).in_step


async def test_a_rolled_back_finding_leaves_no_bank_row(county):
    runtime, _ = county
    taxonomy = await runtime.taxonomy()
    data = check_finding(round_id=1, unit_id=1, taxonomy_code="C03.K01.M01", description="超编", evidence_sources=[],
                         severity="一般", fixed_on_spot=False, found_on=date(2026, 9, 10), deadline=date(2026, 12, 31),
                         responsible_person=None, measures=None, close_note=None, today=date(2026, 11, 1), taxonomy=taxonomy)
    with pytest.raises(RuntimeError):
        async with tenant_engine(runtime.engine, "431321").begin() as connection:
            await insert_finding(connection, "431321", data, "sf.inspector", None)
            assert len(await bank_rows_in(connection)) == 1  # projected inside the transaction
            raise RuntimeError("the rest of the change failed")
    assert await bank_rows(runtime) == []
    assert (await drift(runtime)).in_step


async def bank_rows_in(connection) -> list:
    return (await connection.execute(text("SELECT finding_id FROM problem_bank.problem"))).all()


async def test_bank_verify_reports_missing_stale_and_orphaned_rows(county):
    runtime, token = county
    async with Api(runtime) as api:
        ids = [int((await api.call(LOG, token, i=finding()))["data"]["logFinding"]["id"]) for _ in range(3)]
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE problem_bank.problem SET state = '已销号' WHERE finding_id = :f"), {"f": ids[0]})
        await connection.execute(text("DELETE FROM problem_bank.problem WHERE finding_id = :f"), {"f": ids[1]})
        await connection.execute(text(
            "INSERT INTO problem_bank.problem SELECT tenant_code, 999, province_code, city_code, tenant_level, 'X', unit_id, unit_name,"
            " unit_type, round_id, round_kind, taxonomy_code, taxonomy_version, severity, fixed_on_spot, state, deadline, closed_at,"
            " found_on, description FROM problem_bank.problem WHERE finding_id = :f"), {"f": ids[2]})
    report = await drift(runtime)
    assert (report.findings, report.missing_or_stale, report.orphaned) == (3, ids[:2], [999])
    assert (await drift(runtime, "431322")).in_step


async def test_the_bank_verify_command_exits_non_zero_on_drift(county):
    from tests.test_cli import xuncha

    runtime, token = county
    async with Api(runtime) as api:
        await api.call(LOG, token, i=finding())
    clean = xuncha(runtime, "bank", "verify")
    assert clean.returncode == 0 and "问题库与台账一致" in clean.stdout, clean.stderr
    async with runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE problem_bank.problem SET deadline = deadline + 1"))
    drifting = xuncha(runtime, "bank", "verify", "--tenant", "431321")
    assert drifting.returncode == 1 and "[431321] 缺失或过时的问题：1" in drifting.stderr
