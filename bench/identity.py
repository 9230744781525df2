"""Identity benchmarks (issue 3): login, and authenticated queries, over HTTP.

The API runs as `xuncha serve` (one uvicorn process) on a fresh database with 湖南省's 136
tenants; this process drives it with C concurrent keep-alive connections for D seconds per
scenario. Both share the machine's 2 cores, so the figures are a floor.

Usage: ./dev bench identity [--seconds D] [--concurrency C] [--users N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import httpx
from sqlalchemy import insert

from backend.demo.offices import load_offices
from backend.embedded import ServiceUrls, running_services
from backend.identity.credentials import hash_password
from backend.identity.models import Membership, UserAccount
from backend.settings import Settings
from bench.common import LOGIN, bench_runtime, percentile, server_version, serving, write_results
from tenants.organs import office_of

PASSWORD = "Bench-pass-2026"
ME = "{ me { username memberships { role tenant { code name } } } }"
DIRECTORY = '{ tenants(parentCode: "431300") { items { code name level } } }'


async def add_users(runtime, count: int) -> list[str]:
    """`count` inspectors spread over 娄底市's counties, all with PASSWORD."""
    password_hash = await hash_password(PASSWORD)
    counties = ["431302", "431321", "431322", "431381", "431382"]
    names = [f"bench{i}" for i in range(count)]
    async with runtime.engine.begin() as connection:
        for i, name in enumerate(names):
            user_id = (
                await connection.execute(
                    insert(UserAccount).values(username=name, display_name=name, password_hash=password_hash).returning(UserAccount.id)
                )
            ).scalar_one()
            await connection.execute(
                insert(Membership).values(
                    user_id=user_id, tenant_code=counties[i % 5], organ_id=await office_of(connection, counties[i % 5]), role="inspector"
                )
            )
            if i % 5 == 0:  # a fifth also belong to the city: directory reads need it
                await connection.execute(insert(Membership).values(user_id=user_id, tenant_code="431300", role="auditor"))
    return names


async def load(url: str, seconds: float, concurrency: int, request) -> tuple[list[float], int, float]:
    """Call `request(client, n)` from `concurrency` workers for `seconds`: every latency (ms),
    the errors and the seconds it took."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        n = offset
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                ok = await request(client, n)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not ok
                n += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def latency_stats(latencies: list[float], errors: int, seconds: float) -> dict:
    return {
        "requests": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "errors": errors,
    }


async def drive(url: str, seconds: float, concurrency: int, request) -> dict:
    """Call `request(client, n)` from `concurrency` workers for `seconds`; latency stats."""
    return latency_stats(*await load(url, seconds, concurrency, request))


async def post(client: httpx.AsyncClient, query: str, token: str | None = None, **variables) -> bool:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.status_code == 200 and "errors" not in response.json()


async def run(args, settings: Settings, urls: ServiceUrls) -> dict:
    results: dict = {}
    async with bench_runtime(settings, urls) as runtime:
        results["postgres"] = await server_version(runtime)
        from rich.progress import Progress

        await load_offices(runtime, Progress(disable=True))
        users = await add_users(runtime, args.users)
        env = {
            **os.environ,
            "DATABASE_URL": runtime.urls.database_url,
            "REDIS_URL": runtime.urls.redis_url,
            "XUNCHA_ENV": "production",
            "XUNCHA_SECRET_KEY": runtime.settings.secret_key,
            "XUNCHA_LOGIN_ATTEMPTS_PER_MINUTE": "100000000",
            "XUNCHA_MUTATIONS_PER_MINUTE": "100000000",
        }
        async with serving(["-m", "backend", "serve"], env) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                tokens = []
                for name in users:
                    response = await client.post("/graphql", json={"query": LOGIN, "variables": {"u": name, "p": PASSWORD}})
                    tokens.append(response.json()["data"]["login"]["accessToken"])
            city_tokens = tokens[::5]

            async def login(client, n):
                return await post(client, LOGIN, u=users[n % len(users)], p=PASSWORD)

            async def me(client, n):
                return await post(client, ME, tokens[n % len(tokens)])

            async def directory(client, n):
                return await post(client, DIRECTORY, city_tokens[n % len(city_tokens)])

            for name, request in (("login", login), ("me", me), ("directory", directory)):
                print(f"{name} …", flush=True)
                await drive(url, 2, args.concurrency, request)  # warm-up
                results[name] = await drive(url, args.seconds, args.concurrency, request)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    settings = Settings.from_env()
    with running_services(settings) as urls:
        results = asyncio.run(run(args, settings, urls))
    write_results(
        "identity", results, f"./dev bench identity --seconds {args.seconds:g} --concurrency {args.concurrency} --users {args.users}"
    )


if __name__ == "__main__":
    main()
