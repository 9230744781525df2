"""Keeping `supervision.answer_due` in step with a unit's answers to its 反馈意见, in the
transaction of the act that changes them: the 统一反馈 expects a 整改方案 and a 整改情况报告; a
plan is in once submitted, out again if returned; a report is in once first submitted."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.supervision.models import AnswerDocument, AnswerDue


async def expect_answers(
    connection: AsyncConnection, tenant_code: str, round_id: int, unit_id: int, *, plan_due: date, report_due: date
) -> None:
    await connection.execute(
        insert(AnswerDue),
        [
            {"tenant_code": tenant_code, "round_id": round_id, "unit_id": unit_id, "document": document.value, "due_on": due_on}
            for document, due_on in ((AnswerDocument.PLAN, plan_due), (AnswerDocument.REPORT, report_due))
        ],
    )


async def record_answer(
    connection: AsyncConnection, tenant_code: str, round_id: int, unit_id: int, document: AnswerDocument, *, answered: bool
) -> None:
    """The document is in, or out again."""
    await connection.execute(
        update(AnswerDue)
        .where(
            AnswerDue.tenant_code == tenant_code,
            AnswerDue.round_id == round_id,
            AnswerDue.unit_id == unit_id,
            AnswerDue.document == document.value,
        )
        .values(answered_at=func.now() if answered else None)
    )
