"""GraphQL object types of the rectification ledger (整改台账): the entry, its history and
its extension requests. The relations are loaded with the finding, for what the query selects
(backend/findings/types.py, `findings_of`)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.enums import graphql_enum
from backend.ledger.models import ExtensionState
from backend.ledger.workflow import LEDGER
from backend.loaders import EventView, extension_request_rows, history_views
from backend.quantities.types import FindingQuantity
from problem_bank.rectification import LedgerState

graphql_enum(LedgerState, "整改台账的状态")
graphql_enum(ExtensionState, "延期申请的状态")
LedgerAction = graphql_enum(LEDGER.actions("LedgerAction"), "整改台账上的操作")


@strawberry.type(description="进展或审核所附的佐证材料；url 供有权查看该问题的人下载")
class EvidenceFile:
    sha256: str
    file_name: str
    url: str


@strawberry.type(description="台账的一条记录：进展、申请销号、销号、退回、回头看、调整、延期……")
class LedgerEvent:
    id: strawberry.ID
    action: str = strawberry.field(graphql_type=LedgerAction)  # stored as the act's label
    from_state: LedgerState
    to_state: LedgerState
    note: str | None
    actor: str
    occurred_at: datetime
    evidence: list[EvidenceFile]

    @classmethod
    def from_view(cls, view: EventView, tenant_code: str) -> LedgerEvent:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            action=row.action,
            from_state=row.from_state,
            to_state=row.to_state,
            note=row.note,
            actor=row.actor,
            occurred_at=row.occurred_at,
            evidence=[
                EvidenceFile(sha256=f.sha256, file_name=f.file_name, url=f"/evidence/{tenant_code}/{f.sha256}") for f in view.evidence
            ],
        )


@strawberry.type(description="延期申请：待审批、已批准或已驳回")
class ExtensionRequest:
    id: strawberry.ID
    requested_deadline: date
    reason: str
    requested_by: str
    requested_at: datetime
    state: ExtensionState
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None

    @classmethod
    def from_row(cls, r) -> ExtensionRequest:
        return cls(
            id=strawberry.ID(str(r.id)),
            requested_deadline=r.requested_deadline,
            reason=r.reason,
            requested_by=r.requested_by,
            requested_at=r.requested_at,
            state=r.state,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )


@strawberry.type(description="整改台账条目；逾期由整改期限推算，不单独存储")
class Ledger:
    state: LedgerState
    deadline: date
    overdue: bool
    responsible_unit: str
    responsible_person: str | None
    measures: str | None
    close_note: str | None
    closed_at: datetime | None
    quantities: list[FindingQuantity] = strawberry.field(description="整改量化指标：计划数与完成数")
    version: int = strawberry.field(description="修改台账时须带上，用于发现并发修改")
    # Relations, set by `findings_of` whenever the query selects them (history and extension
    # requests left unset would be a GraphQL error, never an empty list).
    latest_progress: LedgerEvent | None = strawberry.field(default=None, description="最近一次整改进展")
    history: list[LedgerEvent] = strawberry.field(default=None, description="台账的全部记录，按时间先后")
    extension_requests: list[ExtensionRequest] = strawberry.field(default=None, description="延期申请，按提出先后")


async def history_by_finding(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict:
    views = await history_views(connection, ids)
    return {finding: [LedgerEvent.from_view(view, tenant_code) for view in views.get(finding, [])] for finding in ids}


async def extension_requests_by_finding(connection: AsyncConnection, tenant_code: str, ids: list[int], units) -> dict:
    rows = await extension_request_rows(connection, ids)
    return {finding: [ExtensionRequest.from_row(row) for row in rows.get(finding, [])] for finding in ids}
