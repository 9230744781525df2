"""Writing to the transactional outbox: an event row in the caller's transaction, and a
NOTIFY that PostgreSQL delivers to the relay only if that transaction commits."""

from __future__ import annotations

from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.notifications.events import EVENT_TYPES, Payload
from backend.notifications.models import OutboxEvent

CHANNEL = "xuncha_outbox"


async def emit(connection: AsyncConnection, tenant_code: str, event_type: str, payload: Payload) -> None:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    # One round trip: the NOTIFY rides on the insert's RETURNING.
    await connection.execute(
        insert(OutboxEvent).values(tenant_code=tenant_code, event_type=event_type, payload=payload)
        .returning(func.pg_notify(CHANNEL, ""))
    )
