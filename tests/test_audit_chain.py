"""The tenant audit trail: hash-chained by the database, append-only, verified by
`verify_chain` (and `xuncha audit verify`)."""

import asyncio

import pytest
from sqlalchemy import text

from backend.audit.service import record_audit, verify_chain
from tests.helpers import create_all


async def write(runtime, code: str, count: int, actor: str = "tester") -> None:
    for n in range(count):
        async with runtime.engine.begin() as connection:
            await record_audit(
                connection,
                code,
                actor=actor,
                action="unit.created",
                entity="unit",
                entity_id=str(n),
                after={"名称": f"单位{n}", "n": n},
                request_id=f"req-{n}",
            )


async def tamper(runtime, sql: str) -> None:
    """What a database superuser could do: switch the guard off, edit, switch it on."""
    async with runtime.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE t431321.audit_event DISABLE TRIGGER USER"))
        await connection.execute(text(sql))
        await connection.execute(text("ALTER TABLE t431321.audit_event ENABLE TRIGGER USER"))


@pytest.fixture
async def county(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    return "431321"


async def test_entries_are_numbered_chained_and_verify(runtime, county):
    await write(runtime, county, 5)
    report = await verify_chain(runtime.engine, county)
    assert (report.entries, report.head_seq, report.problems) == (5, 5, [])
    async with runtime.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT seq, prev_hash, hash, request_id FROM t431321.audit_event ORDER BY seq"))).all()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash is None and all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))
    assert rows[2].request_id == "req-2"


async def test_concurrent_writers_still_make_one_contiguous_chain(runtime, county):
    await asyncio.gather(*(write(runtime, county, 5, actor=f"w{i}") for i in range(4)))
    report = await verify_chain(runtime.engine, county)
    assert (report.entries, report.head_seq, report.problems) == (20, 20, [])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE t431321.audit_event SET actor = 'x'",
        "DELETE FROM t431321.audit_event WHERE seq = 2",
        "TRUNCATE t431321.audit_event",
    ],
)
async def test_the_database_refuses_to_change_history(runtime, county, statement):
    await write(runtime, county, 3)
    async with runtime.engine.connect() as connection:
        with pytest.raises(Exception, match="只能追加"):
            await connection.execute(text(statement))
    assert (await verify_chain(runtime.engine, county)).entries == 3


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ('UPDATE t431321.audit_event SET after = \'{"名称": "改过"}\' WHERE seq = 2', "第 2 条记录的内容被改动过"),
        ("UPDATE t431321.audit_event SET actor = 'someone else' WHERE seq = 1", "第 1 条记录的内容被改动过"),
        ("DELETE FROM t431321.audit_event WHERE seq = 3", "第 3 条到第 3 条记录缺失"),
        ("UPDATE t431321.audit_event SET occurred_at = occurred_at - interval '1 day' WHERE seq = 4", "第 4 条记录的内容被改动过"),
    ],
)
async def test_tampering_behind_the_guard_is_detected(runtime, county, sql, problem):
    await write(runtime, county, 5)
    await tamper(runtime, sql)
    report = await verify_chain(runtime.engine, county)
    assert not report.intact and problem in report.problems


async def test_recomputing_one_hash_still_breaks_the_next_link(runtime, county):
    await write(runtime, county, 4)
    await tamper(
        runtime,
        """
        UPDATE t431321.audit_event SET actor = 'forger',
               hash = t431321.audit_event_digest(prev_hash, seq, occurred_at, 'forger', action, entity, entity_id, before, after, request_id)
        WHERE seq = 2""",
    )
    report = await verify_chain(runtime.engine, county)
    assert report.problems == ["第 3 条记录与前一条的链接断开"]


async def test_a_spare_schema_keeps_a_working_chain_after_its_rename(runtime):
    await create_all(runtime, "430000")
    await runtime.provisioner().refill_spares(1)
    await create_all(runtime, "431300")  # renamed from the spare
    await write(runtime, "431300", 2)
    assert (await verify_chain(runtime.engine, "431300")).problems == []


async def test_the_migration_chains_entries_written_before_it(runtime):
    """A schema at t0001 with audit rows is upgraded: the old rows join the chain in order."""
    import io

    from alembic import command

    from tenants.schema_ops import enter_schema, run_script

    buffer = io.StringIO()
    command.upgrade(runtime.streams.config("tenant", buffer), "t0001", sql=True)
    async with runtime.engine.begin() as connection:
        await connection.execute(text('CREATE SCHEMA "t431399"'))
        await enter_schema(connection, "t431399", "5s")
        await run_script(connection, buffer.getvalue())
        for n in range(3):
            await connection.execute(text(f"INSERT INTO audit_event (actor, action, entity, entity_id) VALUES ('old', 'x', 'y', '{n}')"))
    async with runtime.engine.begin() as connection:
        await enter_schema(connection, "t431399", "5s")
        await run_script(connection, runtime.streams.tenant_upgrade_sql("t0001"))
    await write(runtime, "431399", 1)
    report = await verify_chain(runtime.engine, "431399")
    assert (report.entries, report.problems) == (4, [])
