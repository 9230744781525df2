"""On a Citus cluster (`./dev test --citus`): every office's schema is a distributed schema on a
worker, the bank's rows and counts are distributed by office in one colocation group, every
other shared table is a reference table; an office's work and the bank's counts are right; and
the run prints where each office's schema lives."""

import pytest
from sqlalchemy import insert, text

from problem_bank.projection import verify_snapshot
from tenants.citus import BUILD_ON_COORDINATOR, BY_OFFICE, schema_placements
from tenants.models import SpareSchema
from tenants.schema_ops import enter_schema, run_script
from tests import citus
from tests.factories import seed_round
from tests.helpers import LOG_FINDING, create_all, finding_input, xuncha
from tests.identity import Api, add_user, token_for

pytestmark = pytest.mark.skipif(not citus.ENABLED, reason="runs on a Citus cluster: ./dev test --citus")

OFFICES = ("430000", "431300", "431321", "431322", "430100", "430102", "440000")


async def test_offices_are_spread_over_the_workers_and_the_shared_tables_placed(runtime):
    await create_all(runtime, *OFFICES)
    async with runtime.engine.connect() as connection:
        placements = await schema_placements(connection)
        kinds = dict((await connection.execute(text("SELECT CAST(table_name AS text), citus_table_type FROM public.citus_tables"))).all())
        columns = dict(
            (
                await connection.execute(
                    text(
                        "SELECT CAST(table_name AS text), distribution_column FROM public.citus_tables WHERE citus_table_type = 'distributed'"
                    )
                )
            ).all()
        )
        workers = set((await connection.execute(text("SELECT nodename || ':' || nodeport FROM pg_dist_node WHERE groupid <> 0"))).scalars())

    assert set(placements) == {f"t{code}" for code in OFFICES}
    assert set(placements.values()) == workers  # both workers hold offices
    assert {name for name, kind in kinds.items() if kind == "distributed" and not name.startswith("t")} == set(BY_OFFICE)
    assert {columns[name] for name in BY_OFFICE} == {"tenant_code"}
    assert kinds["tenancy.tenant"] == kinds["identity.user_account"] == kinds["notify.outbox"] == "reference"
    assert "local" not in kinds.values()  # nothing left behind on the coordinator alone

    listing = await xuncha(runtime, "tenants", "list", "--parent", "430000")
    assert listing.returncode == 0, listing.stderr
    assert "节点" in listing.stdout and placements["t431300"] in listing.stdout
    print(f"\n各机构 schema 所在节点（{len(workers)} 个 worker）:")
    for schema, node in sorted(placements.items()):
        print(f"  {schema} → {node}")


async def test_findings_logged_in_offices_on_both_workers_reach_the_bank_exactly(runtime):
    counties = ("431321", "431322", "430102", "430103")
    await create_all(runtime, "430000", "431300", "430100", *counties)
    await seed_round(runtime, *counties)
    async with runtime.engine.connect() as connection:
        placements = await schema_placements(connection)
    assert len({placements[f"t{code}"] for code in counties}) == 2  # the offices below are on both workers

    async with Api(runtime) as api:
        for n, code in enumerate(counties):
            token = await token_for(runtime, await add_user(runtime, f"inspector.{code}", (code, "inspector", None)))
            for deadline in ("2026-12-31", "2027-03-31")[: n % 2 + 1]:
                answer = await api.call(LOG_FINDING.replace("431321", code), token, i=finding_input(deadline=deadline))
                assert answer.get("errors") is None, answer

    async with runtime.engine.connect() as connection:
        rows = dict((await connection.execute(text("SELECT tenant_code, count(*) FROM problem_bank.problem GROUP BY 1"))).all())
    assert rows == {"431321": 1, "431322": 2, "430102": 1, "430103": 2}
    for code in counties:
        drift = await verify_snapshot(runtime.engine, code)
        assert drift.in_step and drift.findings == rows[code], drift


async def test_a_single_servers_office_schemas_move_onto_the_workers(runtime):
    """As when a single server becomes a cluster's coordinator: a schema built there stays on the
    coordinator until `xuncha tenants distribute` places it; an office provisioned from it works."""
    await create_all(runtime, "430000", "431300")
    async with runtime.engine.begin() as connection:  # a spare built as a single server builds it
        await connection.execute(BUILD_ON_COORDINATOR)
        await connection.execute(text('CREATE SCHEMA "spare_999001"'))
        await enter_schema(connection, "spare_999001", "5s")
        await run_script(connection, runtime.streams.tenant_build_sql)
        await connection.execute(insert(SpareSchema).values(name="spare_999001", schema_version=runtime.streams.tenant_head))
    async with runtime.engine.connect() as connection:
        assert "spare_999001" not in await schema_placements(connection)

    moved = await xuncha(runtime, "tenants", "distribute")

    assert moved.returncode == 0, moved.stderr
    assert "已分布机构 schema 1 个" in moved.stdout
    assert (await runtime.provisioner().create("431321")).from_spare
    async with runtime.engine.connect() as connection:
        assert "t431321" in await schema_placements(connection)
    await seed_round(runtime, "431321")
    token = await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))
    async with Api(runtime) as api:
        assert (await api.call(LOG_FINDING, token, i=finding_input())).get("errors") is None


async def test_recoding_an_office_is_refused_on_a_cluster_and_changes_nothing(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    refused = await xuncha(runtime, "tenants", "recode", "431321", "--to", "431399", "--name", "双峰市")
    assert refused.returncode == 1 and "Citus 集群上暂不支持" in refused.stderr
    async with runtime.engine.connect() as connection:
        assert "t431321" in await schema_placements(connection)
