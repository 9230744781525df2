"""Former codes of offices (tenancy.code_change, written by tenants/recode.py): what was given
out under an old code (a reporter's 12310 query code, a bookmark, another system's reference)
still leads to the office under its new one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tenants.errors import DomainError
from tenants.models import CodeChange

MAX_HOPS = 16  # an office recoded again and again


async def current_code(connection: AsyncConnection, code: str) -> Row[Any] | None:
    """The latest change of a former code (followed through every later recode); None for a
    code that never changed."""
    latest = None
    for _ in range(MAX_HOPS):
        change = (await connection.execute(select(CodeChange).where(CodeChange.old_code == code))).one_or_none()
        if change is None:
            break
        latest, code = change, change.new_code
    return latest


def recoded(old_code: str, change: Row[Any], field: str) -> DomainError:
    """The refusal of a former code, naming the code to use now."""
    on = change.changed_at.date().isoformat()
    return DomainError(
        "TENANT_RECODED", f"机构代码 {old_code} 已于 {on} 改为 {change.new_code}（{change.new_name}），请使用新代码", field=field
    )
