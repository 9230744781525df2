"""Two API processes and two workers sharing only PostgreSQL and Redis (issue 24 item 4): a
notification is written once whichever API took the change and whichever worker ran it; a
session signed out through one API is refused by the other; a limit counts requests to both;
a province's new kind added through one API is seen by the other within seconds."""

from __future__ import annotations

import uuid

import httpx
import pytest

from bench.common import serving_process
from tests.helpers import LOG_OVERSTAFFING, eventually, inbox_count, inbox_reaches, outbox_jobs_done, process_env, worker_process
from tests.identity import add_user, token_for

pytestmark = pytest.mark.slow

LIAISONS = 5  # besides the fixture's: each finding notifies every liaison of the unit
FINDINGS = 24
ADD_KIND = """mutation($n: String!) { addKind(provinceCode: "430000", categoryCode: "C03", name: $n,
    legalBasis: "《湖南省机构编制管理规定》") { code } }"""
KINDS = "{ taxonomy { categories { code children { name } } } }"
STATUS = 'query { report12310Status(code: "431321-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA") { state } }'
ME = "{ me { username } }"
LOGOUT = "mutation { logout }"


async def call(client: httpx.AsyncClient, url: str, query: str, token: str | None = None, **variables) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.json()


def code_of(result: dict) -> str | None:
    errors = result.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_two_apis_and_two_workers_notify_once_and_agree_on_sessions_limits_and_the_taxonomy(county_office):
    runtime, tokens = county_office
    for n in range(LIAISONS):
        await add_user(runtime, f"sf.liaison.many{n}", ("431321", "liaison", 1))
    province_admin = await token_for(runtime, await add_user(runtime, "hunan.admin.many", ("430000", "admin", None)))
    queue = f"xuncha-many-{uuid.uuid4().hex[:8]}"
    env = process_env(runtime, XUNCHA_QUEUE_NAME=queue, XUNCHA_REDIS_PREFIX=queue, XUNCHA_REPORT_QUERIES_PER_MINUTE="4")
    workers = [worker_process(runtime, queue) for _ in range(2)]
    try:
        async with (
            serving_process(["-m", "backend", "serve"], env) as (a, _),
            serving_process(["-m", "backend", "serve"], env) as (b, _),
            httpx.AsyncClient(timeout=30) as client,
        ):
            for n in range(FINDINGS):
                logged = await call(client, (a, b)[n % 2], LOG_OVERSTAFFING, tokens["inspector"])
                assert logged.get("errors") is None, logged
            expected = FINDINGS * (LIAISONS + 1)
            await inbox_reaches(runtime, expected, 90)
            await eventually(lambda: outbox_jobs_done(runtime, queue), 30, "the outbox jobs to finish")
            assert await inbox_count(runtime) == (expected, expected)

            refusals = [code_of(await call(client, url, STATUS)) for url in (a, b, a, b, a)]
            assert refusals == ["NOT_FOUND"] * 4 + ["RATE_LIMITED"]  # four a minute, counted across both

            def kinds(result: dict) -> set[str]:
                c03 = next(c for c in result["data"]["taxonomy"]["categories"] if c["code"] == "C03")
                return {kind["name"] for kind in c03["children"]}

            assert "乡镇机构编制管理不规范" not in kinds(await call(client, b, KINDS, province_admin))  # b holds a snapshot
            added = await call(client, a, ADD_KIND, province_admin, n="乡镇机构编制管理不规范")
            assert added.get("errors") is None, added

            async def seen_by_b() -> bool:
                return "乡镇机构编制管理不规范" in kinds(await call(client, b, KINDS, province_admin))

            await eventually(seen_by_b, 5, "the new kind in the other API")

            reviewer = tokens["reviewer"]
            assert [code_of(await call(client, url, ME, reviewer)) for url in (a, b)] == [None, None]
            assert code_of(await call(client, b, LOGOUT, reviewer)) is None
            assert [code_of(await call(client, url, ME, reviewer)) for url in (a, b)] == ["UNAUTHENTICATED"] * 2
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(10)
