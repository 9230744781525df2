"""An organ's work in figures (issue 21 item 7): documents it sent by kind, documents it received
by state with how many are late, and the clues it sees by source, state and result, with how
many are past their 办理时限. Three grouped statements, whatever the volume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.clues.models import Clue, ClueOrgan, ClueState
from backend.correspondence.models import Copy, Document, Recipient
from backend.correspondence.service import OPEN, readers_of
from tenants.access import Principal, not_found
from tenants.scoping import reading


@dataclass(frozen=True)
class Count:
    key: tuple[Any, ...]  # the grouping columns' values
    count: int
    late: int


@dataclass(frozen=True)
class OrganFigures:
    sent: list[Count]  # by kind; late: documents with a main recipient past its 办理时限
    received: list[Count]  # by kind and state; late: those past their 办理时限 still open
    clues: list[Count]  # by source, state and result; late: those past their 办理时限 not concluded


async def organ_figures(engine: AsyncEngine, principal: Principal, organ_id: int, today: date) -> OrganFigures:
    if organ_id not in readers_of(principal):
        raise not_found()
    overdue = and_(Document.due_on < today, Recipient.state.in_(OPEN), Recipient.copy == Copy.MAIN.value)
    late_recipient = func.count().filter(overdue)
    sent = (
        select(Document.kind, func.count(func.distinct(Document.id)), func.count(func.distinct(Document.id)).filter(overdue))
        .join(Recipient, Recipient.document_id == Document.id)
        .where(Document.sender_organ_id == organ_id)
        .group_by(Document.kind)
    )
    received = (
        select(Document.kind, Recipient.state, func.count(), late_recipient)
        .join(Document, Document.id == Recipient.document_id)
        .where(Recipient.organ_id == organ_id)
        .group_by(Document.kind, Recipient.state)
    )
    clue_late = func.count().filter(and_(Clue.due_on < today, Clue.state != ClueState.CONCLUDED.value))
    clues = (
        select(Clue.source, Clue.state, Clue.result, func.count(), clue_late)
        .join(ClueOrgan, ClueOrgan.clue_id == Clue.id)
        .where(ClueOrgan.organ_id == organ_id)
        .group_by(Clue.source, Clue.state, Clue.result)
    )
    async with reading(engine).connect() as connection:
        figures = [
            [Count(tuple(row[:-2]), row[-2], row[-1]) for row in await connection.execute(statement)]
            for statement in (sent, received, clues)
        ]
    return OrganFigures(*figures)
