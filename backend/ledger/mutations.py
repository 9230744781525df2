"""GraphQL mutations of the rectification ledger. Each answers the finding as it now stands (read
in the change's own transaction); who may call which is in workflow.py."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.evidence.store import file_type, is_sha256
from backend.findings.types import Finding, joined_relations, one_finding
from backend.ids import parse_id
from backend.ledger import workflow
from backend.ledger.service import Attachment, LedgerService, PlanChange
from backend.ledger.workflow import LedgerState
from backend.text import clean_text
from backend.workflow import Transition
from tenants.errors import DomainError
from tenants.naming import check_code
from tenants.registry import clean_name


@strawberry.input(description="已上传文件（POST /evidence/{租户代码}?name=文件名 的返回值）")
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
) -> Finding:
    principal = await info.context.writer()
    tenant_code = check_code(tenant_code, field="tenantCode")
    finding = parse_id(finding_id, "findingId")
    listed = await ledger(info).act(
        principal,
        tenant_code,
        finding,
        version,
        action,
        note=clean_text(note, "note", required=False),
        attachments=_attachments(evidence or []),
        request_id=info.context.request_id,
        now=info.context.clock.now(),
        joins=joined_relations(info),
    )
    return await one_finding(info, listed, tenant_code)


@strawberry.type
class LedgerMutation:
    @strawberry.mutation(description="报告整改进展，可附佐证材料（联络员、检查员、管理员）；挂号的台账由此进入整改中")
    async def report_progress(
        self,
        info: Info[Context, None],
        tenant_code: str,
        finding_id: strawberry.ID,
        version: int,
        note: str,
        evidence: list[EvidenceInput] | None = None,
    ) -> Finding:
        return await _transition(info, workflow.REPORT_PROGRESS, tenant_code, finding_id, version, note, evidence)

    @strawberry.mutation(description="整改完成，申请销号（联络员、检查员、管理员）")
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

    @strawberry.mutation(description="审核通过，销号（审核员）")
    async def close_out(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, note: str | None = None
    ) -> Finding:
        return await _transition(info, workflow.CLOSE_OUT, tenant_code, finding_id, version, note)

    @strawberry.mutation(description="审核不通过，退回整改并写明理由（审核员）")
    async def send_back(self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, reason: str) -> Finding:
        return await _transition(info, workflow.SEND_BACK, tenant_code, finding_id, version, reason)

    @strawberry.mutation(description="回头看：在规定期限内重新打开已销号的台账（审核员、检查员）")
    async def reopen_ledger(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, reason: str
    ) -> Finding:
        return await _transition(info, workflow.REOPEN, tenant_code, finding_id, version, reason)

    @strawberry.mutation(description="调整责任单位、责任人或整改措施（联络员、检查员、管理员；销号前）")
    async def update_rectification_plan(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, input: PlanInput
    ) -> Finding:
        principal = await info.context.writer()
        tenant_code = check_code(tenant_code, field="tenantCode")
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

    @strawberry.mutation(description="设定整改期限（检查员、管理员；仅在挂号状态，之后须走延期申请）")
    async def set_deadline(
        self, info: Info[Context, None], tenant_code: str, finding_id: strawberry.ID, version: int, deadline: date
    ) -> Finding:
        principal = await info.context.writer()
        tenant_code = check_code(tenant_code, field="tenantCode")
        finding = parse_id(finding_id, "findingId")
        listed = await ledger(info).set_deadline(
            principal, tenant_code, finding, version, deadline, info.context.request_id, joins=joined_relations(info)
        )
        return await one_finding(info, listed, tenant_code)

    @strawberry.mutation(description="申请延长整改期限（联络员、检查员、管理员），须经审核员批准")
    async def request_extension(
        self,
        info: Info[Context, None],
        tenant_code: str,
        finding_id: strawberry.ID,
        version: int,
        deadline: date,
        reason: str,
    ) -> Finding:
        principal = await info.context.writer()
        tenant_code = check_code(tenant_code, field="tenantCode")
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

    @strawberry.mutation(description="批准或驳回延期申请（审核员）；批准后整改期限即改为申请的日期")
    async def decide_extension(
        self, info: Info[Context, None], tenant_code: str, extension_id: strawberry.ID, approve: bool, note: str | None = None
    ) -> Finding:
        principal = await info.context.writer()
        tenant_code = check_code(tenant_code, field="tenantCode")
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
