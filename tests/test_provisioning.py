"""Provisioning: the spare pool's fast path, the build fallback, the background refill,
and bulk import from CSV."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Column, MetaData, Table, text
from sqlalchemy.exc import ProgrammingError

from backend.tenant_models import TenantBase
from backend.worker import create_worker, request_spare_refill
from tenants.bulk_import import ImportRejected, import_tenants, parse_csv
from tenants.head_script import read_head_script
from tenants.organs import Organ
from tenants.relations import RELATION_BUDGET, relation_counts
from tenants.schema_ops import enter_schema, run_script
from tests.helpers import create_all, database_state, registry_rows, tenant_schemas


async def test_a_spare_schema_is_renamed_into_place_and_an_empty_pool_falls_back_to_building(runtime):
    provisioner = runtime.provisioner()
    await create_all(runtime, "430000")
    assert await provisioner.refill_spares(1) == 1
    spare = (await database_state(runtime))[2][0]

    first = await provisioner.create("431300")
    second = await provisioner.create("431321")

    assert (first.from_spare, second.from_spare) == (True, False)
    schemas = await tenant_schemas(runtime)
    assert spare not in schemas and {"t431300", "t431321"} <= schemas
    assert await provisioner.spare_count() == 0


async def test_the_worker_refills_the_spare_pool_in_the_background(runtime):
    await request_spare_refill(runtime.redis, runtime.settings)
    await request_spare_refill(runtime.redis, runtime.settings)  # while one is queued, a second request is a no-op
    worker = create_worker(runtime, burst=True, handle_signals=False, poll_delay=0.05)
    await worker.main()
    await worker.close()
    assert await runtime.provisioner().spare_count() == runtime.settings.spare_pool_size
    assert worker.jobs_complete >= 1 and worker.jobs_failed == 0


async def _schema_drift(runtime, schema: str) -> list:
    """Differences between the tenant models and the schema the migrations built. The registry's
    organs, which tenant tables refer to, stand in by their key (they are not compared)."""
    metadata = MetaData()
    Table(Organ.__tablename__, metadata, Column("id", BigInteger, primary_key=True), schema=Organ.__table__.schema)
    for table in TenantBase.metadata.tables.values():
        table.to_metadata(metadata, schema=schema)

    def compare(connection):
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _: kind != "schema" or name == schema,
                "include_object": lambda item, name, kind, reflected, _: kind != "table" or item.schema == schema,
            },
        )
        return [diff for diff in compare_metadata(context, metadata) if "alembic_version" not in str(diff)]

    async with runtime.engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_spare_and_built_schemas_match_the_models(runtime):
    await create_all(runtime, "430000")
    await runtime.provisioner().refill_spares(1)
    await create_all(runtime, "431300")  # from the spare
    assert await _schema_drift(runtime, "t430000") == []
    assert await _schema_drift(runtime, "t431300") == []


HUNAN_PART = """code,name,parent
431321,,
430000,,
431300,,
431399,娄底经开区,431300
"""


async def test_import_provisions_parents_first_and_a_rerun_skips_what_is_done(runtime):
    report = await import_tenants(runtime.provisioner(), parse_csv(HUNAN_PART))
    assert [p.spec.code for p in report.provisioned] == ["430000", "431300", "431321", "431399"]
    assert report.skipped == 0

    again = await import_tenants(runtime.provisioner(), parse_csv(HUNAN_PART + "431322\n"))
    assert [p.spec.code for p in again.provisioned] == ["431322"]
    assert again.skipped == 4


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("430000\n43130\n431300\n", [(2, "43130")]),
        ("430000\n431300\n430000\n", [(3, "430000")]),
        ("430000\n431321,,440000\n", [(2, "431321")]),
        ("430000\n433101\n", [(2, "433101")]),
        ("430000,,,extra\n", [(1, "430000")]),
        ("code\n", [(0, "")]),
        ("430000,湖\u0000南\n", [(1, "430000")]),
    ],
)
async def test_a_bad_line_rejects_the_whole_file_with_line_numbers(runtime, content, expected):
    before = await database_state(runtime)
    with pytest.raises(ImportRejected) as rejected:
        await import_tenants(runtime.provisioner(), parse_csv(content))
    assert [(e.line, e.code) for e in rejected.value.errors] == expected
    assert all(e.message for e in rejected.value.errors)
    assert await database_state(runtime) == before


async def test_import_refuses_a_line_that_contradicts_an_existing_tenant(runtime):
    await create_all(runtime, "430000", "431300")
    before = await database_state(runtime)
    with pytest.raises(ImportRejected) as rejected:
        await import_tenants(runtime.provisioner(), parse_csv("431300,另一个名字\n431321\n"))
    assert [(e.line, e.code) for e in rejected.value.errors] == [(1, "431300")]
    assert await database_state(runtime) == before


async def test_unscoped_sql_fails_loudly_on_a_fresh_connection(runtime):
    """The role's default search_path (set by the shared migration) is the empty schema."""
    import asyncpg

    from backend.db import asyncpg_dsn

    await create_all(runtime, "430000")
    connection = await asyncpg.connect(asyncpg_dsn(runtime.urls.database_url))
    try:
        assert await connection.fetchval("SHOW search_path") == "no_tenant"
        with pytest.raises(asyncpg.UndefinedTableError):
            await connection.fetch("SELECT * FROM inspected_unit")
    finally:
        await connection.close()
    assert len(await registry_rows(runtime)) == 1
    async with runtime.engine.connect() as sa_connection:  # the app's engine, through PgBouncer when the tests run through one
        assert (await sa_connection.execute(text("SHOW search_path"))).scalar_one() == "no_tenant"
        with pytest.raises(ProgrammingError, match="inspected_unit"):
            await sa_connection.execute(text("SELECT * FROM inspected_unit"))


