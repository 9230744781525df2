"""Driving ledger entries through their states (workflow.py): each change locks the entry, takes
its transition through the declared workflow (checks, history event, audit entry, notification)
and updates the entry's problem-bank row, in one transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.db import violated_constraint
from backend.evidence.attachments import require_uploaded
from backend.findings.models import Finding
from backend.findings.service import LISTED_LEDGER_COLUMNS, Listed, listed_finding, listed_query, unit_parameters
from backend.ledger import workflow
from backend.ledger.models import EventEvidence, ExtensionRequest, ExtensionState, LedgerEntry
from backend.ledger.workflow import LEDGER
from backend.quantities.service import Quantities, merged, require_known_kinds
from backend.workflow import Move, Transition
from problem_bank.projection import project
from problem_bank.rectification import LedgerState
from tenants.access import Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader


@dataclass(frozen=True)
class Attachment:
    sha256: str
    file_name: str


@dataclass
class Locked:
    """A ledger transition under way: the finding as listed (backend/findings/service.py) with its
    entry's id (`entry_id`), locked, and what the caller sees (a liaison: its unit's findings)."""

    move: Move[LedgerState]
    units: frozenset[int] | None

    async def finding_now(self, joins: frozenset[str]) -> Listed:
        """The finding as the change leaves it: the locked row with the changed entry's columns,
        or, to join relations to it (backend/findings/joins.py), read again in the change's
        transaction."""
        if joins:
            return await listed_finding(self.move.connection, self.move.row.id, self.units, joins)
        return Listed([SimpleNamespace(**{**self.move.row._mapping, **self.move.after._mapping})], self.units)


# The finding with its ledger entry, the entry locked; a liaison's only among its units.
_LOCK_ENTRY = {
    in_units: listed_query(in_units)
    .add_columns(LedgerEntry.id.label("entry_id"))
    .where(Finding.id == bindparam("finding_id"))
    .with_for_update(of=LedgerEntry)
    for in_units in (False, True)
}


@dataclass(frozen=True)
class PlanChange:
    """调整整改措施: fields left None stay as they are."""

    responsible_unit: str | None = None
    responsible_person: str | None = None
    measures: str | None = None


def _snapshot(entry) -> dict:
    """What the audit trail keeps of an entry besides its state and version."""
    return {
        "deadline": entry.deadline.isoformat(),
        "responsible_unit": entry.responsible_unit,
        "responsible_person": entry.responsible_person,
        "measures": entry.measures,
        "quantities": entry.quantities,
    }


class LedgerService:
    def __init__(self, engine: AsyncEngine, reopen_window_days: int) -> None:
        self.engine = engine
        self.reopen_window = timedelta(days=reopen_window_days)

    async def act(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        version: int,
        transition: Transition[LedgerState],
        *,
        note: str | None,
        attachments: Sequence[Attachment] = (),
        achieved: Quantities | None = None,
        request_id: str | None,
        now: datetime,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        """A change of state (进展, 申请销号, 销号, 退回, 回头看); the finding as it now stands. A
        progress report may bring achieved quantities (checked: only completion numbers)."""
        async with self._locked(principal, tenant_code, finding_id, version, transition, note, request_id, now=now) as locked:
            values: dict = {}
            if transition is workflow.CLOSE_OUT:
                values = {"closed_at": now, "close_note": note}
            elif transition is workflow.REOPEN:
                values = {"closed_at": None}
            if achieved:
                await require_known_kinds(locked.move.connection, tenant_code, achieved, "achieved")
                values["quantities"] = merged(locked.move.row.quantities, achieved)
            await self._record(locked, values)
            await self._attach(locked, principal, attachments)
            return await locked.finding_now(joins)

    async def update_plan(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        version: int,
        change: PlanChange,
        request_id: str | None,
        *,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        values = {k: v for k, v in vars(change).items() if v is not None}
        if not values:
            raise DomainError("NOTHING_TO_CHANGE", "没有要修改的内容", field="input")
        async with self._locked(principal, tenant_code, finding_id, version, workflow.UPDATE_PLAN, None, request_id) as locked:
            await self._record(locked, values)
            return await locked.finding_now(joins)

    async def set_deadline(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        version: int,
        deadline: date,
        request_id: str | None,
        *,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        async with self._locked(principal, tenant_code, finding_id, version, workflow.SET_DEADLINE, None, request_id) as locked:
            if deadline < locked.move.row.found_on:
                raise DomainError("INVALID_DEADLINE", "整改期限须不早于发现日期", field="deadline")
            await self._record(locked, {"deadline": deadline})
            return await locked.finding_now(joins)

    async def request_extension(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        version: int,
        deadline: date,
        reason: str,
        request_id: str | None,
        *,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        note = f"申请延期至 {deadline.isoformat()}：{reason}"
        async with self._locked(principal, tenant_code, finding_id, version, workflow.REQUEST_EXTENSION, note, request_id) as locked:
            if deadline <= locked.move.row.deadline:
                raise DomainError("INVALID_DEADLINE", f"申请的期限须晚于当前期限 {locked.move.row.deadline.isoformat()}", field="deadline")
            try:
                await locked.move.connection.execute(
                    insert(ExtensionRequest).values(
                        finding_id=finding_id, requested_deadline=deadline, reason=reason, requested_by=principal.username
                    )
                )
            except IntegrityError as error:
                if violated_constraint(error) != "extension_request_pending_key":
                    raise
                raise DomainError("EXTENSION_PENDING", "该问题已有待审批的延期申请", field="findingId") from None
            await self._record(locked, {})
            return await locked.finding_now(joins)

    async def decide_extension(
        self,
        principal: Principal,
        tenant_code: str,
        extension_id: int,
        approve: bool,
        note: str | None,
        request_id: str | None,
        *,
        now: datetime,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        """Approve (the deadline moves) or reject a pending extension request; the finding as it now stands."""
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            finding_id = (
                await connection.execute(select(ExtensionRequest.finding_id).where(ExtensionRequest.id == extension_id))
            ).scalar_one_or_none()
        if finding_id is None:
            raise not_found()
        transition = workflow.APPROVE_EXTENSION if approve else workflow.REJECT_EXTENSION
        async with self._locked(principal, tenant_code, finding_id, None, transition, note, request_id) as locked:
            request = (
                await locked.move.connection.execute(
                    update(ExtensionRequest)
                    .where(ExtensionRequest.id == extension_id, ExtensionRequest.state == ExtensionState.PENDING)
                    .values(
                        state=ExtensionState.APPROVED if approve else ExtensionState.REJECTED,
                        decided_by=principal.username,
                        decided_at=now,
                        decision_note=note,
                    )
                    .returning(ExtensionRequest.requested_deadline)
                )
            ).one_or_none()
            if request is None:
                raise DomainError("ALREADY_DECIDED", "该延期申请已经审批过了", field="extensionId")
            await self._record(
                locked, {"deadline": request.requested_deadline} if approve else {}, decision="已批准" if approve else "未获批准"
            )
            return await locked.finding_now(joins)

    @asynccontextmanager
    async def _locked(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        version: int | None,
        transition: Transition[LedgerState],
        note: str | None,
        request_id: str | None = None,
        *,
        now: datetime | None = None,
    ) -> AsyncIterator[Locked]:
        """A transaction holding the finding's ledger entry locked, once the entry is visible to
        the caller (a liaison: its unit's only; who may take the transition is declared on the
        operation) and the workflow's checks pass (version, state, note, guard; version None:
        not checked)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            move = await LEDGER.lock(
                transition,
                connection,
                _LOCK_ENTRY[units is not None],
                {"finding_id": finding_id, **unit_parameters(units)},
                tenant_code=tenant_code,
                expected_version=version,
                actor=principal.username,
                note=note,
                request_id=request_id,
                context={"now": now, "reopen_window": self.reopen_window},
            )
            yield Locked(move, units)

    @staticmethod
    async def _record(locked: Locked, values: dict, **payload: str) -> None:
        """Apply `values` to the entry (its next version, history event, audit entry, and the
        notification its transition sends) and to its problem-bank row."""
        move = locked.move
        entry = move.row
        await move.apply(
            values,
            returning=LISTED_LEDGER_COLUMNS,
            before=_snapshot(entry),
            event_payload={"finding_id": entry.id, "finding_code": entry.code, "unit_id": entry.unit_id, "note": move.note, **payload},
        )
        await project(move.connection, move.tenant_code, finding_ids=[entry.id])

    @staticmethod
    async def _attach(locked: Locked, principal: Principal, attachments: Sequence[Attachment]) -> None:
        """Files uploaded in this tenant (by the actor itself, if a liaison) join the event."""
        if not attachments:
            return
        connection = locked.move.connection
        uploader = principal.username if locked.units is not None else None
        await require_uploaded(connection, [a.sha256 for a in attachments], uploader)
        await connection.execute(
            insert(EventEvidence),
            [{"event_id": locked.move.history_id, "sha256": a.sha256, "file_name": a.file_name} for a in attachments],
        )


