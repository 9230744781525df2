"""A division change applied to a live office (issue 22 item 7, tenants/recode.py): the office
keeps all its data under the new code, nothing names the old code any more but its history, and
what was given out under the old code still leads to it."""

from __future__ import annotations

from rich.progress import Progress
from sqlalchemy import text

from backend.demo import load_demo
from backend.demo.offices import DEMO_PASSWORD, load_demo_users
from problem_bank.projection import verify_snapshot
from tenants.errors import DomainError
from tenants.models import TenantStatus
from tenants.recode import merge, recode
from tests.factories import add_unit
from tests.helpers import create_all, database_state, registry_rows, xuncha
from tests.identity import Api, error_code

OLD, NEW = "431321", "431399"  # 双峰县 under 娄底市; 431399 is free in the register
LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
UNITS = "query($c: String!) { units(tenantCode: $c) { items { name } } }"

# Text columns of the shared schemas and the lineage, searched for a value equal to the old code.
_TEXT_COLUMNS = text(
    """SELECT n.nspname, c.relname, a.attname
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
      AND a.atttypid IN ('varchar'::regtype, 'text'::regtype)
      AND (n.nspname = ANY(:schemas) OR (n.nspname !~ '^(t|spare_)\\d{6}$' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'))
    ORDER BY 1, 2, 3"""
)
HISTORY = {"code_change", "audit_event"}  # what was, as it was: append-only


async def columns_naming(runtime, code: str, schemas: list[str]) -> list[str]:
    """Every text column (outside the history of codes) holding exactly `code` somewhere."""
    found = []
    async with runtime.engine.connect() as connection:
        for schema, table, column in (await connection.execute(_TEXT_COLUMNS, {"schemas": schemas})).all():
            if table in HISTORY:
                continue
            query = text(f'SELECT 1 FROM "{schema}"."{table}" WHERE "{column}" = :code LIMIT 1')
            if (await connection.execute(query, {"code": code})).first() is not None:
                found.append(f"{schema}.{table}.{column}")
    return found


async def scalar(runtime, sql: str, **parameters):
    async with runtime.engine.connect() as connection:
        return (await connection.execute(text(sql), parameters)).scalar()


async def test_a_recoded_office_keeps_everything_under_its_new_code(runtime):
    """The demo's 双峰县, with rounds, findings in the bank, a province's case about one of its
    units, members, organs and a 12310 report, recoded as 双峰市 431399."""
    await runtime.upgrade_all()
    await load_demo(runtime, Progress(disable=True))
    await load_demo_users(runtime)
    schemas = ["t430000", "t431300", f"t{OLD}"]
    assert await columns_naming(runtime, OLD, schemas)  # the scan sees the old code before
    findings = await scalar(runtime, f"SELECT count(*) FROM t{OLD}.finding")
    problems = await scalar(runtime, "SELECT count(*) FROM problem_bank.problem WHERE tenant_code = :c", c=OLD)
    members = await scalar(runtime, "SELECT count(*) FROM identity.membership WHERE tenant_code = :c", c=OLD)
    assert findings and problems and members

    done = await recode(runtime.engine, OLD, NEW, "双峰市", actor="test", now=runtime.clock.now())

    assert (done.old_name, done.new_name) == ("双峰县", "双峰市") and done.rows > problems
    assert await columns_naming(runtime, OLD, ["t430000", "t431300", f"t{NEW}"]) == []
    assert await scalar(runtime, "SELECT count(*) FROM pg_namespace WHERE nspname = :s", s=f"t{OLD}") == 0
    assert await scalar(runtime, f"SELECT count(*) FROM t{NEW}.finding") == findings
    assert await scalar(runtime, "SELECT count(*) FROM problem_bank.problem WHERE tenant_code = :c", c=NEW) == problems
    assert await scalar(runtime, "SELECT count(*) FROM identity.membership WHERE tenant_code = :c", c=NEW) == members
    drifts = [await verify_snapshot(runtime.engine, code) for code in (NEW, "431300")]
    assert all(drift.in_step for drift in drifts) and drifts[0].findings == problems
    office = ("SELECT status, parent_code, city_code FROM tenancy.tenant WHERE code = :c", {"c": NEW})
    async with runtime.engine.connect() as connection:
        assert tuple((await connection.execute(text(office[0]), office[1])).one()) == (TenantStatus.ACTIVE.value, "431300", "431300")
        organ = (
            await connection.execute(
                text("SELECT short_name, document_code FROM tenancy.organ WHERE tenant_code = :c AND kind = '编办'"), {"c": NEW}
            )
        ).one()
        history = (
            await connection.execute(text("SELECT old_name, new_code, change FROM tenancy.code_change WHERE old_code = :c"), {"c": OLD})
        ).one()
    assert tuple(organ) == ("双峰市委编办", "双编办") and tuple(history) == ("双峰县", NEW, "recode")

    async with Api(runtime) as api:
        token = (await api.call(LOGIN, u="shuangfeng.admin", p=DEMO_PASSWORD))["data"]["login"]["accessToken"]
        assert (await api.call(UNITS, token, c=NEW))["data"]["units"]["items"]
        refused = await api.call(UNITS, token, c=OLD)
        assert error_code(refused) == "TENANT_RECODED" and NEW in refused["errors"][0]["message"]