async def test_concurrent_refills_take_turns_and_never_overshoot(runtime):
    import asyncio

    built = await asyncio.gather(*(runtime.provisioner().refill_spares(3) for _ in range(3)))
    assert sum(built) == 3
    assert await runtime.provisioner().spare_count() == 3


async def test_a_fresh_tenant_schema_stays_within_its_relation_budget(runtime):
    """Every relation is paid once per office (3,218 for the country): the count of a freshly
    provisioned schema, read from the catalog, may not pass the budget."""
    await create_all(runtime, "430000")
    async with runtime.engine.connect() as connection:
        counts = await relation_counts(connection, "t430000")
    assert counts["tables"] >= 40 and counts["indexes"] >= counts["tables"]  # the catalog was read
    assert sum(counts.values()) <= RELATION_BUDGET, f"{sum(counts.values())} relations per tenant ({counts}) > budget {RELATION_BUDGET}"


# A schema's definition as the catalog holds it, its own name left out,
# parentheses and casts left out: pg_dump's text of a CHECK (x IN (...)) parses back to a tree
# that casts each element rather than the array, which means the same.
DEFINITION = text(
    """
    SELECT kind, name, regexp_replace(replace(definition, CAST(:schema AS text) || '.', ''), '[()]|::[a-z ]+(\\[\\])?', '', 'g') FROM (
    WITH own AS (SELECT oid, relname, relkind, reltoastrelid FROM pg_class WHERE relnamespace = CAST(:schema AS regnamespace))
    SELECT 'relation', relname, concat_ws(' ', relkind, CASE WHEN reltoastrelid <> 0 THEN 'with TOAST' END) FROM own
    UNION ALL
    SELECT 'column', own.relname, concat_ws(' ', rank() OVER (PARTITION BY own.oid ORDER BY a.attnum), a.attname,
           format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid))
    FROM own JOIN pg_attribute a ON a.attrelid = own.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = own.oid AND d.adnum = a.attnum
    UNION ALL
    SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = CAST(:schema AS regnamespace)
    UNION ALL
    SELECT 'index', relname, pg_get_indexdef(oid) FROM own WHERE relkind = 'i'
    UNION ALL
    SELECT 'trigger', tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN own ON own.oid = t.tgrelid WHERE NOT t.tgisinternal
    UNION ALL
    SELECT 'function', proname, pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = CAST(:schema AS regnamespace)
    UNION ALL
    SELECT 'sequence', own.relname, concat_ws(' ', seqtypid, seqstart, seqincrement, seqmin, seqmax, seqcache, seqcycle)
    FROM pg_sequence JOIN own ON own.oid = seqrelid
    UNION ALL
    SELECT 'comment', objoid::text, description FROM pg_description JOIN own ON own.oid = objoid
    UNION ALL
    SELECT 'version', version_num, '' FROM alembic_version
    ) AS catalog (kind, name, definition)
    ORDER BY 1, 2, 3
    """
)


async def test_the_head_script_builds_the_schema_the_migrations_build(runtime):
    """migrations/tenant/head.sql, which builds spares and tenants, is at the tenant head and
    defines what the migrations in order define."""
    streams = runtime.streams
    script = read_head_script(streams.migrations_dir, streams.tenant_head)
    assert script is not None, "migrations/tenant/head.sql 不是机构迁移的最新版本：请运行 xuncha db head-script"
    assert streams.tenant_build_sql == script
    definitions = []
    async with runtime.engine.connect() as connection:
        for schema, sql in (("t000001", streams.tenant_upgrade_sql(None)), ("t000002", script)):
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            await enter_schema(connection, schema, "5s")
            await run_script(connection, sql)
            definitions.append((await connection.execute(DEFINITION, {"schema": schema})).all())
        await connection.rollback()
    assert len(definitions[0]) > 500 and definitions[0] == definitions[1]
