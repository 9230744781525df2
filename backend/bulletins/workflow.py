"""The states of a typical-case bulletin (典型案例通报) and who may move it:

    草稿 ─提交审核→ 待审核 ─审核通过→ 已审核 ─发布 (every joint organ's 会签 first)→ 已发布
    待审核 / 已审核 ─退回修改 (with a reason)→ 草稿;  any state but 已撤回 ─撤回 (with a reason)→ 已撤回

Inspectors and publishers compose and submit; the office's admin approves or returns; only a
publisher publishes; a publisher or an admin withdraws. Editing (the issue and its cases) is
for drafts only; a published issue's cases may be shared into the typical-case library."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.workflow import Guard, Move, Transition, Workflow
from problem_bank.models import Bulletin, BulletinCase, BulletinJointOrgan
from tenants.access import Role
from tenants.errors import DomainError
from tenants.labelled import Labelled


class BulletinState(Labelled):
    DRAFT = "草稿", "草稿"
    SUBMITTED = "待审核", "待审核"
    APPROVED = "已审核", "已审核（待发布）"
    PUBLISHED = "已发布", "已发布"
    WITHDRAWN = "已撤回", "已撤回"


DRAFT, SUBMITTED, APPROVED, PUBLISHED, WITHDRAWN = BulletinState
OUT = frozenset({PUBLISHED, WITHDRAWN})  # what recipients see

COMPOSERS = frozenset({Role.INSPECTOR, Role.PUBLISHER})
APPROVERS = frozenset({Role.ADMIN})
PUBLISHERS = frozenset({Role.PUBLISHER})
WITHDRAWERS = frozenset({Role.PUBLISHER, Role.ADMIN})
DRAFTS = frozenset({DRAFT})


async def _has_cases(move: Move[Any]) -> None:
    cases = select(func.count()).where(BulletinCase.bulletin_id == move.row.id)
    if not (await move.connection.execute(cases)).scalar_one():
        raise DomainError("NO_CASES", "通报至少要有一个典型案例", field="id")


async def _every_joint_organ_approved(move: Move[Any]) -> None:
    waiting = select(func.count()).where(BulletinJointOrgan.bulletin_id == move.row.id, BulletinJointOrgan.approved_at.is_(None))
    if (await move.connection.execute(waiting)).scalar_one():
        raise DomainError("JOINT_APPROVAL_PENDING", "尚有联合发文机关未会签，不能发布", field="id")


EDIT = Transition("edit", "修改", DRAFTS, None, COMPOSERS, note="none")
ADD_CASE = Transition("add_case", "添加案例", DRAFTS, None, COMPOSERS, note="none")
EDIT_CASE = Transition("edit_case", "修改案例", DRAFTS, None, COMPOSERS, note="none")
REMOVE_CASE = Transition("remove_case", "删除案例", DRAFTS, None, COMPOSERS, note="none")
SET_JOINT = Transition("set_joint", "设置联合发文机关", DRAFTS, None, COMPOSERS, note="none")
MARK_TERM = Transition("mark_term", "标注脱敏名称", DRAFTS, None, COMPOSERS, note="none")
SUBMIT = Transition("submit", "提交审核", DRAFTS, SUBMITTED, COMPOSERS, note="none", guard=Guard("至少有一个典型案例", _has_cases))
APPROVE = Transition("approve", "审核通过", frozenset({SUBMITTED}), APPROVED, APPROVERS, note="none")
RETURN = Transition("return", "退回修改", frozenset({SUBMITTED, APPROVED}), DRAFT, APPROVERS, note="required")
PUBLISH = Transition(
    "publish",
    "发布",
    frozenset({APPROVED}),
    PUBLISHED,
    PUBLISHERS,
    note="none",
    guard=Guard("联合发文的，各联合发文机关均已会签", _every_joint_organ_approved),
    event="bulletin.published",
)
WITHDRAW = Transition(
    "withdraw",
    "撤回",
    frozenset({DRAFT, SUBMITTED, APPROVED, PUBLISHED}),
    WITHDRAWN,
    WITHDRAWERS,
    note="required",
    event="bulletin.withdrawn",
)
SHARE = Transition("share", "推送到典型案例库", frozenset({PUBLISHED}), None, PUBLISHERS, note="none", versioned=False)

BULLETINS = Workflow(
    name="bulletin",
    title="典型案例通报",
    noun="通报",
    states=BulletinState,
    initial=DRAFT,
    transitions=(EDIT, ADD_CASE, EDIT_CASE, REMOVE_CASE, MARK_TERM, SET_JOINT, SUBMIT, APPROVE, RETURN, PUBLISH, WITHDRAW, SHARE),
    model=Bulletin,
    entity="bulletin",
)
