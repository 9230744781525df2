"""Driving ledger entries through their states (see workflow.py), with optimistic locking,
a history event and an audit entry in the same transaction as the change."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.db import violated_constraint
from backend.evidence.models import EvidenceFile
from backend.findings.models import Finding
from backend.findings.service import LISTED_LEDGER_COLUMNS, Listed, listed_finding, listed_query, unit_parameters
from backend.ledger import workflow
from backend.ledger.models import EventEvidence, ExtensionRequest, LedgerEntry, LedgerEvent
from backend.ledger.workflow import Action
from backend.notifications.outbox import emit
from problem_bank.projection import project
from tenants.access import Principal, not_found, require_write, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader

MAX_ATTACHMENTS = 20


@dataclass(frozen=True)
class Attachment:
    sha256: str
    file_name: str


@dataclass
class Locked:
    connection: AsyncConnection
    entry: Row  # the finding as listed (backend/findings/service.py) and its ledger entry's id, `entry_id`
    units: frozenset[int] | None  # what the caller sees (a liaison: its unit's findings)
    changed: Row | None = None  # the entry's listed columns as the change left them (`_BUMP`)

    async def finding_now(self, joins: frozenset[str]) -> Listed:
        """The finding as the change leaves it: the locked row with the changed entry's columns,
        or, to join relations to it (backend/findings/joins.py), read again in the change's
        transaction."""
        if joins:
            return await listed_finding(self.connection, self.entry.id, self.units, joins)
        assert self.changed is not None  # set by `_record`, which every change runs first
        return Listed([SimpleNamespace(**{**self.entry._mapping, **self.changed._mapping})], self.units)


# The finding with its ledger entry, the entry locked; a liaison's only among its units.
_LOCK_ENTRY = {
    in_units: listed_query(in_units)
    .add_columns(LedgerEntry.id.label("entry_id"))
    .where(Finding.id == bindparam("finding_id"))
    .with_for_update(of=LedgerEntry)
    for in_units in (False, True)
}
_NEW_EVENT = insert(LedgerEvent).returning(LedgerEvent.id)
# The entry's next version; the columns a change sets come as parameters of the execution.
_BUMP = (
    update(LedgerEntry)
    .where(LedgerEntry.id == bindparam("entry_id"))
    .values(version=LedgerEntry.version + 1)
    .returning(*LISTED_LEDGER_COLUMNS)
)

# The ledger actions that notify someone, and as what (backend/notifications/events.py says whom).
NOTIFYING = {
    workflow.REQUEST_CLOSE_OUT: "ledger.close_out_requested",
    workflow.SEND_BACK: "ledger.sent_back",
    workflow.CLOSE_OUT: "ledger.closed",
    workflow.REOPEN: "ledger.reopened",
    workflow.REQUEST_EXTENSION: "ledger.extension_requested",
    workflow.APPROVE_EXTENSION: "ledger.extension_decided",
    workflow.REJECT_EXTENSION: "ledger.extension_decided",
}


@dataclass(frozen=True)
class PlanChange:
    """调整整改措施: fields left None stay as they are."""

    responsible_unit: str | None = None
    responsible_person: str | None = None
    measures: str | None = None


def _snapshot(entry) -> dict:
    return {
        "state": entry.state,
        "deadline": entry.deadline.isoformat(),
        "responsible_unit": entry.responsible_unit,
        "responsible_person": entry.responsible_person,
        "measures": entry.measures,
        "version": entry.ledger_version,
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
        action: Action,
        *,
        note: str | None,
        attachments: Sequence[Attachment] = (),
        request_id: str | None,
        now: datetime,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        """A state transition (进展, 申请销号, 销号, 退回, 回头看); the finding as it now stands."""
        async with self._locked(principal, tenant_code, finding_id, version, action, note) as locked:
            if action is workflow.REOPEN and now - locked.entry.closed_at > self.reopen_window:
                raise DomainError(
                    "REOPEN_WINDOW_PASSED", f"销号已超过 {self.reopen_window.days} 天，不能再回头看重新打开", field="findingId"
                )
            values: dict = {"state": action.to_state}
            if action is workflow.CLOSE_OUT:
                values |= {"closed_at": now, "close_note": note}
            elif action is workflow.REOPEN:
                values |= {"closed_at": None}
            event_id = await self._record(locked, principal, tenant_code, action, note, values, request_id)
            await self._attach(locked, principal, event_id, attachments)
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
        async with self._locked(principal, tenant_code, finding_id, version, workflow.UPDATE_PLAN, None) as locked:
            await self._record(locked, principal, tenant_code, workflow.UPDATE_PLAN, None, values, request_id)
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
        async with self._locked(principal, tenant_code, finding_id, version, workflow.SET_DEADLINE, None) as locked:
            if deadline < locked.entry.found_on:
                raise DomainError("INVALID_DEADLINE", "整改期限须不早于发现日期", field="deadline")
            await self._record(locked, principal, tenant_code, workflow.SET_DEADLINE, None, {"deadline": deadline}, request_id)
            return await locked.finding_now(joins)

    async def request_extension(
        self,
        principal: Principal,
        tenant_code: str,
        finding_id: int,
        version: int,
        deadline: date,
        reason: str | None,
        request_id: str | None,
        *,
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        async with self._locked(principal, tenant_code, finding_id, version, workflow.REQUEST_EXTENSION, reason) as locked:
            if deadline <= locked.entry.deadline:
                raise DomainError("INVALID_DEADLINE", f"申请的期限须晚于当前期限 {locked.entry.deadline.isoformat()}", field="deadline")
            try:
                await locked.connection.execute(
                    insert(ExtensionRequest).values(
                        finding_id=finding_id, requested_deadline=deadline, reason=reason, requested_by=principal.username
                    )
                )
            except IntegrityError as error:
                if violated_constraint(error) != "extension_request_pending_key":
                    raise
                raise DomainError("EXTENSION_PENDING", "该问题已有待审批的延期申请", field="findingId") from None
            await self._record(
                locked, principal, tenant_code, workflow.REQUEST_EXTENSION, f"申请延期至 {deadline.isoformat()}：{reason}", {}, request_id
            )
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
        joins: frozenset[str] = frozenset(),
    ) -> Listed:
        """Approve (the deadline moves) or reject a pending extension request; the finding as it now stands."""
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            finding_id = (
                await connection.execute(select(ExtensionRequest.finding_id).where(ExtensionRequest.id == extension_id))
            ).scalar_one_or_none()
        if finding_id is None:
            raise not_found()
        action = workflow.APPROVE_EXTENSION if approve else workflow.REJECT_EXTENSION
        async with self._locked(principal, tenant_code, finding_id, None, action, note) as locked:
            request = (
                await locked.connection.execute(
                    update(ExtensionRequest)
                    .where(ExtensionRequest.id == extension_id, ExtensionRequest.state == "待审批")
                    .values(
                        state="已批准" if approve else "已驳回", decided_by=principal.username, decided_at=func.now(), decision_note=note
                    )
                    .returning(ExtensionRequest.requested_deadline)
                )
            ).one_or_none()
            if request is None:
                raise DomainError("ALREADY_DECIDED", "该延期申请已经审批过了", field="extensionId")
            values = {"deadline": request.requested_deadline} if approve else {}
            await self._record(locked, principal, tenant_code, action, note, values, request_id)
            return await locked.finding_now(joins)

    @asynccontextmanager
    async def _locked(
        self, principal: Principal, tenant_code: str, finding_id: int, version: int | None, action: Action, note: str | None
    ) -> AsyncIterator[Locked]:
        """A transaction holding the finding's ledger entry locked, once the caller is allowed
        the action, the entry is visible to it (a liaison: its unit's only), the version is
        current (None: not checked) and the entry's state allows the action."""
        place = await readable_place(self.engine, principal, tenant_code)
        require_write(principal, place, action.roles)
        if action.note_required and not note:
            raise DomainError("INVALID_TEXT", f"{action.name}须写明说明或理由", field="note")
        units = visible_units(principal, place)
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            query = _LOCK_ENTRY[units is not None]
            entry = (await connection.execute(query, {"finding_id": finding_id, **unit_parameters(units)})).one_or_none()
            if entry is None:
                raise not_found()
            if version is not None and entry.ledger_version != version:
                raise DomainError("STALE_VERSION", f"该台账已被他人更新（当前版本 {entry.ledger_version}），请刷新后重试", field="version")
            if entry.state not in action.from_states:
                raise DomainError("INVALID_TRANSITION", f"台账当前状态为“{entry.state}”，不能{action.name}", field="findingId")
            yield Locked(connection, entry, units)

    async def _record(
        self,
        locked: Locked,
        principal: Principal,
        tenant_code: str,
        action: Action,
        note: str | None,
        values: dict,
        request_id: str | None,
    ) -> int:
        """Apply `values` to the entry (bumping its version) and to its problem-bank row; write the
        history event and the audit entry."""
        entry = locked.entry
        locked.changed = after = (await locked.connection.execute(_BUMP, {**values, "entry_id": entry.entry_id})).one()
        await project(locked.connection, tenant_code, finding_ids=[entry.id])
        event_id = (
            await locked.connection.execute(
                _NEW_EVENT,
                {
                    "finding_id": entry.id,
                    "action": action.name,
                    "from_state": entry.state,
                    "to_state": after.state,
                    "note": note,
                    "actor": principal.username,
                },
            )
        ).scalar_one()
        await record_audit(
            locked.connection,
            tenant_code,
            actor=principal.username,
            action=f"ledger.{action.name}",
            entity="ledger_entry",
            entity_id=str(entry.id),
            before=_snapshot(entry),
            after={**_snapshot(after), "note": note},
            request_id=request_id,
        )
        if action in NOTIFYING:
            payload = {"finding_id": entry.id, "finding_code": entry.code, "unit_id": entry.unit_id, "note": note}
            if action in (workflow.APPROVE_EXTENSION, workflow.REJECT_EXTENSION):
                payload["decision"] = "已批准" if action is workflow.APPROVE_EXTENSION else "未获批准"
            await emit(locked.connection, tenant_code, NOTIFYING[action], payload)
        return event_id

    @staticmethod
    async def _attach(locked: Locked, principal: Principal, event_id: int, attachments: Sequence[Attachment]) -> None:
        """Files uploaded in this tenant (by the actor itself, if a liaison) join the event."""
        if not attachments:
            return
        if len(attachments) > MAX_ATTACHMENTS or len({a.sha256 for a in attachments}) != len(attachments):
            raise DomainError("INVALID_ATTACHMENTS", f"每次最多附 {MAX_ATTACHMENTS} 个不重复的文件", field="evidence")
        query = select(EvidenceFile.sha256).where(EvidenceFile.sha256.in_([a.sha256 for a in attachments]))
        if locked.units is not None:
            query = query.where(EvidenceFile.uploaded_by == principal.username)
        known = set((await locked.connection.execute(query)).scalars())
        if missing := [a.sha256 for a in attachments if a.sha256 not in known]:
            raise DomainError("NOT_FOUND", f"找不到已上传的文件 {missing[0]}，请先上传", field="evidence")
        await locked.connection.execute(
            insert(EventEvidence), [{"event_id": event_id, "sha256": a.sha256, "file_name": a.file_name} for a in attachments]
        )
