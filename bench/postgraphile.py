"""xuncha against PostGraphile (issue 25 item 3): the ledger's page of 50 findings with their
unit, round, ledger entry and latest progress, served by `xuncha serve` and by PostGraphile
4.14 (pinned, installed with npm into a cache directory outside the checkout) on the same
tenant schema, taking turns in one run.

The database is bench/ledger.py's: one county (431321) with 200 units, 10 rounds and N findings
(default 20,000). xuncha answers `bench.ledger.PAGE` for an inspector with a bearer token
(authentication, the office's access check, taxonomy names, `overdue`); PostGraphile answers
`PAGE` below from the schema it derives from t431321 with no authentication and no access
check (PostgreSQL's own role decides, here the superuser). Both walk the first 20 pages of the
newest findings by cursor.

Both servers run throughout (one process each); this process drives them with C concurrent
keep-alive clients, R rounds of D/R seconds each, the first server of a round alternating, after
a warm-up of each. Printed and written to bench/results/: requests/s, p50/p95/p99 and errors of
each, the ratio xuncha ÷ PostGraphile overall and per round.

Usage: ./dev bench postgraphile [--seconds D] [--rounds R] [--concurrency C] [--findings N]
                                [--variant LABEL:VAR=VALUE ...]

--variant runs xuncha once more with some environment (a setting to compare) in the same turns.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import httpx

from backend.db import asyncpg_dsn
from backend.settings import Settings
from bench import ledger
from bench.common import LOGIN, bench_runtime, run_suite, server_env, server_version, serving, serving_process
from bench.identity import latency_stats, load, post

VERSION = "4.14.1"
INSTALL_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xuncha" / f"postgraphile-{VERSION}"
# PostGraphile's names for the same selection (its default inflection: relations by their
# foreign keys; the latest 进展 as the first of the finding's events newest first).
PAGE = """query($after: Cursor) { allFindings(first: 50, after: $after, orderBy: ID_DESC) { pageInfo { hasNextPage endCursor } nodes {
    id code taxonomyCode description severity fixedOnSpot foundOn
    inspectedUnitByUnitId { id name } inspectionRoundByRoundId { id name }
    ledgerEntryByFindingId { state deadline responsibleUnit responsiblePerson version }
    ledgerEventsByFindingId(first: 1, orderBy: ID_DESC, condition: {action: "进展"}) { nodes { note actor occurredAt } } } } }"""


def postgraphile() -> Path:
    """The pinned PostGraphile's command, installed with npm on first use."""
    program = INSTALL_DIR / "node_modules" / ".bin" / "postgraphile"
    if not program.exists():
        if shutil.which("npm") is None:
            raise SystemExit("./dev bench postgraphile 需要 Node.js 与 npm")
        INSTALL_DIR.mkdir(parents=True, exist_ok=True)
        (INSTALL_DIR / "package.json").write_text('{"private": true}\n')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", f"postgraphile@{VERSION}"], cwd=INSTALL_DIR, check=True)
    return program


def node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()


async def cursors(url: str, query: str, pages_of, headers: dict[str, str]) -> list[str | None]:
    """The `after` of the first 20 pages (the first is None), each page checked to hold 50 items."""
    found: list[str | None] = [None]
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(19):
            answer = (await client.post("/graphql", json={"query": query, "variables": {"after": found[-1]}}, headers=headers)).json()
            page = pages_of(answer["data"])
            if len(page.get("items", page.get("nodes"))) != 50:
                raise SystemExit(f"{url} answered a page without 50 findings: {answer}")
            found.append(page["pageInfo"]["endCursor"])
    return found


async def run(args, settings: Settings, urls) -> dict:
    from tests.identity import add_user

    results: dict = {"findings": args.findings, "postgraphile_version": VERSION}
    program = postgraphile()
    results["node"] = node_version()
    async with bench_runtime(settings, urls) as runtime:
        results["postgres"] = await server_version(runtime)
        print(f"seeding {args.findings} findings …", flush=True)
        await ledger.seed(runtime, args.findings)
        await add_user(runtime, "bench.inspector", ("431321", "inspector", None))
        env = server_env(runtime)
        pg_args = ["--connection", asyncpg_dsn(runtime.urls.database_url), "--schema", "t431321", "--disable-query-log"]
        variants = [("xuncha", {}), *((label, {name: value}) for label, name, value in args.variant)]
        async with contextlib.AsyncExitStack() as stack:
            servers: dict[str, tuple[str, object]] = {}
            for label, extra in variants:
                url = await stack.enter_async_context(serving(["-m", "backend", "serve"], {**env, **extra}))
                async with httpx.AsyncClient(base_url=url) as client:
                    login = await client.post(
                        "/graphql", json={"query": LOGIN, "variables": {"u": "bench.inspector", "p": "Xuncha-test-2026"}}
                    )
                token = login.json()["data"]["login"]["accessToken"]
                after = await cursors(url, ledger.PAGE, lambda data: data["findings"], {"Authorization": f"Bearer {token}"})
                servers[label] = (url, lambda client, n, token=token, after=after: post(client, ledger.PAGE, token, after=after[n % 20]))
            url, _ = await stack.enter_async_context(serving_process(pg_args, {**env, "NODE_ENV": "production"}, program=str(program)))
            after = await cursors(url, PAGE, lambda data: data["allFindings"], {})
            servers["postgraphile"] = (url, lambda client, n, after=after: post(client, PAGE, after=after[n % 20]))
            for label, (url, request) in servers.items():
                print(f"warming up {label} …", flush=True)
                await load(url, args.warmup, args.concurrency, request)
            observed: dict[str, list[tuple[list[float], int, float]]] = {label: [] for label in servers}
            order = list(servers)
            for turn in range(args.rounds):
                for label in order if turn % 2 == 0 else reversed(order):
                    print(f"round {turn + 1}: {label} …", flush=True)
                    url, request = servers[label]
                    observed[label].append(await load(url, args.seconds / args.rounds, args.concurrency, request))
    for label, stretches in observed.items():
        latencies = [value for stretch in stretches for value in stretch[0]]
        results[label] = latency_stats(latencies, sum(s[1] for s in stretches), sum(s[2] for s in stretches))
        results[label]["rounds_per_second"] = [round(len(s[0]) / s[2], 1) for s in stretches]
    theirs = results["postgraphile"]
    results["ratio_to_postgraphile"] = {
        label: {
            "throughput": round(results[label]["per_second"] / theirs["per_second"], 3),
            "rounds": [round(a / b, 2) for a, b in zip(results[label]["rounds_per_second"], theirs["rounds_per_second"], strict=True)],
            "p50": round(results[label]["p50_ms"] / theirs["p50_ms"], 2),
        }
        for label, _ in variants
    }
    return results


def variant(text: str) -> tuple[str, str, str]:
    label, _, assignment = text.partition(":")
    name, _, value = assignment.partition("=")
    if not (label and name):
        raise argparse.ArgumentTypeError("--variant 应形如 LABEL:VAR=VALUE")
    return label, name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per server, over all rounds")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--variant", type=variant, action="append", default=[])
    run_suite("postgraphile", run, parser.parse_args())
