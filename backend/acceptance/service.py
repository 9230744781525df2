"""Recording a unit's 验收: the problems the office finds rectified are closed (验收销号) and the
record says how many stay open; the round, at 整改, moves on to 验收."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Row, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.acceptance.models import Acceptance
from backend.audit.service import record_audit
from backend.feedback.service import feedback_day, require_problems_given
from backend.feedback.terms import terms_of
from backend.findings.models import Finding
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ENTRY_KEYS, move_entries
from backend.ledger.workflow import CLOSE_AT_ACCEPTANCE
from backend.rounds.workflow import ACCEPTING, RECTIFYING, lock_round_at, move_round_on
from backend.text import clean_text
from problem_bank.rectification import OPEN_STATES
from tenants.access import Principal, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader


@dataclass(frozen=True)
class AcceptanceOrder:
    round_id: int
    unit_id: int
    accepted_on: date
    conclusion: str
    score: Decimal | None
    close: list[int]  # the problems found rectified


def check_acceptance(
    *, round_id: int, unit_id: int, accepted_on: date, conclusion: str, score: Decimal | None, close: Sequence[int], today: date
) -> AcceptanceOrder:
    if accepted_on > today:
        raise DomainError("INVALID_DATE", "验收日期不能晚于今天", field="acceptedOn")
    if score is not None and not Decimal(0) <= score <= Decimal(100):
        raise DomainError("INVALID_SCORE", "验收得分须在 0 到 100 之间", field="score")
    if len(set(close)) != len(close):
        raise DomainError("INVALID_INPUT", "销号的问题不能重复", field="close")
    return AcceptanceOrder(round_id, unit_id, accepted_on, clean_text(conclusion, "conclusion", required=True), score, list(close))


class AcceptanceService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, principal: Principal, tenant_code: str, order: AcceptanceOrder, request_id: str | None, *, now: datetime) -> Row:
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            round_row = await lock_round_at(connection, order.round_id, ACCEPTING, "验收")
            given_on = await feedback_day(connection, order.round_id, order.unit_id)
            if order.accepted_on < given_on:
                raise DomainError("INVALID_DATE", "验收日期不能早于反馈日期", field="acceptedOn")
            done = select(Acceptance.id).where(Acceptance.round_id == order.round_id, Acceptance.unit_id == order.unit_id)
            if (await connection.execute(done)).first() is not None:
                raise DomainError("ALREADY_ACCEPTED", "该单位本轮次已经验收", field="unitId")
            if order.score is None and (await terms_of(connection, tenant_code)).acceptance_scored:
                raise DomainError("SCORE_REQUIRED", "本省要求验收打分，请填写验收得分（0–100）", field="score")
            await require_problems_given(connection, order.round_id, order.unit_id, order.close, "close")
            await _close(connection, principal, tenant_code, order, request_id, now)
            row = await _insert(connection, principal, tenant_code, order, request_id)
            if round_row.state == RECTIFYING:
                await move_round_on(
                    connection, round_row, "accept", tenant_code=tenant_code, actor=principal.username, note=None, request_id=request_id
                )
        return row

    async def of_round(self, principal: Principal, tenant_code: str, round_id: int) -> Sequence[Row]:
        """A round's 验收 records, by unit (a liaison: its unit's)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        query = select(Acceptance).where(Acceptance.round_id == round_id).order_by(Acceptance.unit_id)
        if units is not None:
            query = query.where(Acceptance.unit_id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return (await connection.execute(query)).all()


async def _close(
    connection: AsyncConnection, principal: Principal, tenant_code: str, order: AcceptanceOrder, request_id: str | None, now: datetime
) -> None:
    entries = (
        await connection.execute(
            select(*ENTRY_KEYS, Finding.code, Finding.unit_id)
            .join(Finding, Finding.id == LedgerEntry.finding_id)
            .where(LedgerEntry.finding_id.in_(order.close))
            .order_by(LedgerEntry.finding_id)
            .with_for_update(of=LedgerEntry)
        )
    ).all()
    await move_entries(
        connection,
        tenant_code,
        CLOSE_AT_ACCEPTANCE,
        entries,
        lambda entry: {"closed_at": now, "close_note": order.conclusion},
        actor=principal.username,
        note=order.conclusion,
        request_id=request_id,
        event_payload=lambda entry: {
            "finding_id": entry.id,
            "finding_code": entry.code,
            "unit_id": entry.unit_id,
            "note": order.conclusion,
        },
    )


async def _insert(
    connection: AsyncConnection, principal: Principal, tenant_code: str, order: AcceptanceOrder, request_id: str | None
) -> Row:
    left_open = (
        await connection.execute(
            select(func.count())
            .select_from(Finding)
            .join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
            .where(Finding.round_id == order.round_id, Finding.unit_id == order.unit_id, LedgerEntry.state.in_(sorted(OPEN_STATES)))
        )
    ).scalar_one()
    row = (
        await connection.execute(
            insert(Acceptance)
            .values(
                round_id=order.round_id,
                unit_id=order.unit_id,
                accepted_on=order.accepted_on,
                conclusion=order.conclusion,
                score=order.score,
                closed=len(order.close),
                left_open=left_open,
                recorded_by=principal.username,
            )
            .returning(Acceptance)
        )
    ).one()
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action="acceptance.recorded",
        entity="acceptance",
        entity_id=str(row.id),
        after={
            "round_id": order.round_id,
            "unit_id": order.unit_id,
            "accepted_on": order.accepted_on.isoformat(),
            "score": None if order.score is None else str(order.score),
            "closed": order.close,
            "left_open": left_open,
        },
        request_id=request_id,
    )
    return row
