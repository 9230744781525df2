"""回头看: the checklist of a follow-up round (the problems its earlier round closed, with what
was found of each) and recording what is found: 巩固, or 反弹, which reopens the ledger entry
(the ledger's own 回头看, within its reopen window)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.findings.models import Finding
from backend.followup.models import FollowUpCheck, FollowUpOutcome
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ENTRY_KEYS, move_entries
from backend.ledger.workflow import REOPEN
from backend.rounds.models import InspectionRound, RoundKind
from backend.rounds.workflow import CHECKING
from backend.text import MAX_NOTE, clean_text
from problem_bank.rectification import LedgerState
from tenants.access import Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader


@dataclass(frozen=True)
class FollowUp:
    round: Row  # the 回头看
    items: Sequence[Row]  # the earlier round's closed problems, with this round's outcome if checked


class FollowUpService:
    def __init__(self, engine: AsyncEngine, reopen_window_days: int) -> None:
        self.engine = engine
        self.reopen_window = timedelta(days=reopen_window_days)

    async def checklist(self, principal: Principal, tenant_code: str, round_id: int) -> FollowUp:
        """The earlier round's problems that were closed, or that this 回头看 checked (a reopened
        one stays on the list), by unit (a liaison: its unit's); two statements."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            follow_up = await _follow_up(connection, round_id)
            checked = and_(FollowUpCheck.round_id == round_id, FollowUpCheck.finding_id == Finding.id)
            query = (
                select(
                    Finding.id,
                    Finding.code,
                    Finding.unit_id,
                    Finding.description,
                    LedgerEntry.state,
                    FollowUpCheck.outcome,
                    FollowUpCheck.note,
                    FollowUpCheck.checked_by,
                )
                .join(LedgerEntry, LedgerEntry.finding_id == Finding.id)
                .outerjoin(FollowUpCheck, checked)
                .where(
                    Finding.round_id == follow_up.follows_round_id,
                    or_(LedgerEntry.state == LedgerState.CLOSED.value, FollowUpCheck.id.is_not(None)),
                )
                .order_by(Finding.unit_id, Finding.id)
            )
            if units is not None:
                query = query.where(Finding.unit_id.in_(units))
            return FollowUp(follow_up, (await connection.execute(query)).all())

    async def record(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        finding_id: int,
        outcome: FollowUpOutcome,
        note: str,
        request_id: str | None,
        *,
        now: datetime,
    ) -> FollowUp:
        """What the 回头看 found of one closed problem; 反弹 reopens its entry."""
        note = clean_text(note, "note", required=True, max_length=MAX_NOTE)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            follow_up = await _follow_up(connection, round_id)
            if follow_up.state not in CHECKING:
                raise DomainError("ROUND_STAGE", f"该回头看处于“{follow_up.state}”阶段：进驻后、报告前记录回头看情况", field="roundId")
            entry = (
                await connection.execute(
                    select(*ENTRY_KEYS, Finding.code, Finding.unit_id, LedgerEntry.closed_at)
                    .join(Finding, Finding.id == LedgerEntry.finding_id)
                    .where(Finding.id == finding_id, Finding.round_id == follow_up.follows_round_id)
                    .with_for_update(of=LedgerEntry)
                )
            ).one_or_none()
            if entry is None:
                raise DomainError("NOT_FOUND", "该问题不是所回头看轮次的问题", field="findingId")
            done = select(FollowUpCheck.id).where(FollowUpCheck.round_id == round_id, FollowUpCheck.finding_id == finding_id)
            if (await connection.execute(done)).first() is not None:
                raise DomainError("ALREADY_CHECKED", "该问题本次回头看已有结论", field="findingId")
            if entry.state != LedgerState.CLOSED.value:
                raise DomainError("NOT_CLOSED", "该问题尚未销号，无需回头看", field="findingId")
            if outcome is FollowUpOutcome.REBOUNDED:
                await move_entries(
                    connection,
                    tenant_code,
                    REOPEN,
                    [entry],
                    lambda _: {"closed_at": None},
                    actor=principal.username,
                    note=note,
                    request_id=request_id,
                    event_payload=lambda e: {"finding_id": e.id, "finding_code": e.code, "unit_id": e.unit_id, "note": note},
                    context={"now": now, "reopen_window": self.reopen_window},
                )
            await _insert(connection, principal, tenant_code, round_id, finding_id, outcome, note, request_id)
        return await self.checklist(principal, tenant_code, round_id)


async def _follow_up(connection: AsyncConnection, round_id: int) -> Row:
    found = (
        await connection.execute(
            select(InspectionRound).where(InspectionRound.id == round_id, InspectionRound.kind == RoundKind.FOLLOW_UP.value)
        )
    ).one_or_none()
    if found is None:
        raise not_found()
    return found


async def _insert(
    connection: AsyncConnection,
    principal: Principal,
    tenant_code: str,
    round_id: int,
    finding_id: int,
    outcome: FollowUpOutcome,
    note: str,
    request_id: str | None,
) -> None:
    check_id = (
        await connection.execute(
            insert(FollowUpCheck)
            .values(round_id=round_id, finding_id=finding_id, outcome=outcome.value, note=note, checked_by=principal.username)
            .returning(FollowUpCheck.id)
        )
    ).scalar_one()
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action="follow_up.checked",
        entity="follow_up_check",
        entity_id=str(check_id),
        after={"round_id": round_id, "finding_id": finding_id, "outcome": outcome.value, "note": note},
        request_id=request_id,
    )
