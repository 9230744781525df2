"""Applying a division change to a live office: the same office under a new code (改代码,
改代码并更名, or 并入 a successor not yet provisioned), or merged into an office that already
runs (并入).

A recode renames the office's schema and rewrites every row that names the old code. Which
columns name an office is a convention the schema keeps: **every `varchar(6)` column holds a
division code** (tests/test_recode.py scans the whole database for the old code after a
recode, so a column that breaks the convention fails there). Shared schemas are rewritten
whole; in tenant schemas an office is named only by itself and its ancestors (a case an upper
office opens about a lower office's unit, a 12310 report transferred to the parent), so only
those schemas are rewritten (an office with offices below it is not recoded: its children
would change codes too, and are recoded or merged first). The problem
bank's count tables are not rewritten: the office's are recounted from its rewritten rows. History is
never rewritten: the audit trails (append-only) keep the code an entry was made under, and the
former codes below.

The old code stays in `tenancy.code_change`, so what was given out under it (a reporter's
12310 query code, a bookmark) still leads to the office (tenants/code_history.py).

The office is suspended first (its members' grants are void at once, backend/identity), then
one transaction locks its tables (waiting for writes in flight) and applies the change; the
office is active again under its new code. A reader sees it under the old code or the new,
never half of each. Run it in a quiet hour: a request already past its sign-in check when the
change commits may still fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from problem_bank.counts import recount
from tenants.citus import on_cluster
from tenants.divisions import LEVEL_NAMES, Level, division_changes, level_of, possible_parents
from tenants.errors import DomainError
from tenants.models import CodeChange, Tenant, TenantStatus
from tenants.naming import check_code, quoted_schema, schema_for_code
from tenants.organs import rename_organs
from tenants.registry import TenantSpec, clean_name, plan_tenant, registered_levels

RECODE, MERGE = "recode", "merge"

# Tables whose codes are not rewritten: recounted from the bank's rows, or history.
DERIVED_TABLES = frozenset(
    {
        "problem_bank.problem_count_by_taxonomy",
        "problem_bank.problem_count_by_unit_type",
        "problem_bank.problem_count_by_month",
    }
)
HISTORY_TABLES = frozenset({"tenancy.code_change"})
KEY_COLUMN = "tenancy.tenant.code"  # moved by copying the row, see _move_registry_row

_CODE_COLUMNS = text(
    """SELECT n.nspname AS schema, c.relname AS "table", a.attname AS "column"
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'varchar'::regtype AND a.atttypmod = 6 + 4
    ORDER BY 1, 2, 3"""
)
_SHARED_SCHEMAS = text(
    r"""SELECT nspname FROM pg_namespace
    WHERE nspname !~ '^(t|spare_)\d{6}$' AND nspname !~ '^pg_' AND nspname <> 'information_schema'"""
)
_TABLES = text(
    """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') ORDER BY 1"""
)


@dataclass(frozen=True)
class Recoded:
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    rows: int  # rows rewritten that named the old code


def recorded_successor(code: str) -> tuple[str, str | None]:
    """The register's successor of a changed code (new code, new name), or NO_SUCCESSOR."""
    change = division_changes().get(code)
    if change is None or change.new_code is None:
        raise DomainError("NO_SUCCESSOR", f"名录没有记录代码 {code} 的新代码，请用 --to 给出", field="to")
    return change.new_code, change.new_name


async def recode(engine: AsyncEngine, old_code: str, new_code: str, name: str | None, *, actor: str, now: datetime) -> Recoded:
    """Give office `old_code` the code `new_code` (and `name`, by default the register's)."""
    old_code, new_code = check_code(old_code, "code"), check_code(new_code, "to")
    async with engine.begin() as connection:
        if await on_cluster(connection):  # the bank's rows are distributed by office code, which Citus does not rewrite in place
            raise DomainError("CLUSTER_UNSUPPORTED", "Citus 集群上暂不支持机构代码变更（问题库按机构代码分片）", field="code")
        office = await _office(connection, old_code)
        spec = await _planned(connection, office, new_code, name)
        await _set_status(connection, old_code, TenantStatus.SUSPENDED.value)
    try:
        async with engine.begin() as connection:
            await _lock_tables(connection, office.schema_name)
            await _move_registry_row(connection, office, spec.code, spec.name)
            shared = list((await connection.execute(_SHARED_SCHEMAS)).scalars())
            rows = await _rewrite(connection, shared, old_code, new_code)
            await connection.execute(text(f"ALTER SCHEMA {quoted_schema(office.schema_name)} RENAME TO {quoted_schema(spec.schema_name)}"))
            ancestors = [code for code in (office.province_code, office.city_code) if code not in (None, old_code)]
            rows += await _rewrite(connection, [schema_for_code(code) for code in (*ancestors, new_code)], old_code, new_code)
            await recount(connection, [old_code, new_code])  # before the old registry row goes: the counts refer to it
            await connection.execute(delete(Tenant).where(Tenant.code == old_code))
            await rename_organs(connection, Level(office.level), (old_code, office.name), (new_code, spec.name))
            await _remember(connection, old_code, office.name, new_code, spec.name, RECODE, actor, now)
    except BaseException:
        async with engine.begin() as connection:
            await _set_status(connection, old_code, office.status)
        raise
    return Recoded(old_code, office.name, new_code, spec.name, rows)


