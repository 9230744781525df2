"""The tests on a Citus cluster (`./dev test --citus`, as .ci/run does after the main suite): a
coordinator and two workers started here (as `../shared/tools/citus/cluster.sh` does: the
machine's PostgreSQL 15 with the citus extension, `./dev` builds it when missing) on free
ports under a temporary directory, stopped at the end. A database is created on every node
(Citus keeps its nodes per database): the session's template with the citus extension, the
workers registered and the shared schemas migrated and placed, then each test's database as a
copy of it on every node, which together are again one cluster database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from backend.db import asyncpg_dsn
from bench.common import free_port

ENABLED = os.environ.get("XUNCHA_TEST_CITUS", "") in {"1", "true"}
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
WORKERS = 2
NODE_SETTINGS = """
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket}'
max_connections = 300
fsync = off
jit = off
citus.override_table_visibility = off
"""


def _as_postgres(command: list[str]) -> list[str]:
    """initdb refuses root: run the servers as the `postgres` system user when root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _psql(port: int, sql: str) -> None:
    subprocess.run(
        [POSTGRES_BIN / "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qAtc", sql], check=True, capture_output=True
    )


@contextlib.contextmanager
def running_cluster(workers: int = WORKERS, *, citus: bool = True) -> Iterator[str]:
    """A coordinator and `workers` workers while the block runs; the coordinator's URL. With
    `citus=False`, one plain PostgreSQL set up the same way (the benchmarks' single node)."""
    ports = [free_port() for _ in range(workers + 1)]
    with tempfile.TemporaryDirectory(prefix="xuncha-citus-") as directory:
        folder = Path(directory)
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", directory], check=True)
        nodes = [folder / f"node{i}" for i in range(workers + 1)]
        try:
            for node, port in zip(nodes, ports, strict=True):
                initdb = [POSTGRES_BIN / "initdb", "-D", node, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
                subprocess.run(_as_postgres([str(part) for part in initdb]), check=True, capture_output=True)
                settings = NODE_SETTINGS.format(port=port, socket=node)
                with (node / "postgresql.conf").open("a") as conf:
                    conf.write(settings if citus else settings.replace("shared_preload_libraries = 'citus'\n", ""))
                start = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(node), "-l", str(node / "log"), "-w", "start"]
                subprocess.run(_as_postgres(start), check=True, capture_output=True)
                if citus:
                    _psql(port, "CREATE EXTENSION citus")
            if citus:
                _psql(ports[0], f"SELECT citus_set_coordinator_host('127.0.0.1', {ports[0]})")
                for port in ports[1:]:
                    _psql(ports[0], f"SELECT citus_add_node('127.0.0.1', {port})")
            yield f"postgresql://postgres@127.0.0.1:{ports[0]}/postgres"
        finally:
            for node in nodes:
                if node.exists():
                    stop = [str(POSTGRES_BIN / "pg_ctl"), "-D", str(node), "-m", "immediate", "-w", "stop"]
                    subprocess.run(_as_postgres(stop), check=False, capture_output=True)


async def nodes(admin: asyncpg.Connection) -> list[tuple[str, int]]:
    """(host, port) of the coordinator and the workers, from the coordinator's `postgres` database."""
    return [(host, port) for host, port in await admin.fetch("SELECT nodename, nodeport FROM pg_dist_node ORDER BY groupid")]


async def on_each_node(admin: asyncpg.Connection, *statements: str, database: str = "postgres") -> None:
    """Run `statements` on every node, in `database`, with Citus's own propagation off (each node
    does its part here)."""
    user = admin.get_settings().session_authorization
    for host, port in await nodes(admin):
        connection = await asyncpg.connect(host=host, port=port, user=user, database=database)
        try:
            await connection.execute("SET citus.enable_ddl_propagation TO off")
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()


async def create_database(admin: asyncpg.Connection, name: str, template: str | None) -> None:
    """`name` on every node: a copy of `template` on each (a template made by `freeze`, so the
    copies form a cluster database as the templates did), or empty with the citus extension and
    the workers added to its metadata. `admin` is connected to the coordinator's `postgres`."""
    if template:
        await on_each_node(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return
    await on_each_node(admin, f'CREATE DATABASE "{name}"')
    await on_each_node(admin, "CREATE EXTENSION citus", database=name)
    (coordinator_host, coordinator_port), *workers = await nodes(admin)
    user = admin.get_settings().session_authorization
    database = await asyncpg.connect(host=coordinator_host, port=coordinator_port, user=user, database=name)
    try:
        await database.execute("SELECT citus_set_coordinator_host($1, $2)", coordinator_host, coordinator_port)
        for host, port in workers:
            await database.execute("SELECT citus_add_node($1, $2)", host, port)
    finally:
        await database.close()


async def freeze(server_url: str, name: str) -> None:
    """Make `name` a template on every node: no connections allowed, and none left (Citus's
    maintenance daemon and cached connections between the nodes hold some)."""
    admin = await asyncpg.connect(asyncpg_dsn(server_url, "postgres"))
    try:
        await on_each_node(
            admin,
            f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
    finally:
        await admin.close()


async def drop_database(admin: asyncpg.Connection, name: str) -> None:
    await on_each_node(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