async def test_a_reporters_query_code_given_before_the_recode_still_finds_the_report(runtime):
    await create_all(runtime, "430000", "431300", OLD)
    async with Api(runtime) as api:
        response = await api.client.post(f"/report/{OLD}", json={"reportedUnit": "双峰县财政局", "content": "该局超编进人 3 名。"})
        assert response.status_code == 201, response.text
        code = response.json()["queryCode"]
        await recode(runtime.engine, OLD, NEW, "双峰市", actor="test", now=runtime.clock.now())
        status = await api.call("query($q: String!) { report12310Status(code: $q) { state } }", q=code)
    assert status["data"]["report12310Status"]["state"] == "RECEIVED", status


async def test_a_recode_that_cannot_be_applied_is_refused_and_changes_nothing(runtime):
    await create_all(runtime, "430000", "431300", OLD, "431322", "440000")
    await add_unit(runtime, OLD, "财政局", "UNIT431321")
    before = await database_state(runtime)
    refusals = [
        ("430000", "43000X", None, "INVALID_CODE"),
        ("430000", "440000", None, "PROVINCE_CODE"),
        ("431300", "431400", "娄底", "HAS_CHILDREN"),
        (OLD, "431400", None, "WRONG_LEVEL"),
        (OLD, "430199", "某县", "CHANGES_PARENT"),
        (OLD, "431322", None, "DUPLICATE"),
        (OLD, "431399", None, "NAME_REQUIRED"),  # not in the register: a name is needed
        ("431323", "431399", "某县", "NOT_FOUND"),
    ]
    for old, new, name, code in refusals:
        try:
            await recode(runtime.engine, old, new, name, actor="test", now=runtime.clock.now())
        except DomainError as error:
            assert error.code == code, (old, new, error)
        else:
            raise AssertionError(f"{old} → {new} was applied")
    assert await database_state(runtime) == before
    assert await scalar(runtime, "SELECT count(*) FROM tenancy.tenant WHERE status <> 'active'") == 0


async def test_the_command_line_recodes_as_the_register_says_and_merges_into_a_running_office(runtime):
    """宁乡县 430124 became 宁乡市 430182 (tenants/register/changes.csv); 长沙县 is merged, for the
    test, into 望城区."""
    for code, name in (("430000", None), ("430100", None), ("430124", "宁乡县"), ("430121", None), ("430112", None)):
        created = await xuncha(runtime, "tenants", "create", code, *(("--name", name) if name else ()))
        assert created.returncode == 0, created.stderr
    assert "recode 430124" in (await xuncha(runtime, "tenants", "divisions")).stdout

    recoded = await xuncha(runtime, "tenants", "recode", "430124")
    assert recoded.returncode == 0, recoded.stderr
    assert "430124 宁乡县 → 430182 宁乡市" in recoded.stdout
    assert ("430182", "宁乡市") in [row[:2] for row in await registry_rows(runtime)]
    assert await scalar(runtime, "SELECT count(*) FROM t430182.audit_event WHERE action = 'tenant.recoded'") == 1
    assert "430124" not in (await xuncha(runtime, "tenants", "divisions")).stdout

    merged = await xuncha(runtime, "tenants", "merge", "430121", "--into", "430112")
    assert merged.returncode == 0, merged.stderr
    assert await scalar(runtime, "SELECT status FROM tenancy.tenant WHERE code = '430121'") == TenantStatus.SUSPENDED.value
    assert await scalar(runtime, "SELECT new_code FROM tenancy.code_change WHERE old_code = '430121'") == "430112"
    refused = await xuncha(runtime, "tenants", "merge", "430112", "--into", "430199")
    assert refused.returncode == 1 and "尚未开通" in refused.stderr


async def test_merging_into_an_office_not_running_is_refused(runtime):
    await create_all(runtime, "430000", "430100", "430121")
    before = await database_state(runtime)
    try:
        await merge(runtime.engine, "430121", "430121", actor="test", now=runtime.clock.now())
    except DomainError as error:
        assert error.code == "NOT_FOUND"
    else:
        raise AssertionError("merged into itself")
    assert await database_state(runtime) == before
