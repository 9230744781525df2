"""`xuncha db upgrade` across tenant schemas: per-schema transactions, recorded versions,
failures that leave a schema untouched, lock_timeout, and resuming after a kill."""

import asyncio
import contextlib
import subprocess
import sys

import asyncpg
import pytest
from sqlalchemy import text

from backend.resources import checkout
from tenants.migration_runner import TenantMigrationRunner
from tenants.relations import relation_counts
from tenants.schema_ops import enter_schema, run_script
from tenants.streams import MigrationStreams
from tests.helpers import create_all, eventually, process_env, tenant_sql
from tests.staged_migrations import ADDITIVE, SLOW, product_tenant_head

TENANTS = ("430000", "431300", "431321", "431322", "431381", "431382")


def staged_runner(runtime, folder, **options) -> TenantMigrationRunner:
    streams = MigrationStreams(runtime.settings.migrations_dir, (folder,))
    return TenantMigrationRunner(runtime.engine, streams, **options)


async def schema_state(runtime, schema: str) -> tuple[str, str, bool]:
    """(version in the schema, version in the registry, has the staged column)."""
    async with runtime.engine.connect() as connection:
        version = (await connection.execute(text(f'SELECT version_num FROM "{schema}".alembic_version'))).scalar_one()
        recorded = (
            await connection.execute(
                text(
                    "SELECT schema_version FROM tenancy.tenant WHERE schema_name = :s "
                    "UNION ALL SELECT schema_version FROM tenancy.spare_schema WHERE name = :s"
                ),
                {"s": schema},
            )
        ).scalar_one()
        has_note = (
            await connection.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = :s "
                    "AND table_name = 'inspected_unit' AND column_name = 'note')"
                ),
                {"s": schema},
            )
        ).scalar_one()
    return version, recorded, has_note


async def test_every_tenant_and_spare_schema_reaches_the_head_and_a_rerun_has_nothing_to_do(runtime):
    await create_all(runtime, *TENANTS)
    await runtime.provisioner().refill_spares(2)
    runner = staged_runner(runtime, ADDITIVE)

    summary = await runner.upgrade_all()

    assert (summary.total, summary.pending, summary.upgraded, summary.failed) == (8, 8, 8, {})
    for code in TENANTS:
        assert await schema_state(runtime, f"t{code}") == ("staged_additive", "staged_additive", True)
    again = await runner.upgrade_all()
    assert (again.pending, again.upgraded, again.already_current) == (0, 0, 8)


async def test_a_schema_that_fails_is_left_as_it_was_and_a_rerun_resumes_with_it(runtime):
    await create_all(runtime, *TENANTS)
    async with runtime.engine.begin() as connection:
        # The migration's third table already has the column: it fails after two tables changed.
        await connection.execute(text("ALTER TABLE t431321.audit_event ADD COLUMN note text"))
    runner = staged_runner(runtime, ADDITIVE)

    summary = await runner.upgrade_all()

    assert list(summary.failed) == ["t431321"] and "note" in summary.failed["t431321"]
    assert summary.upgraded == len(TENANTS) - 1
    base = product_tenant_head()
    assert await schema_state(runtime, "t431321") == (base, base, False)  # the first two ALTERs rolled back

    async with runtime.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE t431321.audit_event DROP COLUMN note"))
    resumed = await runner.upgrade_all()
    assert (resumed.pending, resumed.upgraded, resumed.failed) == (1, 1, {})
    assert await schema_state(runtime, "t431321") == ("staged_additive", "staged_additive", True)


async def test_a_locked_table_fails_its_schema_after_lock_timeout_and_others_go_on(runtime):
    await create_all(runtime, *TENANTS)
    runner = staged_runner(runtime, ADDITIVE, lock_timeout="200ms")
    async with runtime.engine.connect() as blocker:
        await blocker.execute(text("LOCK TABLE t431300.inspection_round IN ACCESS SHARE MODE"))
        summary = await asyncio.wait_for(runner.upgrade_all(), timeout=30)
        await blocker.rollback()
    assert list(summary.failed) == ["t431300"] and "lock" in summary.failed["t431300"].lower()
    assert summary.upgraded == len(TENANTS) - 1


async def test_fail_fast_stops_starting_new_schemas(runtime):
    await create_all(runtime, *TENANTS)
    async with runtime.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE t430000.audit_event ADD COLUMN note text"))
    summary = await staged_runner(runtime, ADDITIVE, concurrency=1).upgrade_all(fail_fast=True)
    assert list(summary.failed) == ["t430000"] and summary.upgraded == 0


