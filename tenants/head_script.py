"""The tenant schema at the head as one DDL script, `migrations/tenant/head.sql`, which builds a
schema from nothing (a spare, or a tenant when the pool is empty) creating each relation once.
The migrations in order create tables and then alter them — t0028 rewrites ten tables to drop
the TOAST tables their first version had — which made a build 1.27× slower than before t0028 and
left dead rows in the catalog; by the script a build takes 0.91× (BENCHMARKS.md, "The cost of a
tenant").

The script is generated, never edited: `xuncha db head-script` builds a scratch schema by the
migrations, dumps it with pg_dump (definitions only, names unqualified) and adds the version
row. tests/test_provisioning.py builds a schema each way and compares them; a stream whose head
is not the script's (a migration added since, or one staged by a test) builds by the migrations.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

SCRATCH_SCHEMA = "t000000"  # no division has code 000000, so no tenant this schema
_HEADER = "-- 机构 schema 在版本 {version} 的定义：由 `xuncha db head-script` 从迁移生成，请勿手工修改\n"
# What pg_dump writes around the definitions: session settings, comments, psql meta-commands,
# and the schema itself (the caller creates it and points search_path at it).
_NOT_DDL = re.compile(r"^(--|SET |SELECT pg_catalog\.set_config|\\|CREATE SCHEMA )")


def head_script_path(migrations_dir: Path) -> Path:
    return migrations_dir / "tenant" / "head.sql"


def read_head_script(migrations_dir: Path, head: str) -> str | None:
    """The script if it is at `head`, else None (build by the migrations)."""
    path = head_script_path(migrations_dir)
    if not path.exists():
        return None
    script = path.read_text(encoding="utf-8")
    return script if script.startswith(_HEADER.format(version=head)) else None


def dump_head_script(dsn: str, head: str, pg_dump: str = "pg_dump") -> str:
    """The script from `SCRATCH_SCHEMA`, which the migrations have built to `head`."""
    dumped = subprocess.run(
        [pg_dump, "--schema-only", "--no-owner", "--no-privileges", f"--schema={SCRATCH_SCHEMA}", dsn],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in dumped.replace(f"{SCRATCH_SCHEMA}.", "").splitlines() if not _NOT_DDL.match(line)]
    if any(SCRATCH_SCHEMA in line for line in lines):
        raise RuntimeError(f"pg_dump 的输出中仍有 {SCRATCH_SCHEMA}")
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return f"{_HEADER.format(version=head)}\n{body}\n\nINSERT INTO alembic_version (version_num) VALUES ('{head}');\n"
