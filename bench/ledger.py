"""Ledger benchmarks (issue 4): in one county tenant holding 20,000 findings, list a page of
50 findings with their unit, round, ledger entry and latest progress; log findings; and the
bare stack (bench/bare_stack.py: strawberry resolving the same selection for 50 rows straight
from one asyncpg query, same caches) in the same run, so the ratio is what our layers
(auth, access policy, DataLoaders, error handling) cost on top of the framework.

Each API runs as one uvicorn process; this process drives it with C concurrent keep-alive
connections for D seconds per scenario. All share the machine's 2 cores.

Usage: ./dev bench ledger [--seconds D] [--concurrency C] [--findings N]
"""

from __future__ import annotations

import argparse
import asyncio

import httpx
from sqlalchemy import text

from backend.db import asyncpg_dsn
from backend.embedded import running_services
from backend.settings import Settings
from bench.common import LOGIN, bench_runtime, server_env, server_version, serving, write_results
from bench.identity import drive, post
from tests.helpers import create_all

PAGE = """query($after: String) { findings(tenantCode: "431321", first: 50, after: $after) { pageInfo { hasNextPage endCursor } items {
    id code taxonomyCode taxonomyName description severity fixedOnSpot foundOn
    unit { id name } round { id name }
    ledger { state deadline overdue responsibleUnit responsiblePerson version latestProgress { note actor occurredAt } } } } }"""
LOG = """mutation($i: FindingInput!) { logFinding(tenantCode: "431321", input: $i) { id ledger { state version } } }"""
# The same selection as PAGE, less what only our schema has (the cursor argument, actor's
# access): the bare stack answers it from one SQL query.
BARE = """{ findings(first: 50) { pageInfo { hasNextPage endCursor } items {
    id code taxonomyCode taxonomyName description severity fixedOnSpot foundOn
    unit { id name } round { id name }
    ledger { state deadline overdue responsibleUnit responsiblePerson version latestProgress { note actor occurredAt } } } } }"""
TAXONOMY = ["C01.K01.M01", "C03.K04.M01", "C03.K01.M01", "C03.K02.M01", "C03.K09.M01", "C03.K10.M01"]


async def seed(runtime, findings: int) -> None:
    """200 units, 10 rounds of 20 units each, `findings` findings spread over them with their
    ledger entries in every state, and a progress report on half of them."""
    await create_all(runtime, "430000", "431300", "431321")
    taxonomy = ", ".join(f"'{code}'" for code in TAXONOMY)
    async with runtime.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO t431321.inspected_unit (credit_code, name, unit_type)"
                " SELECT 'B' || lpad(g::text, 10, '0'), '单位' || g, '政府机关' FROM generate_series(1, 200) g"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO t431321.inspection_round (kind, name, starts_on)"
                " SELECT '巡察', '第' || g || '轮巡察', date '2026-01-01' + g FROM generate_series(1, 10) g"
            )
        )
        await connection.execute(text("INSERT INTO t431321.round_unit SELECT (g - 1) / 20 + 1, g FROM generate_series(1, 200) g"))
        await connection.execute(
            text(
                "INSERT INTO t431321.finding (round_id, unit_id, taxonomy_code, taxonomy_version, description, severity, found_on, found_by)"
                f" SELECT (u - 1) / 20 + 1, u, (ARRAY[{taxonomy}])[g % 6 + 1], '2026.1', '第 ' || g || ' 个问题：实有人数超过核定编制',"
                " (ARRAY['一般', '较重', '严重'])[g % 3 + 1], date '2026-03-01' + g % 200, 'bench'"
                " FROM generate_series(1, :n) g, LATERAL (SELECT g % 200 + 1 AS u) unit"
            ),
            {"n": findings},
        )
        await connection.execute(
            text(
                "INSERT INTO t431321.ledger_entry (finding_id, state, deadline, responsible_unit, responsible_person, closed_at)"
                " SELECT id, (ARRAY['挂号', '整改中', '申请销号', '已销号'])[id % 4 + 1], found_on + 90, '单位' || unit_id, '负责人',"
                " CASE WHEN id % 4 = 3 THEN now() END FROM t431321.finding"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO t431321.ledger_event (finding_id, action, from_state, to_state, note, actor)"
                " SELECT id, '进展', '挂号', '整改中', '已制定整改方案并启动', 'bench' FROM t431321.finding WHERE id % 2 = 0"
            )
        )
        await connection.execute(text("ANALYZE"))


async def run(args, settings: Settings, urls) -> dict:
    from tests.identity import add_user

    results: dict = {"findings": args.findings}
    async with bench_runtime(settings, urls) as runtime:
        results["postgres"] = await server_version(runtime)
        print(f"seeding {args.findings} findings …", flush=True)
        await seed(runtime, args.findings)
        await add_user(runtime, "bench.inspector", ("431321", "inspector", None))
        env = server_env(runtime, BARE_DSN=asyncpg_dsn(runtime.urls.database_url), BARE_SCHEMA="t431321")
        async with serving(["-m", "backend", "serve"], env) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                token = (
                    await client.post("/graphql", json={"query": LOGIN, "variables": {"u": "bench.inspector", "p": "Xuncha-test-2026"}})
                ).json()["data"]["login"]["accessToken"]
                cursors = [None]
                for _ in range(19):  # the first 20 pages, so reads do not all hit the same rows
                    page = (
                        await client.post(
                            "/graphql",
                            json={"query": PAGE, "variables": {"after": cursors[-1]}},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    ).json()
                    cursors.append(page["data"]["findings"]["pageInfo"]["endCursor"])

            async def list_page(client, n):
                return await post(client, PAGE, token, after=cursors[n % len(cursors)])

            async def log_finding(client, n):
                return await post(
                    client,
                    LOG,
                    token,
                    i={
                        "roundId": str(n % 10 + 1),
                        "unitId": str((n % 10) * 20 + 1),
                        "taxonomyCode": TAXONOMY[n % 6],
                        "description": f"基准测试问题 {n}",
                        "severity": "一般",
                        "foundOn": "2026-09-10",
                        "deadline": "2026-12-31",
                    },
                )

            for name, request in (("list_50_with_relations", list_page), ("log_finding", log_finding)):
                print(f"{name} …", flush=True)
                await drive(url, 2, args.concurrency, request)
                results[name] = await drive(url, args.seconds, args.concurrency, request)
        async with serving(["-m", "uvicorn", "bench.bare_stack:app", "--no-access-log", "--log-level", "warning"], env) as url:

            async def bare(client, n):
                return await post(client, BARE)

            print("bare_stack_list_50 …", flush=True)
            await drive(url, 2, args.concurrency, bare)
            results["bare_stack_list_50"] = await drive(url, args.seconds, args.concurrency, bare)
    ours, bare_stack = results["list_50_with_relations"], results["bare_stack_list_50"]
    results["ratio_to_bare_stack"] = {
        "throughput": round(ours["per_second"] / bare_stack["per_second"], 2),
        "p50": round(ours["p50_ms"] / bare_stack["p50_ms"], 2),
        "p99": round(ours["p99_ms"] / bare_stack["p99_ms"], 2),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--findings", type=int, default=20_000)
    args = parser.parse_args()
    settings = Settings.from_env()
    with running_services(settings) as urls:
        results = asyncio.run(run(args, settings, urls))
    write_results(
        "ledger", results, f"./dev bench ledger --seconds {args.seconds:g} --concurrency {args.concurrency} --findings {args.findings}"
    )


if __name__ == "__main__":
    main()
