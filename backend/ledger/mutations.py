"""GraphQL mutations of the rectification ledger. Each answers the finding as it now stands (read
in the change's own transaction); who may call which is in workflow.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.evidence.store import file_type, is_sha256
from backend.findings.types import Finding, joined_relations, one_finding
from backend.ids import parse_id
from backend.ledger import workflow
from backend.ledger.service import Attachment, LedgerService, PlanChange
from backend.ledger.workflow import LedgerState
from backend.permissions import mutation, write
from backend.quantities.service import ACHIEVED, check_quantities
from backend.quantities.types import QuantityInput, quantities_in
from backend.text import clean_text
from backend.workflow import Transition
from tenants.errors import DomainError
from tenants.registry import clean_name


@strawberry.input(description="已上传文件（POST /evidence/{机构代码}?name=文件名 的返回值）")
class EvidenceInput:
    sha256: str
    file_name: str


def _attachments(evidence: list[EvidenceInput]) -> list[Attachment]:
    for file in evidence:
        if not is_sha256(file.sha256):
            raise DomainError("NOT_FOUND", f"找不到已上传的文件 {file.sha256[:64]!r}，请先上传", field="evidence")
        file_type(file.file_name)
    return [Attachment(file.sha256, file.file_name.strip()) for file in evidence]


@strawberry.input(description="调整整改措施；不填的项保持不变")
class PlanInput:
    responsible_unit: str | None = None
    responsible_person: str | None = None
    measures: str | None = None


def ledger(info: Info[Context, None]) -> LedgerService:
    runtime = info.context.runtime
    return LedgerService(runtime.engine, runtime.settings.reopen_window_days)


async def _transition(
    info: Info[Context, None],
    action: Transition[LedgerState],
    tenant_code: str,
    finding_id: strawberry.ID,
    version: int,
    note: str | None,
    evidence: list[EvidenceInput] | None = None,
    achieved: list[QuantityInput] | None = None,
) -> Finding:
    principal = await info.context.principal()
    finding = parse_id(finding_id, "findingId")
    listed = await ledger(info).act(
        principal,
        tenant_code,
        finding,
        version,
        action,
        note=clean_text(note, "note", required=False),
        attachments=_attachments(evidence or []),
        achieved=check_quantities(quantities_in(achieved), allowed=(ACHIEVED,), field="achieved"),
        request_id=info.context.request_id,
        now=info.context.clock.now(),
        joins=joined_relations(info),
    )
    return await one_finding(info, listed, tenant_code)


@strawberry.type
class LedgerMutation:
    @mutation("报告整改进展，可附佐证材料、报告量化指标的完成数；挂号的台账由此进入整改中", write(workflow.REPORT_PROGRESS.roles))
    async def report_progress(
        self,
        info: Info[Context, None],
        tenant_code: str,
        finding_id: strawberry.ID,
        version: int,
        note: str,
        evidence: list[EvidenceInput] | None = None,
        achieved: Annotated[
            list[QuantityInput] | None, strawberry.argument(description="整改量化指标的累计完成数（只填 achieved），未填的指标不变")
        ] = None,
    ) -> Finding:
        return await _transition(info, workflow.REPORT_PROGRESS, tenant_code, finding_id, version, note, evidence, achieved)

    @mutation("整改完成，申请销号", write(workflow.REQUEST_CLOSE_OUT.roles))
    async def request_close_out(
        self,
        info: Info[Context, None],
        tenant_code: str,
        finding_id: strawberry.ID,
        version: int,
        note: str,
        evidence: list[EvidenceInput] | None = None,
    ) -> Finding:
        return await _transition(info, workflow.REQUEST_CLOSE_OUT, tenant_code, finding_id, version, note, evidence)

    @mutation("审核通过，销号", write(workflow.CLOSE_OUT.roles))
    async def close_out(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, note: str | None = None
    ) -> Finding:
        return await _transition(info, workflow.CLOSE_OUT, tenant_code, finding_id, version, note)

    @mutation("审核不通过，退回整改并写明理由", write(workflow.SEND_BACK.roles))
    async def send_back(self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, reason: str) -> Finding:
        return await _transition(info, workflow.SEND_BACK, tenant_code, finding_id, version, reason)

    @mutation("回头看：在规定期限内重新打开已销号的台账", write(workflow.REOPEN.roles))
    async def reopen_ledger(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, reason: str
    ) -> Finding:
        return await _transition(info, workflow.REOPEN, tenant_code, finding_id, version, reason)

    @mutation("调整责任单位、责任人或整改措施（销号前）", write(workflow.UPDATE_PLAN.roles))
    async def update_rectification_plan(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, input: PlanInput
    ) -> Finding:
        principal = await info.context.principal()
        finding = parse_id(finding_id, "findingId")
        change = PlanChange(
            responsible_unit=clean_name(input.responsible_unit, field="responsibleUnit", max_length=128)
            if input.responsible_unit
            else None,
            responsible_person=clean_name(input.responsible_person, field="responsiblePerson") if input.responsible_person else None,
            measures=clean_text(input.measures, "measures", required=False),
        )
        listed = await ledger(info).update_plan(
            principal, tenant_code, finding, version, change, info.context.request_id, joins=joined_relations(info)
        )
        return await one_finding(info, listed, tenant_code)

    @mutation("设定整改期限（仅在挂号状态，之后须走延期申请）", write(workflow.SET_DEADLINE.roles))
    async def set_deadline(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, deadline: date
    ) -> Finding:
        principal = await info.context.principal()
        finding = parse_id(finding_id, "findingId")
        listed = await ledger(info).set_deadline(
            principal, tenant_code, finding, version, deadline, info.context.request_id, joins=joined_relations(info)
        )
        return await one_finding(info, listed, tenant_code)

    @mutation("申请延长整改期限，须经审核人员批准", write(workflow.REQUEST_EXTENSION.roles))
    async def request_extension(
        self,
        info: Info[Context, None],
        tenant_code: str,
        finding_id: strawberry.ID,
        version: int,
        deadline: date,
        reason: str,
    ) -> Finding:
        principal = await info.context.principal()
        finding = parse_id(finding_id, "findingId")
        listed = await ledger(info).request_extension(
            principal,
            tenant_code,
            finding,
            version,
            deadline,
            clean_text(reason, "reason", required=True),
            info.context.request_id,
            joins=joined_relations(info),
        )
        return await one_finding(info, listed, tenant_code)

    @mutation("批准或驳回延期申请；批准后整改期限即改为申请的日期", write(workflow.APPROVE_EXTENSION.roles))
    async def decide_extension(
        self, info: Info[Context, None], tenant_code: str, extension_id: strawberry.ID, approve: bool, note: str | None = None
    ) -> Finding:
        principal = await info.context.principal()
        listed = await ledger(info).decide_extension(
            principal,
            tenant_code,
            parse_id(extension_id, "extensionId"),
            approve,
            clean_text(note, "note", required=False),
            info.context.request_id,
            now=info.context.clock.now(),
            joins=joined_relations(info),
        )
        return await one_finding(info, listed, tenant_code)
