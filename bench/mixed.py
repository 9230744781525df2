"""Mixed load (issue 9): `xuncha serve` and the bare stack (bench/bare_stack.py) under the same
mix of requests from a separate process (bench/load_client.py), taking turns in one run on one
database; throughput, p50/p95/p99 and errors of each, per kind of request, and the ratio.

The database (kept between runs as `xuncha_bench_mixed_<findings>`, rebuilt with --fresh or when its
parameters change): the national register provisioned for real (3,218 tenant schemas), and
N findings (default 1,000,000) with their ledger entries spread over the offices by
bench/bank.py's generator (counties ~1, cities ~0.8, provinces ~3, times a random activity
factor; none for 台湾、香港、澳门; three years of findings, skewed taxonomy): each office's units
and rounds as its rows name them, its findings and ledger entries COPYed into its schema
(a 进展 event for every entry past 挂号), and the same rows COPYed into the problem bank
with its indexes rebuilt afterwards, so `xuncha bank verify` finds the bank in step (the run
checks a sample of offices). Then 500 offices drawn at random, each with an inspector and a
reviewer (password tests.identity.PASSWORD).

The load (bench/load_client.py): C closed-loop clients, D seconds per server after a warm-up:
70% reads (finding lists, finding details, dashboards of the office's region, problem-bank
searches), 25% ledger writes on entries each client owns, 5% logins, across the 500 offices.
Both servers run throughout and the load visits them in turn, R rounds of D/R seconds each
(default 5 × 60 s): on a shared machine whose speed drifts over minutes, one 5-minute stretch
per server after the other measured the drift as much as the servers.

--profile S records the xuncha server with py-spy for S seconds of its first stretch (raw stacks and a
summary of where the time went land in bench/results/; the sampler costs some CPU, so the
ratio of a profiled run is not the one to quote).

Usage: ./dev bench mixed [--duration D] [--rounds R] [--warmup W] [--concurrency C] [--findings N]
                         [--tenants T] [--seed S] [--fresh] [--profile S] [--only xuncha|bare]
                         [--variant LABEL:VAR=VALUE ...]

--variant runs xuncha once more with some environment (a setting to compare) in the same run;
every server's ratio to the bare stack is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from sqlalchemy import Row, insert, select, text

from backend.db import asyncpg_dsn
from backend.identity.credentials import hash_password
from backend.identity.models import Membership, UserAccount
from backend.settings import Settings
from bench.bank import generate, load_bank, manifestations, search_cases
from bench.common import RESULTS, bench_runtime, register_offices, run_suite, server_env, server_version, serving_process
from bench.load_client import report
from problem_bank.projection import verify_snapshot
from tenants.bulk_import import ImportLine, import_tenants
from tenants.divisions import national_register
from tenants.naming import schema_for_code
from tenants.organs import offices_of
from tenants.streams import MigrationStreams
from tests.identity import PASSWORD, token_for

DATABASE = "xuncha_bench_mixed"  # + "_<findings>": a quick run keeps its own
COUNTRY = f"{DATABASE}_country"
COUNTRY_MARK = "xuncha bench mixed: the national register provisioned"
FILL_CONCURRENCY = 4
LATER_WARMUP_SECONDS = 3  # before a server's later stretches: it is warm, only the client's connections are new

# Where the server's time goes: a sample counts for every category one of its frames matches
# (file path fragments), so the shares overlap (an SQLAlchemy execute holds asyncpg, say).
PROFILE_CATEGORIES = {
    "GraphQL parse": ["graphql/language/"],
    "GraphQL validate": ["graphql/validation/"],
    "GraphQL execute (graphql-core)": ["graphql/execution/"],
    "strawberry (schema, types, fields)": ["strawberry/"],
    "our resolvers and services (backend/, problem_bank/, tenants/)": ["(backend/", "(problem_bank/", "(tenants/"],
    "pool pre-ping (SQLAlchemy's asyncpg ping)": ["_async_ping"],
    "BEGIN / ROLLBACK of a pooled connection": ["_start_transaction", "Transaction.rollback"],
    "statement preparation (asyncpg prepare)": ["Connection.prepare"],
    "auth (the token, then user, session and grants)": ["principal (backend/context.py", "authenticate (backend/identity"],
    "tenant lookup for the access check (readable_place)": ["readable_place (tenants/"],
    "DataLoaders (backend/loaders.py)": ["(backend/loaders.py"],
    "argon2 (login)": ["argon2/"],
    "SQLAlchemy compile": ["sqlalchemy/sql/compiler.py", "sqlalchemy/sql/cache_key.py"],
    "SQLAlchemy (all)": ["sqlalchemy/"],
    "asyncpg": ["asyncpg/"],
    "JSON (orjson/json)": ["orjson", "json/"],
    "HTTP (uvicorn, h11/httptools, litestar)": ["uvicorn/", "h11/", "httptools/", "litestar/"],
    "asyncio event loop": ["asyncio/"],
}


def database(args) -> str:
    return f"{DATABASE}_{args.findings}"


def schema_heads(settings: Settings) -> str:
    """The migration heads the code expects: a kept database built at others is rebuilt."""
    streams = MigrationStreams(settings.migrations_dir)
    return f"shared={streams.shared_head} tenant={streams.tenant_head}"


def mark(args, settings: Settings) -> str:
    """What the kept database was built with (its COMMENT): another value rebuilds it."""
    return f"xuncha bench mixed: findings={args.findings} tenants={args.tenants} seed={args.seed} {schema_heads(settings)} complete"


async def comment_of(admin: asyncpg.Connection, name: str) -> str | None:
    return await admin.fetchval("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name)


async def prepare(settings: Settings, urls, args) -> bool:
    """Is the kept database there, complete and built with these parameters? If not, it is
    made anew as a copy of the provisioned country (`xuncha_bench_mixed_country`, itself
    built once: provisioning 3,218 schemas takes minutes)."""
    admin = await asyncpg.connect(asyncpg_dsn(urls.database_url, "postgres"))
    try:
        if await comment_of(admin, database(args)) == mark(args, settings) and not args.fresh:
            return True
        await admin.execute(f'DROP DATABASE IF EXISTS "{database(args)}" WITH (FORCE)')
        country_mark = f"{COUNTRY_MARK} {schema_heads(settings)}"
        if await comment_of(admin, COUNTRY) != country_mark or args.fresh:
            await admin.execute(f'DROP DATABASE IF EXISTS "{COUNTRY}" WITH (FORCE)')
            async with bench_runtime(settings, urls, keep=True, name=COUNTRY) as runtime:
                await provision_country(runtime)
            await admin.execute(f"COMMENT ON DATABASE \"{COUNTRY}\" IS '{country_mark}'")
        started = time.perf_counter()
        await admin.execute(f'CREATE DATABASE "{database(args)}" TEMPLATE "{COUNTRY}"')
        print(f"copied {COUNTRY} in {time.perf_counter() - started:.1f} s", flush=True)
        return False
    finally:
        await admin.close()


async def provision_country(runtime) -> None:
    """Every office of the national register, provisioned for real (its schema at head)."""
    started = time.perf_counter()
    lines = [ImportLine(n, code, None, None) for n, code in enumerate(sorted(national_register()), start=1)]
    done = 0

    def tick(_) -> None:
        nonlocal done
        done += 1
        if done % 250 == 0:
            print(f"  {done} / {len(lines)} tenants provisioned, {time.perf_counter() - started:.0f} s", flush=True)

    print(f"provisioning {len(lines)} tenants into {COUNTRY} …", flush=True)
    await import_tenants(runtime.provisioner(), lines, concurrency=4, on_provisioned=tick)
    print(f"provisioned in {time.perf_counter() - started:.0f} s", flush=True)


async def fill_office(connection: asyncpg.Connection, code: str, rows: list[tuple]) -> None:
    """An office's units, rounds, findings and ledger entries, as its bank rows describe them
    (bench/bank.py's generator; columns in problem_bank.projection.COLUMNS order)."""
    schema = schema_for_code(code)
    units = {r[6]: (r[6], f"B{r[6]:010d}", r[7], r[8]) for r in rows}
    starts: dict[int, tuple] = {}
    for r in rows:
        if r[9] not in starts or r[18] < starts[r[9]][3]:
            starts[r[9]] = (r[9], r[10], f"第{r[9]}轮{r[10]}", r[18])
    async with connection.transaction():
        copy = connection.copy_records_to_table
        await copy("inspected_unit", schema_name=schema, columns=["id", "credit_code", "name", "unit_type"], records=list(units.values()))
        await copy("inspection_round", schema_name=schema, columns=["id", "kind", "name", "starts_on"], records=list(starts.values()))
        await copy("round_unit", schema_name=schema, columns=["round_id", "unit_id"], records=sorted({(r[9], r[6]) for r in rows}))
        await copy(
            "finding",
            schema_name=schema,
            columns=[
                "id",
                "code",
                "round_id",
                "unit_id",
                "taxonomy_code",
                "taxonomy_version",
                "description",
                "severity",
                "fixed_on_spot",
                "found_on",
                "found_by",
            ],
            records=[(r[1], r[5], r[9], r[6], r[11], r[12], r[19], r[13], r[14], r[18], "bench") for r in rows],
        )
        await copy(
            "ledger_entry",
            schema_name=schema,
            columns=["id", "finding_id", "state", "deadline", "responsible_unit", "responsible_person", "closed_at"],
            records=[(r[1], r[1], r[15], r[16], r[7], "负责人", r[17]) for r in rows],
        )
        await connection.execute(f"""
            INSERT INTO {schema}.ledger_event (finding_id, action, from_state, to_state, note, actor, occurred_at)
            SELECT l.finding_id, '进展', '挂号', '整改中', '已制定整改方案并启动', 'bench', f.found_on + 7
            FROM {schema}.ledger_entry l JOIN {schema}.finding f ON f.id = l.finding_id WHERE l.state <> '挂号';
            SELECT setval(pg_get_serial_sequence('{schema}.inspected_unit', 'id'), (SELECT max(id) FROM {schema}.inspected_unit));
            SELECT setval(pg_get_serial_sequence('{schema}.inspection_round', 'id'), (SELECT max(id) FROM {schema}.inspection_round));
            SELECT setval(pg_get_serial_sequence('{schema}.finding', 'id'), (SELECT max(id) FROM {schema}.finding));
            SELECT setval(pg_get_serial_sequence('{schema}.ledger_entry', 'id'), (SELECT max(id) FROM {schema}.ledger_entry));
            ANALYZE {schema}.finding, {schema}.ledger_entry, {schema}.ledger_event, {schema}.inspected_unit, {schema}.inspection_round""")


async def populate(runtime, tenants: Sequence[Row], findings: int, chosen: int, seed: int, today) -> dict:
    """`findings` findings over the provisioned offices `tenants` (registry rows), in their
    schemas and in the bank; `chosen` of the offices holding 20 or more get an inspector
    `mx<code>` and a reviewer `mx<code>r`; a sample of offices is checked as `xuncha bank
    verify` would. Timings."""
    timings: dict = {}
    print(f"generating {findings} findings (bench/bank.py's generator) …", flush=True)
    started = time.perf_counter()
    rows = generate(tenants, await manifestations(runtime), findings, today, seed)
    by_office: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_office[row[0]].append(row)
    timings["generate_seconds"] = round(time.perf_counter() - started, 1)

    print(f"filling {len(by_office)} offices' schemas …", flush=True)
    started = time.perf_counter()
    items = list(by_office.items())
    filled = 0

    async def lane(mine: list) -> None:
        """Offices one after another on a connection of its own, replaced every 200 offices
        (one that touched many schemas grows, DESIGN.md)."""
        nonlocal filled
        for start in range(0, len(mine), 200):
            connection = await asyncpg.connect(asyncpg_dsn(runtime.urls.database_url))
            try:
                for item in mine[start : start + 200]:
                    await fill_office(connection, *item)
                    filled += 1
                    if filled % 250 == 0:
                        print(f"  {filled} / {len(items)} offices, {time.perf_counter() - started:.0f} s", flush=True)
            finally:
                await connection.close()

    await asyncio.gather(*(lane(items[n::FILL_CONCURRENCY]) for n in range(FILL_CONCURRENCY)))
    timings["fill_schemas_seconds"] = round(time.perf_counter() - started, 1)

    print("loading the problem bank …", flush=True)
    timings["bank"] = await load_bank(runtime, rows)
    del rows

    rng = random.Random(seed)
    codes = sorted(rng.sample(sorted(code for code, office_rows in by_office.items() if len(office_rows) >= 20), chosen))
    timings["chosen_levels"] = dict(Counter(t.level for t in tenants if t.code in set(codes)))
    print(f"{chosen} offices chosen ({timings['chosen_levels']}), users …", flush=True)
    password_hash = await hash_password(PASSWORD)
    async with runtime.engine.begin() as connection:
        office_ids = await offices_of(connection, codes)
        for role, suffix in (("inspector", ""), ("reviewer", "r")):
            ids = (
                (
                    await connection.execute(
                        insert(UserAccount).returning(UserAccount.id, sort_by_parameter_order=True),
                        [
                            {"username": f"mx{code}{suffix}", "display_name": f"mx{code}{suffix}", "password_hash": password_hash}
                            for code in codes
                        ],
                    )
                )
                .scalars()
                .all()
            )
            await connection.execute(
                insert(Membership),
                [
                    {"user_id": user_id, "tenant_code": code, "organ_id": office_ids[code], "role": role}
                    for user_id, code in zip(ids, codes, strict=True)
                ],
            )

    sample = rng.sample(sorted(by_office), min(20, len(by_office)))
    print(f"checking the bank against the ledgers (xuncha bank verify) for {len(sample)} offices …", flush=True)
    drifted = [code for code in sample if not (await verify_snapshot(runtime.engine, code)).in_step]
    if drifted:
        raise SystemExit(f"bank rows differ from the ledgers in {drifted}")
    timings["offices_with_findings"] = len(by_office)
    return timings


async def plan_for(runtime, url: str, args, today, target: str) -> dict:
    """What the load client needs: the chosen offices with fresh tokens of their users, how
    many findings each holds, two open ledger entries each with their current version."""
    async with runtime.engine.connect() as connection:
        users = dict((await connection.execute(select(UserAccount.username, UserAccount.id).where(UserAccount.username.like("mx%")))).all())
    tenants = []
    for code in sorted({name[2:8] for name in users}):
        schema = schema_for_code(code)
        async with runtime.engine.connect() as connection:
            findings = (await connection.execute(text(f"SELECT count(*) FROM {schema}.finding"))).scalar_one()
            entries = (
                (
                    await connection.execute(
                        text(
                            f"SELECT finding_id AS id, state, version FROM {schema}.ledger_entry WHERE state <> '已销号' ORDER BY finding_id LIMIT 2"
                        )
                    )
                )
                .mappings()
                .all()
            )
        inspector, reviewer = await token_for(runtime, users[f"mx{code}"]), await token_for(runtime, users[f"mx{code}r"])
        tenants.append(
            {
                "code": code,
                "findings": findings,
                "inspector_token": inspector,
                "entries": [{**entry, "inspector_token": inspector, "reviewer_token": reviewer} for entry in entries],
            }
        )
    return {
        "url": url,
        "target": target,
        "duration": args.duration,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "seed": args.seed,
        "password": PASSWORD,
        "users": sorted(users),
        "tenants": tenants,
        "search_cases": search_cases(today),
    }


# Exclusive attribution: a sample goes to the first of these it meets walking from the leaf
# frame up, skipping the standard library (a socket send is charged to whoever sent).
LIBRARIES = {
    "asyncpg": "asyncpg/",
    "SQLAlchemy": "sqlalchemy/",
    "graphql-core": "graphql/",
    "strawberry": "strawberry/",
    "argon2 (login)": "argon2/",
    "JWT": "jwt/",
    "orjson": "orjson",
    "Litestar": "litestar/",
    "uvicorn / h11 / httptools": "uvicorn/",
    "redis": "redis/",
    "our code (backend/, problem_bank/, tenants/)": "(backend/|(problem_bank/|(tenants/",
}


def library_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for library, fragments in LIBRARIES.items():
            if any(fragment in frame for fragment in fragments.split("|")):
                return library
    return "standard library only (event loop, threads)"


def summarize_profile(raw: Path, top: int = 25) -> dict:
    """py-spy's raw (collapsed) stacks: the share of samples in each category (inclusive, they
    overlap), each library's own share (exclusive), and the leaf frames seen most often."""
    samples = 0
    shares: Counter[str] = Counter()
    own: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        samples += n
        for category, fragments in PROFILE_CATEGORIES.items():
            if any(fragment in stack for fragment in fragments):
                shares[category] += n
        frames = stack.split(";")
        own[library_of(frames)] += n
        leaves[frames[-1]] += n
    if not samples:
        return {"samples": 0}
    return {
        "samples": samples,
        "categories_percent": {c: round(100 * shares[c] / samples, 1) for c in PROFILE_CATEGORIES},
        "libraries_percent": {library: round(100 * n / samples, 1) for library, n in own.most_common()},
        "top_leaf_frames_percent": {f: round(100 * n / samples, 1) for f, n in leaves.most_common(top)},
    }


def bench_env(runtime) -> dict[str, str]:
    """Both servers' environment: this database, production mode, rate limits lifted."""
    return server_env(runtime, BARE_DSN=asyncpg_dsn(runtime.urls.database_url))


async def alternate(runtime, args, today, envs: dict[str, dict], stamp: str) -> dict:
    """Every server (`bare`, or xuncha as itself or a variant, each with its environment) kept
    running while the load visits them in turn: `args.rounds` rounds, each giving every server
    `args.duration / args.rounds` seconds. A machine that speeds up or slows down during the run
    then weighs on all of them alike, which one long stretch per server after the other does
    not. Each server's figures over all its stretches, and each round's throughput."""
    observed: dict[str, list[dict]] = defaultdict(list)
    profile = None
    async with contextlib.AsyncExitStack() as stack:
        servers = {target: await stack.enter_async_context(serving_process(server_command(target), env)) for target, env in envs.items()}
        for round_ in range(args.rounds):
            for target, (url, server) in servers.items():
                warmup = args.warmup if round_ == 0 else min(args.warmup, LATER_WARMUP_SECONDS)
                profiling = bool(args.profile) and target == "xuncha" and round_ == 0
                stretch, recorded = await load_stretch(runtime, args, today, target, url, server, warmup, stamp if profiling else None)
                observed[target].append(stretch)
                profile = recorded or profile
            print(
                f"round {round_ + 1}/{args.rounds}: "
                + ", ".join(f"{target} {per_second(observed[target][-1])} req/s" for target in servers),
                flush=True,
            )
    results = {}
    for target, stretches in observed.items():
        results[target] = {**report(stretches), "per_second_by_round": [per_second(stretch) for stretch in stretches]}
        print(json.dumps({target: {k: results[target][k] for k in ("overall", "error_samples")}}, ensure_ascii=False), flush=True)
    if profile:
        results["xuncha"]["profile"] = profile
    return results


def per_second(stretch: dict) -> float:
    return round(sum(map(len, stretch["latencies"].values())) / stretch["seconds"], 1)


async def load_stretch(runtime, args, today, target: str, url: str, server, warmup: float, profile_stamp: str | None):
    """One stretch of load on one server from the load client (a process of its own): what it
    observed, and the server's profile if `profile_stamp` asks for one."""
    plan = {**await plan_for(runtime, url, args, today, target), "warmup": warmup, "duration": args.duration / args.rounds}
    with tempfile.TemporaryDirectory() as scratch:
        plan_path, result_path = Path(scratch) / "plan.json", Path(scratch) / "result.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False, default=str))
        print(f"{target}: {args.concurrency} clients, {warmup:g} s warm-up + {plan['duration']:g} s …", flush=True)
        client = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.load_client", str(plan_path), str(result_path))
        profile = None
        if profile_stamp:
            await asyncio.sleep(warmup)
            raw = RESULTS / f"mixed-profile-{profile_stamp}.txt"
            RESULTS.mkdir(parents=True, exist_ok=True)
            spy = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(server.pid),
                "--duration",
                str(int(min(args.profile, plan["duration"]))),
                "--rate",
                "100",
                "--format",
                "raw",
                "--output",
                str(raw),
                "--nonblocking",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, error = await spy.communicate()
            profile = (
                {"raw_stacks": str(raw.relative_to(RESULTS.parent.parent)), **summarize_profile(raw)}
                if raw.exists()
                else {"error": error.decode()[-500:]}
            )
        if await client.wait() != 0:
            raise SystemExit(f"the load client failed against {target}")
        return json.loads(result_path.read_text()), profile


@contextlib.asynccontextmanager
async def mixed_database(args, settings: Settings, urls, results: dict):
    """A runtime on the mixed load's database, built first if it is missing or stale (what was
    built and what the database holds go into `results`)."""
    reuse = await prepare(settings, urls, args)
    async with bench_runtime(settings, urls, keep=True, name=database(args)) as runtime:
        results["postgres"] = await server_version(runtime)
        if reuse:
            print(f"reusing {database(args)} (--fresh rebuilds it)", flush=True)
        else:
            tenants = await register_offices(runtime)  # the copied country's rows
            results["build"] = await populate(runtime, tenants, args.findings, args.tenants, args.seed, runtime.clock.today())
            async with runtime.engine.connect() as connection:
                await connection.execute(text(f"COMMENT ON DATABASE \"{database(args)}\" IS '{mark(args, settings)}'"))
                await connection.commit()
            print(f"built: {results['build']}", flush=True)
        async with runtime.engine.connect() as connection:
            results["database"] = dict(
                (
                    await connection.execute(
                        text(
                            "SELECT (SELECT count(*) FROM tenancy.tenant) AS tenants, (SELECT count(*) FROM problem_bank.problem) AS bank_rows,"
                            " pg_size_pretty(pg_database_size(current_database())) AS size"
                        )
                    )
                )
                .mappings()
                .one()
            )
        yield runtime


def server_command(target: str) -> list[str]:
    return (
        ["-m", "backend", "serve"]
        if target != "bare"
        else ["-m", "uvicorn", "bench.bare_stack:app", "--no-access-log", "--log-level", "warning"]
    )


async def run(args, settings: Settings, urls) -> dict:
    today = settings.clock().today()
    results: dict = {
        "findings": args.findings,
        "tenants": args.tenants,
        "today": today.isoformat(),
        "mix": "70% reads (30 list, 20 detail, 5 dashboard, 15 search), 25% ledger writes, 5% logins",
    }
    async with mixed_database(args, settings, urls, results) as runtime:
        env = bench_env(runtime)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        variants = {
            label: dict(pair.split("=", 1) for pair in assignments.split(","))
            for label, _, assignments in (variant.partition(":") for variant in args.variant)
        }
        targets = ["xuncha", *variants, "bare"] if args.only is None else [args.only]
        results["targets"] = targets
        results["method"] = (
            f"{args.rounds} rounds; in each, every server in turn gets {args.duration / args.rounds:g} s of load "
            f"(the first after a {args.warmup:g} s warm-up); the servers run throughout"
        )
        results |= await alternate(runtime, args, today, {target: {**env, **variants.get(target, {})} for target in targets}, stamp)
        for target in variants:
            results[target]["env"] = variants[target]
    if "bare" in results:
        bare = results["bare"]
        results["ratio_to_bare"] = {
            target: {
                "throughput": round(results[target]["overall"]["per_second"] / bare["overall"]["per_second"], 2),
                **{p: round(results[target]["overall"][f"{p}_ms"] / bare["overall"][f"{p}_ms"], 2) for p in ("p50", "p95", "p99")},
                "throughput_by_round": [
                    round(ours / theirs, 2)
                    for ours, theirs in zip(results[target]["per_second_by_round"], bare["per_second_by_round"], strict=False)
                ],
            }
            for target in targets
            if target != "bare"
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds of measured load per server")
    parser.add_argument("--warmup", type=float, default=15, help="seconds of load before measuring")
    parser.add_argument("--rounds", type=int, default=5, help="the servers take turns this many times (duration split evenly)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=500, help="offices the load spreads over")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fresh", action="store_true", help=f"rebuild {DATABASE}_<findings> even if it is there")
    parser.add_argument("--profile", type=float, default=0, metavar="S", help="py-spy the xuncha server for S seconds")
    parser.add_argument("--only", choices=("xuncha", "bare"))
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL:VAR=VALUE[,VAR=VALUE]",
        help="run xuncha once more with this environment (a setting to compare, say), between xuncha and bare",
    )
    args = parser.parse_args()
    run_suite("mixed", run, args)


if __name__ == "__main__":
    main()
