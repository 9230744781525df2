"""认定: the 编办 decides whether a 移交 it received (a clue from 审计, problems the 巡察 handed
over) is a 机构编制 violation. Confirmed, it names the finding it logged for it (a 日常监督 or a
round's finding in its own ledger); not confirmed, it gives its reasons. Either way a 复函 goes
back to the sender at once, which finishes the 编办's handling of the 移交."""

from __future__ import annotations

from sqlalchemy import select, update

from backend.correspondence.models import Copy, Determination, Document, DocumentKind, Recipient
from backend.correspondence.service import Correspondence, Draft, require_handler
from backend.correspondence.workflow import IN_HAND, SIGNED
from backend.findings.models import Finding
from backend.text import clean_text
from tenants.access import Principal, not_found
from tenants.errors import DomainError
from tenants.organs import Organ, OrganKind
from tenants.scoping import tenant_reader


async def determine(
    correspondence: Correspondence,
    principal: Principal,
    document_id: int,
    organ_id: int,
    finding_id: int | None,
    reason: str | None,
    request_id: str | None,
) -> int:
    """Record the 编办's 认定 of a 移交 (confirmed when `finding_id` is given) and send the 复函;
    answers the 复函's id."""
    require_handler(principal, organ_id)
    reason = clean_text(reason, "reason", required=finding_id is None)
    engine = correspondence.engine
    async with engine.begin() as connection:
        received = (
            await connection.execute(
                select(
                    Recipient.id,
                    Recipient.state,
                    Recipient.copy,
                    Recipient.tenant_code,
                    Document.kind,
                    Document.subject,
                    Organ.kind.label("organ_kind"),
                )
                .join(Document, Document.id == Recipient.document_id)
                .join(Organ, Organ.id == Recipient.organ_id)
                .where(Recipient.document_id == document_id, Recipient.organ_id == organ_id)
                .with_for_update(of=Recipient)
            )
        ).one_or_none()
        if received is None:
            raise not_found()
        if (
            received.organ_kind != OrganKind.OFFICE.value
            or received.kind != DocumentKind.HANDOVER.value
            or received.copy != Copy.MAIN.value
        ):
            raise DomainError("NOT_DETERMINABLE", "认定由机构编制委员会办公室对主送给它的移交作出", field="documentId")
        if received.state not in (SIGNED.value, IN_HAND.value):
            raise DomainError("INVALID_TRANSITION", "请先签收；已办结或已退回的移交不再认定", field="documentId")
        code = await _finding_code(engine, received.tenant_code, finding_id) if finding_id is not None else None
        determination = Determination.CONFIRMED if code else Determination.REJECTED
        await connection.execute(
            update(Recipient).where(Recipient.id == received.id).values(determination=determination.value, finding_id=finding_id)
        )
        conclusion = f"经认定，属于机构编制违规问题，已登记为问题 {code}，将督促整改。" if code else "经认定，不属于机构编制违规问题。"
        reply = Draft(
            sender_organ_id=organ_id,
            kind=DocumentKind.REPLY,
            subject=f"关于{received.subject.removeprefix('关于')}的认定意见",
            body=conclusion + (f"\n理由：{reason}" if reason else ""),
            recipients=(),
            replies_to_id=document_id,
        )
        return await correspondence.issue(connection, principal, reply, request_id)


async def _finding_code(engine, tenant_code: str, finding_id: int) -> str:
    async with tenant_reader(engine, tenant_code).connect() as connection:
        code = (await connection.execute(select(Finding.code).where(Finding.id == finding_id))).scalar_one_or_none()
    if code is None:
        raise DomainError("NOT_FOUND", "本机构的台账中没有这个问题", field="findingId")
    return code