# A ledger entry as batch moves lock it: keyed by its finding, as the ledger's moves are (LEDGER).
ENTRY_KEYS = (
    LedgerEntry.finding_id.label("id"),
    LedgerEntry.id.label("entry_id"),
    LedgerEntry.state,
    LedgerEntry.version.label("ledger_version"),
)


async def move_entries(
    connection: AsyncConnection,
    tenant_code: str,
    transition: Transition[LedgerState],
    entries: Sequence[Row],
    values: Callable[[Row], dict],
    *,
    actor: str,
    note: str | None,
    request_id: str | None,
    event_payload: Callable[[Row], dict] | None = None,
    context: Mapping[str, Any] | None = None,
) -> None:
    """Take `transition` on each locked entry (rows with ENTRY_KEYS), setting `values(entry)`, each
    with its history event, audit entry and notification; then their problem-bank rows."""
    for entry in entries:
        move = await Move.start(
            LEDGER,
            transition,
            connection,
            tenant_code=tenant_code,
            row=entry,
            expected_version=None,
            actor=actor,
            note=note,
            request_id=request_id,
            context=context,
        )
        changed = values(entry)
        await move.apply(
            changed,
            after={name: value.isoformat() if isinstance(value, date) else value for name, value in changed.items()},
            event_payload=event_payload(entry) if event_payload else None,
        )
    await project(connection, tenant_code, finding_ids=[entry.id for entry in entries])