async def test_killed_half_way_no_schema_is_half_migrated_and_a_rerun_finishes(runtime):
    await create_all(runtime, *TENANTS)
    env = process_env(
        runtime,
        XUNCHA_EXTRA_TENANT_MIGRATIONS=str(SLOW),
        XUNCHA_MIGRATION_CONCURRENCY="2",
    )
    upgrade = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend", "db", "upgrade", env=env, cwd=checkout(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    async def two_schemas_in_the_slow_step() -> bool:
        assert upgrade.returncode is None, "the upgrade finished before it could be killed"
        states = [await schema_state(runtime, f"t{code}") for code in TENANTS]
        return sum(state[0] == "staged_slow" for state in states) >= 2

    try:
        await eventually(two_schemas_in_the_slow_step, 60, "two schemas in the slow migration")
    finally:
        with contextlib.suppress(ProcessLookupError):  # already finished
            upgrade.kill()
        await upgrade.wait()

    states = [await schema_state(runtime, f"t{code}") for code in TENANTS]
    base = product_tenant_head()
    assert all(state in {(base, base, False), ("staged_slow", "staged_slow", True)} for state in states), states
    assert any(state[0] == base for state in states), "the kill came too late to test anything"

    resumed = await staged_runner(runtime, SLOW).upgrade_all()
    assert resumed.failed == {} and resumed.upgraded == sum(state[0] == base for state in states)
    for code in TENANTS:
        assert await schema_state(runtime, f"t{code}") == ("staged_slow", "staged_slow", True)


async def test_the_shared_stream_downgrades_to_nothing_and_upgrades_again(runtime):
    from alembic import command

    def downgrade(sync_connection):
        cfg = runtime.streams.config("shared")
        cfg.attributes["connection"] = sync_connection
        command.downgrade(cfg, "base")

    async with runtime.engine.begin() as connection:
        await connection.run_sync(downgrade)
    async with runtime.engine.connect() as connection:
        left = (
            await connection.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenancy' AND tablename <> 'alembic_version'"))
        ).scalar_one()
        assert left == 0
    await runtime.upgrade_shared()
    await create_all(runtime, "430000")


async def test_bounded_notes_keep_their_rows_and_leave_an_upgraded_schema_with_the_relations_of_a_fresh_one(county):
    """t0028 (notes bounded, their TOAST tables gone) and t0029 (two audit indexes gone) on a
    schema with data, then back down: the notes are kept, and a schema upgraded from t0027 has
    exactly the relations of one built at the head."""
    runtime, _ = county
    streams, note = runtime.streams, "注" * 300
    async with runtime.engine.connect() as connection:
        fresh = await relation_counts(connection, "t431322")
    async with runtime.engine.connect() as connection:
        await connection.begin()
        await enter_schema(connection, "t431321", "5s")
        await run_script(connection, tenant_sql(streams, "downgrade", f"{streams.tenant_head}:t0027"))
        old = await relation_counts(connection, "t431321")
        await connection.execute(
            text(
                "INSERT INTO round_stage_event (round_id, action, from_state, to_state, note, actor) VALUES (1, '准备', '计划', '准备', :n, 'a')"
            ),
            {"n": note},
        )
        await run_script(connection, tenant_sql(streams, "upgrade", f"t0027:{streams.tenant_head}"))
        upgraded = await relation_counts(connection, "t431321")
        kept = (await connection.execute(text("SELECT note FROM round_stage_event"))).scalars().all()
        await run_script(connection, tenant_sql(streams, "downgrade", f"{streams.tenant_head}:t0027"))
        back = await relation_counts(connection, "t431321")
        await connection.rollback()
    assert upgraded == fresh and back == old
    assert (old["toast"] - fresh["toast"], old["toast index"] - fresh["toast index"], old["indexes"] - fresh["indexes"]) == (10, 10, 2)
    assert kept == [note]


async def test_a_note_over_the_bound_refuses_the_upgrade_of_its_schema_and_changes_nothing(county):
    runtime, _ = county
    streams = runtime.streams
    async with runtime.engine.connect() as connection:
        await connection.begin()
        await enter_schema(connection, "t431321", "5s")
        await run_script(connection, tenant_sql(streams, "downgrade", f"{streams.tenant_head}:t0027"))
        await connection.execute(
            text(
                "INSERT INTO round_stage_event (round_id, action, from_state, to_state, note, actor) VALUES (1, '准备', '计划', '准备', :n, 'a')"
            ),
            {"n": "注" * 301},
        )
        with pytest.raises(asyncpg.RaiseError, match=r"round_stage_event\.note 中有超过 300 个字符的说明"):
            await run_script(connection, tenant_sql(streams, "upgrade", f"t0027:{streams.tenant_head}"))
        await connection.rollback()
