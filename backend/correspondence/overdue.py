"""The deadline engine's part for organs (backend/supervision/engine.py runs it each working
morning): a 主送 recipient that has not finished a document by its 办理时限, and a clue not
concluded by its 办理时限, are reminded once — the handling organ and the sender both hear it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.clues.models import Clue, ClueState
from backend.correspondence.models import Copy, Document, Recipient
from backend.correspondence.service import OPEN
from backend.notifications.outbox import emit_many
from tenants.organs import Organ


async def remind_late_documents(connection: AsyncConnection, today: date) -> int:
    late = (
        await connection.execute(
            update(Recipient)
            .where(
                Recipient.document_id == Document.id,
                Recipient.copy == Copy.MAIN.value,
                Recipient.state.in_(OPEN),
                Recipient.reminded_at.is_(None),
                Document.due_on < today,
            )
            .values(reminded_at=func.now())
            .returning(Recipient.organ_id, Document.sender_organ_id, Document.sender_tenant_code, Document.document_number, Document.due_on)
        )
    ).all()
    names = await _short_names(connection, {row.organ_id for row in late})
    await emit_many(
        connection,
        [
            (
                row.sender_tenant_code,
                "correspondence.overdue",
                {
                    "organ_ids": [row.organ_id, row.sender_organ_id],
                    "document_number": row.document_number,
                    "due_on": row.due_on.isoformat(),
                    "recipient": names[row.organ_id],
                },
            )
            for row in late
        ],
    )
    return len(late)


async def remind_late_clues(connection: AsyncConnection, today: date) -> int:
    late = (
        await connection.execute(
            update(Clue)
            .where(Clue.state != ClueState.CONCLUDED.value, Clue.reminded_at.is_(None), Clue.due_on < today)
            .values(reminded_at=func.now())
            .returning(Clue.id, Clue.tenant_code, Clue.handling_organ_id, Clue.registered_by_organ_id, Clue.due_on)
        )
    ).all()
    await emit_many(
        connection,
        [
            (
                row.tenant_code,
                "clue.overdue",
                {"organ_ids": [row.handling_organ_id, row.registered_by_organ_id], "clue_id": row.id, "due_on": row.due_on.isoformat()},
            )
            for row in late
        ],
    )
    return len(late)


async def _short_names(connection: AsyncConnection, organ_ids: set[int]) -> dict[int, str]:
    if not organ_ids:
        return {}
    return dict((await connection.execute(select(Organ.id, Organ.short_name).where(Organ.id.in_(organ_ids)))).all())