async def _planned(connection: AsyncConnection, office: Row[Any], new_code: str, name: str | None) -> TenantSpec:
    """The office under its new code, if the change keeps it where it is: same level, same
    parent, no offices below it (their codes would change with it; they are recoded first)."""
    level = Level(office.level)
    if level is Level.PROVINCE:
        raise DomainError("PROVINCE_CODE", "省级机构的代码不变更", field="code")
    if level_of(new_code) is not level:
        raise DomainError(
            "WRONG_LEVEL", f"{office.name}是{LEVEL_NAMES[level]}机构，新代码 {new_code} 却是{LEVEL_NAMES[level_of(new_code)]}", field="to"
        )
    if office.parent_code not in possible_parents(new_code):
        raise DomainError(
            "CHANGES_PARENT",
            f"新代码 {new_code} 不在上级 {office.parent_code} 之下：跨上级的变更请在新代码下开通机构，再用 merge 将原机构并入",
            field="to",
        )
    if (await connection.execute(select(Tenant.code).where(Tenant.parent_code == office.code).limit(1))).first() is not None:
        raise DomainError("HAS_CHILDREN", f"{office.name}下有已开通的机构，请先处理下级机构", field="code")
    return plan_tenant(new_code, await registered_levels(connection), name=name, parent_code=office.parent_code)


async def merge(engine: AsyncEngine, old_code: str, into: str, *, actor: str, now: datetime) -> Row[Any]:
    """Office `old_code` merged into the running office `into`: it is suspended (its data stays,
    for its ancestors' statistics and the record) and its code leads to `into` from now on."""
    old_code, into = check_code(old_code, "code"), check_code(into, "into")
    async with engine.begin() as connection:
        office = await _office(connection, old_code)
        successor = (await connection.execute(select(Tenant.name).where(Tenant.code == into))).scalar_one_or_none()
        if successor is None or into == old_code:
            raise DomainError("NOT_FOUND", f"并入的机构 {into} 尚未开通；未开通的新代码请用 recode", field="into")
        await _set_status(connection, old_code, TenantStatus.SUSPENDED.value)
        await _remember(connection, old_code, office.name, into, successor, MERGE, actor, now)
        return (await connection.execute(select(CodeChange).where(CodeChange.old_code == old_code))).one()


async def _office(connection: AsyncConnection, code: str) -> Row[Any]:
    office = (await connection.execute(select(Tenant).where(Tenant.code == code).with_for_update())).one_or_none()
    if office is None:
        raise DomainError("NOT_FOUND", f"没有开通代码为 {code} 的机构", field="code")
    return office


async def _set_status(connection: AsyncConnection, code: str, status: str) -> None:
    await connection.execute(update(Tenant).where(Tenant.code == code).values(status=status))


async def _lock_tables(connection: AsyncConnection, schema: str) -> None:
    """Wait for the office's writes in flight and hold off new ones until the change commits."""
    tables = (await connection.execute(_TABLES, {"schema": schema})).scalars().all()
    names = ", ".join(f'{quoted_schema(schema)}."{table}"' for table in tables)
    await connection.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))


async def _move_registry_row(connection: AsyncConnection, office: Row[Any], code: str, name: str) -> None:
    """The registry row under its new key, beside the old one until every reference has moved
    (memberships and organs point at it; a city's own `city_code` moves with the rewrite), in
    the status the office had before it was suspended for the change."""
    kept = ("level", "parent_code", "province_code", "city_code", "schema_version", "created_at", "status")
    values = {column: getattr(office, column) for column in kept}
    await connection.execute(insert(Tenant).values(**values, code=code, name=name, schema_name=schema_for_code(code)))


async def _rewrite(connection: AsyncConnection, schemas: list[str], old_code: str, new_code: str) -> int:
    """Every division-code column of `schemas` holding `old_code` set to `new_code`; the rows changed."""
    rows = 0
    for schema, table, column in (await connection.execute(_CODE_COLUMNS, {"schemas": schemas})).all():
        qualified = f"{schema}.{table}"
        if qualified in DERIVED_TABLES or qualified in HISTORY_TABLES or f"{qualified}.{column}" == KEY_COLUMN:
            continue
        statement = text(f'UPDATE "{schema}"."{table}" SET "{column}" = :new WHERE "{column}" = :old')
        rows += (await connection.execute(statement, {"old": old_code, "new": new_code})).rowcount
    return rows


async def _remember(
    connection: AsyncConnection, old_code: str, old_name: str, new_code: str, new_name: str, change: str, actor: str, now: datetime
) -> None:
    # A code recoded back to one it held before: the older entry gives way to the new.
    await connection.execute(delete(CodeChange).where(CodeChange.old_code == new_code))
    await connection.execute(
        insert(CodeChange).values(
            old_code=old_code,
            old_name=old_name,
            new_code=new_code,
            new_name=clean_name(new_name),
            change=change,
            changed_by=actor,
            changed_at=now,
        )
    )
