"""联合发文: a document several organs of a region issue together. The lead organ proposes it
(checked as if it were sent, nothing numbered yet); each joint organ's admins or reviewers
approve it (会签), recorded with who and when; once every joint organ has approved, the lead
organ issues it under its own 文号 with every organ's name in the masthead and signature. The
joint organs see the draft while it waits and the document once issued."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.correspondence.models import Copy, DocumentKind, JointApproval, JointDraft, JointState
from backend.correspondence.service import Addressee, Correspondence, Draft, readers_of, require_handler
from backend.sensitivity import Sensitivity
from tenants.access import Principal, Role, Scope, forbidden, not_found, require_scope
from tenants.errors import DomainError
from tenants.organs import Organ
from tenants.scoping import reading

APPROVERS = frozenset({Role.ADMIN, Role.REVIEWER})  # who signs for a joint organ (会签)
MAX_JOINT = 5


def stored(draft: Draft) -> dict[str, Any]:
    """A draft as JSON, to be issued later."""
    data = asdict(draft)
    data["recipients"] = [{"organ_id": r.organ_id, "copy": r.copy.value} for r in draft.recipients]
    data["due_on"] = None if draft.due_on is None else draft.due_on.isoformat()
    return {**data, "kind": draft.kind.value, "sensitivity": draft.sensitivity.value}


def restored(data: dict[str, Any]) -> Draft:
    return Draft(
        sender_organ_id=data["sender_organ_id"],
        kind=DocumentKind(data["kind"]),
        subject=data["subject"],
        body=data["body"],
        recipients=tuple(Addressee(r["organ_id"], Copy(r["copy"])) for r in data["recipients"]),
        items=tuple(data["items"]),
        due_on=None if data["due_on"] is None else date.fromisoformat(data["due_on"]),
        sensitivity=Sensitivity(data["sensitivity"]),
        concerns=data["concerns"],
        joint_organ_ids=tuple(data["joint_organ_ids"]),
        attachments=tuple(data["attachments"]),
    )


def require_approver(principal: Principal, organ_id: int) -> None:
    """The principal signs for organ `organ_id` (会签): FORBIDDEN for its other members, NOT_FOUND for anyone else."""
    if not principal.organ_roles(organ_id) & APPROVERS:
        if organ_id in readers_of(principal):
            raise forbidden("会签由该机关的管理员或审核人员作出")
        raise not_found()
    require_scope(principal, Scope.WRITE)


class JointDocuments:
    def __init__(self, correspondence: Correspondence) -> None:
        self.correspondence = correspondence
        self.engine = correspondence.engine

    async def propose(self, principal: Principal, draft: Draft, joint_organ_ids: tuple[int, ...]) -> int:
        if draft.kind is DocumentKind.REPLY:
            raise DomainError("INVALID_REPLY", "复函由答复的机关单独发出", field="kind")
        joint = tuple(dict.fromkeys(joint_organ_ids))
        if not 1 <= len(joint) <= MAX_JOINT or draft.sender_organ_id in joint:
            raise DomainError("INVALID_JOINT", f"联合发文须有 1 到 {MAX_JOINT} 个会签机关，且不含牵头机关", field="jointOrganIds")
        draft = replace(draft, joint_organ_ids=joint)
        async with self.engine.begin() as connection:
            checked = await self.correspondence.check(connection, principal, draft)
            same_region = (
                select(func.count()).select_from(Organ).where(Organ.id.in_(joint), Organ.tenant_code == checked.sender.tenant_code)
            )
            if (await connection.execute(same_region)).scalar_one() != len(joint):
                raise DomainError("INVALID_JOINT", "会签机关须为本地区的其他机关", field="jointOrganIds")
            draft_id = (
                await connection.execute(
                    insert(JointDraft)
                    .values(lead_organ_id=draft.sender_organ_id, draft=stored(draft), proposed_by=principal.username)
                    .returning(JointDraft.id)
                )
            ).scalar_one()
            await connection.execute(insert(JointApproval), [{"draft_id": draft_id, "organ_id": organ} for organ in joint])
        return draft_id

    async def approve(self, principal: Principal, draft_id: int, organ_id: int) -> None:
        """A joint organ's 会签 (once)."""
        await self.readable(principal, draft_id)
        require_approver(principal, organ_id)
        async with self.engine.begin() as connection:
            draft = await _pending(connection, draft_id)
            approved = await connection.execute(
                update(JointApproval)
                .where(JointApproval.draft_id == draft.id, JointApproval.organ_id == organ_id, JointApproval.approved_at.is_(None))
                .values(approved_by=principal.username, approved_at=func.now())
            )
            if approved.rowcount != 1:
                raise DomainError("NOT_A_JOINT_ORGAN", "该机关不是这份联合发文的会签机关，或已会签", field="organId")

    async def issue(self, principal: Principal, draft_id: int, request_id: str | None) -> int:
        """The lead organ issues the document once every joint organ has approved it."""
        lead = (await self.readable(principal, draft_id))[0].lead_organ_id
        if lead not in readers_of(principal):
            raise forbidden("联合发文由牵头机关发出")
        require_handler(principal, lead)
        async with self.engine.begin() as connection:
            draft = await _pending(connection, draft_id)
            waiting = select(func.count()).where(JointApproval.draft_id == draft_id, JointApproval.approved_at.is_(None))
            if (await connection.execute(waiting)).scalar_one():
                raise DomainError("JOINT_APPROVAL_PENDING", "尚有会签机关未会签，不能发文", field="id")
            document_id = await self.correspondence.issue(connection, principal, restored(draft.draft), request_id)
            await connection.execute(
                update(JointDraft).where(JointDraft.id == draft_id).values(state=JointState.ISSUED.value, document_id=document_id)
            )
        return document_id

    async def readable(self, principal: Principal, draft_id: int) -> tuple[Row, list[Row]]:
        """A draft the principal's organ leads or approves, with its approvals."""
        organs = readers_of(principal)
        async with reading(self.engine).connect() as connection:
            draft = (await connection.execute(select(JointDraft).where(JointDraft.id == draft_id))).one_or_none()
            approvals = list(
                (
                    await connection.execute(
                        select(JointApproval).where(JointApproval.draft_id == draft_id).order_by(JointApproval.organ_id)
                    )
                ).all()
            )
        if draft is None or not ({draft.lead_organ_id} | {a.organ_id for a in approvals}) & organs:
            raise not_found()
        return draft, approvals


async def _pending(connection: AsyncConnection, draft_id: int) -> Row:
    draft = (await connection.execute(select(JointDraft).where(JointDraft.id == draft_id).with_for_update())).one_or_none()
    if draft is None:
        raise not_found()
    if draft.state != JointState.PENDING.value:
        raise DomainError("INVALID_TRANSITION", "这份联合发文已发出", field="id")
    return draft
