"""What an e-mail or a webhook may say of an event: its text only when what the event is about
is marked 公开 (backend/sensitivity.py); otherwise only that there is something to read in the
system. The marking is read when the message is sent, so a marking raised after the event
still holds. The inbox, inside the system, always has the whole text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.findings.models import Finding
from backend.letters.models import DisciplineLetter
from backend.notifications.events import EventType
from backend.sensitivity import GENERIC_NOTICE, Sensitivity, strictest
from tenants.naming import TENANT_SCHEMA_PLACEHOLDER, schema_for_code

# The payload keys naming what an event is about, and that thing's id and marking columns.
MARKED_BY: dict[str, tuple[Any, Any]] = {
    "finding_id": (Finding.id, Finding.sensitivity),
    "letter_id": (DisciplineLetter.id, DisciplineLetter.sensitivity),
}


async def outward_text(connection: AsyncConnection, tenant_code: str, payload: dict[str, Any], kind: EventType) -> tuple[str, str]:
    if await marking_of(connection, tenant_code, payload) is Sensitivity.PUBLIC:
        return kind.title(payload), kind.body(payload)
    return GENERIC_NOTICE, GENERIC_NOTICE


async def marking_of(connection: AsyncConnection, tenant_code: str, payload: dict[str, Any]) -> Sensitivity:
    """The marking of what the event is about (unmarked: 内部)."""
    for key, (id_column, marking_column) in MARKED_BY.items():
        if key in payload:
            marking = (
                await connection.execute(
                    select(marking_column).where(id_column == payload[key]),
                    execution_options={"schema_translate_map": {TENANT_SCHEMA_PLACEHOLDER: schema_for_code(tenant_code)}},
                )
            ).scalar_one_or_none()
            return strictest(marking)
    return strictest(payload.get("sensitivity"))
