"""Writing to the transactional outbox: an event row in the caller's transaction, and a
NOTIFY that PostgreSQL delivers to the relay only if that transaction commits."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.notifications.events import EVENT_TYPES, Payload
from backend.notifications.models import OutboxEvent

CHANNEL = "xuncha_outbox"


async def emit(connection: AsyncConnection, tenant_code: str, event_type: str, payload: Payload) -> None:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    await connection.execute(_EMIT, {"tenant_code": tenant_code, "event_type": event_type, "payload": payload})


# One round trip: the insert and the NOTIFY in one statement, the NOTIFY outside the insert's
# RETURNING (Citus refuses a volatile function there; the outbox is a reference table on a
# cluster). Built once.
_EVENT = (
    insert(OutboxEvent)
    .values({column: bindparam(column.key) for column in (OutboxEvent.tenant_code, OutboxEvent.event_type, OutboxEvent.payload)})
    .returning(literal(1))
    .cte("event")
)
_EMIT = select(func.pg_notify(CHANNEL, "")).select_from(_EVENT)


async def emit_many(connection: AsyncConnection, events: list[tuple[str, str, Payload]]) -> None:
    """Several (tenant code, event type, payload) events in one batched insert, and one NOTIFY."""
    if not events:
        return
    if unknown := {event_type for _, event_type, _ in events} - EVENT_TYPES.keys():
        raise ValueError(f"unknown event types {sorted(unknown)}")
    await connection.execute(
        insert(OutboxEvent),
        [{"tenant_code": tenant_code, "event_type": event_type, "payload": payload} for tenant_code, event_type, payload in events],
    )
    await connection.execute(select(func.pg_notify(CHANNEL, "")))
