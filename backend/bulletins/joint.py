"""Typical-case bulletins issued jointly (联合发文, as 湖南 issues its 通报 with the 纪委监委 and
the 组织部): while the bulletin is a draft its composers name the organs of the publisher's region
that issue it with the 编办; once the office's admin has approved the text (已审核), each joint
organ's admin or reviewer approves it (会签, recorded with who and when), and only then may it be
published. Returning the bulletin for changes clears the approvals: they were given to another
text. A joint organ's members read the bulletin as recipients do (the published wording) from
its approval on; the masthead and the signature name every organ."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.audit.service import record_audit
from backend.bulletins.workflow import APPROVED, OUT
from backend.correspondence.joint import MAX_JOINT, require_approver
from backend.correspondence.service import readers_of
from backend.workflow import Move
from problem_bank.models import Bulletin, BulletinJointOrgan
from tenants.access import Principal
from tenants.errors import DomainError
from tenants.organs import Organ, OrganKind

VISIBLE = frozenset({APPROVED}) | OUT  # when a joint organ's members read the bulletin


@dataclass(frozen=True)
class JointOrgan:
    organ: Any  # a row with the organ's columns: names for the masthead and the signature
    approved_by: str | None
    approved_at: Any


async def set_joint_organs(move: Move[Any], publisher_code: str, organ_ids: list[int]) -> None:
    """The bulletin's joint organs (none: the office issues it alone), in masthead order."""
    joint = list(dict.fromkeys(organ_ids))
    if len(joint) > MAX_JOINT:
        raise DomainError("INVALID_JOINT", f"联合发文机关最多 {MAX_JOINT} 个", field="organIds")
    partners = select(func.count()).where(Organ.id.in_(joint), Organ.tenant_code == publisher_code, Organ.kind != OrganKind.OFFICE.value)
    if joint and (await move.connection.execute(partners)).scalar_one() != len(joint):
        raise DomainError("INVALID_JOINT", "联合发文机关须为本地区编办以外的机关", field="organIds")
    await move.connection.execute(delete(BulletinJointOrgan).where(BulletinJointOrgan.bulletin_id == move.row.id))
    if joint:
        await move.connection.execute(
            insert(BulletinJointOrgan), [{"bulletin_id": move.row.id, "organ_id": organ, "position": n} for n, organ in enumerate(joint)]
        )
    await move.apply(after={"joint_organ_ids": joint})


async def clear_approvals(connection: AsyncConnection, bulletin_id: int) -> None:
    await connection.execute(
        update(BulletinJointOrgan).where(BulletinJointOrgan.bulletin_id == bulletin_id).values(approved_by=None, approved_at=None)
    )


async def approve(connection: AsyncConnection, principal: Principal, bulletin_id: int, organ_id: int, request_id: str | None) -> None:
    """A joint organ's 会签 of the approved text, once; audited in the publisher's trail."""
    require_approver(principal, organ_id)
    bulletin = (
        await connection.execute(select(Bulletin.publisher_code, Bulletin.state).where(Bulletin.id == bulletin_id).with_for_update())
    ).one_or_none()
    joint = (
        await connection.execute(
            select(BulletinJointOrgan).where(BulletinJointOrgan.bulletin_id == bulletin_id, BulletinJointOrgan.organ_id == organ_id)
        )
    ).one_or_none()
    if bulletin is None or joint is None:
        raise DomainError("NOT_FOUND", "对象不存在或不在您的权限范围内")
    if bulletin.state != APPROVED or joint.approved_at is not None:
        raise DomainError("INVALID_TRANSITION", "通报须经编办审核通过、且本机关尚未会签", field="id")
    await connection.execute(
        update(BulletinJointOrgan)
        .where(BulletinJointOrgan.bulletin_id == bulletin_id, BulletinJointOrgan.organ_id == organ_id)
        .values(approved_by=principal.username, approved_at=func.now())
    )
    await record_audit(
        connection,
        bulletin.publisher_code,
        actor=principal.username,
        action="bulletin.joint_approve",
        entity="bulletin",
        entity_id=str(bulletin_id),
        after={"organ_id": organ_id},
        request_id=request_id,
    )


def joint_reader(principal: Principal, state: str, organs: list[JointOrgan]) -> bool:
    """Whether the principal reads the bulletin as a member of one of its joint organs."""
    return state in VISIBLE and bool({joint.organ.id for joint in organs} & readers_of(principal))


async def joint_organs_of_bulletins(connection: AsyncConnection, ids: list[int]) -> dict[int, list[JointOrgan]]:
    """bulletin id → its joint organs in masthead order, with their 会签 (one statement)."""
    query = (
        select(BulletinJointOrgan, Organ)
        .join(Organ, Organ.id == BulletinJointOrgan.organ_id)
        .where(BulletinJointOrgan.bulletin_id.in_(ids))
        .order_by(BulletinJointOrgan.bulletin_id, BulletinJointOrgan.position)
    )
    found: dict[int, list[JointOrgan]] = {}
    for row in await connection.execute(query):  # the organ's columns and the 会签's (no name in common)
        found.setdefault(row.bulletin_id, []).append(JointOrgan(row, row.approved_by, row.approved_at))
    return found


def issued_jointly_by(organ_id: int) -> ColumnElement[bool]:
    """Bulletins an organ issues jointly that its members may read."""
    joined = select(BulletinJointOrgan.bulletin_id).where(BulletinJointOrgan.organ_id == organ_id)
    return and_(Bulletin.id.in_(joined), Bulletin.state.in_(VISIBLE))
