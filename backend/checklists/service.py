"""What a round asks of each unit it covers, item by item (issue 20, item 2): the 调阅材料清单
(the materials the team reads: the unit provides each, with the files, or says why it cannot)
and the 自查表 (questions the unit answers about itself: 符合, 不符合 with what falls short, or
不适用). The team sets the items (a default sheet when it gives none) from the round's plan until
its report; the unit's liaison answers (or the team, for it), attaching uploaded files; the team
marks each answer received or asks for more. A 不符合 answer can be taken up as a 自查发现: a
draft of the round (backend/drafts/), marked as found by the unit itself, in the same
transaction. A liaison sees and answers only its own unit's items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.checklists.models import ANSWERS_OF, EXPLAINED, ChecklistItem, ChecklistKind, ItemAnswer, ItemReview
from backend.drafts.service import check_draft, insert_draft
from backend.evidence.attachments import require_uploaded
from backend.rounds.models import RoundStage
from backend.rounds.workflow import require_unit_at
from backend.text import clean_text
from problem_bank.taxonomy import Taxonomy
from tenants.access import Principal, not_found, visible_units
from tenants.errors import DomainError
from tenants.registry import readable_place
from tenants.scoping import tenant_engine, tenant_reader

MAX_ITEMS = 60
OPEN_STAGES = frozenset({RoundStage.PLANNED, RoundStage.PREPARING, RoundStage.STATIONED, RoundStage.INVESTIGATING})
OPEN_WHEN = "材料清单和自查表在报告之前办理"

# The default sheets: the materials an 编办 usually reads, and questions on the five key contents
# of the 《机构编制监督检查工作办法》 (党管机构编制, 机构改革, 机构编制管理, "三定", 纪律).
DEFAULTS: dict[ChecklistKind, tuple[str, ...]] = {
    ChecklistKind.MATERIALS: (
        "本单位“三定”规定及其调整文件",
        "机构编制台账（编制、领导职数、内设机构）",
        "机构编制实名制人员花名册",
        "近三年领导班子会议纪要中研究机构编制事项的部分",
        "编外人员、借调人员名单及有关批准文件",
    ),
    ChecklistKind.SELF_CHECK: (
        "机构编制事项是否按规定程序报批、经集体研究决定（坚持党管机构编制）",
        "机构改革任务是否落实到位",
        "是否在编制限额内进人、按核定职数配备领导干部",
        "内设机构、议事协调机构的设置是否符合“三定”规定",
        "编外人员的使用、人员借调是否符合规定",
        "机构编制实名制信息是否准确并及时更新",
        "是否存在违反机构编制纪律的其他情形",
    ),
}


@dataclass(frozen=True)
class ItemText:
    prompt: str
    taxonomy_code: str | None = None


@dataclass(frozen=True)
class AnswerText:
    answer: ItemAnswer
    explanation: str | None
    evidence: tuple[str, ...]


class Checklists:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def items(self, principal: Principal, tenant_code: str, round_id: int, unit_id: int | None, kind: ChecklistKind) -> Sequence[Row]:
        """A round's items of `kind`, by unit and position (a liaison: its units' only)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        query = (
            select(ChecklistItem)
            .where(ChecklistItem.round_id == round_id, ChecklistItem.kind == kind)
            .order_by(ChecklistItem.unit_id, ChecklistItem.position)
        )
        if unit_id is not None:
            query = query.where(ChecklistItem.unit_id == unit_id)
        if units is not None:
            query = query.where(ChecklistItem.unit_id.in_(units))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            return (await connection.execute(query)).all()

    async def item(self, principal: Principal, tenant_code: str, item_id: int) -> Row:
        """One item (a liaison: of its units)."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_reader(self.engine, tenant_code).connect() as connection:
            item = (await connection.execute(select(ChecklistItem).where(ChecklistItem.id == item_id))).one_or_none()
        if item is None or (units is not None and item.unit_id not in units):
            raise not_found()
        return item

    async def set_items(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        unit_id: int,
        kind: ChecklistKind,
        texts: Sequence[ItemText] | None,
        request_id: str | None,
    ) -> None:
        """The unit's items of `kind` (None: the default sheet), replacing those set before;
        refused once the unit has answered one (ITEMS_ANSWERED)."""
        texts = [ItemText(prompt) for prompt in DEFAULTS[kind]] if texts is None else list(texts)
        if not 1 <= len(texts) <= MAX_ITEMS:
            raise DomainError("INVALID_ITEMS", f"须列 1 到 {MAX_ITEMS} 项", field="items")
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            await require_unit_at(connection, round_id, unit_id, OPEN_STAGES, OPEN_WHEN)
            of_unit = (ChecklistItem.round_id == round_id, ChecklistItem.unit_id == unit_id, ChecklistItem.kind == kind)
            answered = (await connection.execute(select(func.count()).where(*of_unit, ChecklistItem.answer.is_not(None)))).scalar_one()
            if answered:
                raise DomainError("ITEMS_ANSWERED", f"该单位已答复 {answered} 项，不能再重列；可逐项要求补充", field="items")
            await connection.execute(delete(ChecklistItem).where(*of_unit))
            await connection.execute(
                insert(ChecklistItem),
                [
                    {
                        "round_id": round_id,
                        "unit_id": unit_id,
                        "kind": kind,
                        "position": n,
                        "prompt": t.prompt,
                        "taxonomy_code": t.taxonomy_code,
                    }
                    for n, t in enumerate(texts, start=1)
                ],
            )
            await record_audit(
                connection,
                tenant_code,
                actor=principal.username,
                action="checklist.set",
                entity="round",
                entity_id=str(round_id),
                after={"unit_id": unit_id, "kind": kind.value, "items": [t.prompt for t in texts]},
                request_id=request_id,
            )

    async def answer(
        self, principal: Principal, tenant_code: str, item_id: int, version: int, text: AnswerText, now: datetime, request_id: str | None
    ) -> None:
        """The unit's answer to an item (again after 需补充), while the round has not reported."""
        units = visible_units(principal, await readable_place(self.engine, principal, tenant_code))
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            item = await _locked(connection, item_id, version, units)
            await require_unit_at(connection, item.round_id, item.unit_id, OPEN_STAGES, OPEN_WHEN)
            if text.answer not in ANSWERS_OF[ChecklistKind(item.kind)]:
                raise DomainError("INVALID_ANSWER", f"{ChecklistKind(item.kind).label}的答复须为：{_labels(item.kind)}", field="answer")
            if text.answer in EXPLAINED and not text.explanation:
                raise DomainError("INVALID_TEXT", f"答复“{text.answer.label}”须写明情况", field="explanation")
            await require_uploaded(connection, text.evidence, principal.username if units is not None else None)
            await _change(
                connection,
                principal,
                tenant_code,
                item,
                "checklist.answer",
                request_id,
                answer=text.answer,
                explanation=text.explanation,
                evidence=list(text.evidence),
                answered_by=principal.username,
                answered_at=now,
                review=None,
                review_note=None,
                reviewed_by=None,
            )

    async def review(
        self,
        principal: Principal,
        tenant_code: str,
        item_id: int,
        version: int,
        review: ItemReview,
        note: str | None,
        request_id: str | None,
    ) -> None:
        """The team's reading of an answer: received, or more is needed (with what)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            item = await _locked(connection, item_id, version, None)
            if item.answer is None:
                raise DomainError("NOT_ANSWERED", "该项尚未答复", field="id")
            if review is ItemReview.MORE_NEEDED and not note:
                raise DomainError("INVALID_TEXT", "要求补充须写明要求", field="note")
            await _change(
                connection,
                principal,
                tenant_code,
                item,
                "checklist.review",
                request_id,
                review=review,
                review_note=note,
                reviewed_by=principal.username,
            )

    async def take_up(
        self,
        principal: Principal,
        tenant_code: str,
        item_id: int,
        version: int,
        taxonomy_code: str,
        severity: str,
        today: date,
        taxonomy: Taxonomy,
        request_id: str | None,
    ) -> Row:
        """A 不符合 answer of the 自查表 taken up as a 自查发现 draft (once)."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            item = await _locked(connection, item_id, version, None)
            if item.answer != ItemAnswer.FALLS_SHORT or item.draft_id is not None:
                raise DomainError("NOT_A_FINDING", "只有答复“不符合”、尚未立为底稿的自查项可以立为自查发现", field="id")
            content = check_draft(
                code=None,
                taxonomy_code=taxonomy_code,
                description=f"（自查发现）{item.prompt}：{item.explanation}",
                basis=None,
                requirement=None,
                evidence_sources=[],
                severity=severity,
                rectification_class="限期整改",
                found_on=today,
                deadline=None,
                responsible_person=None,
                today=today,
                taxonomy=taxonomy,
                tenant_code=tenant_code,
            )
            draft = await insert_draft(
                connection, principal, tenant_code, item.round_id, item.unit_id, content, request_id, self_found=True
            )
            await _change(connection, principal, tenant_code, item, "checklist.take_up", request_id, draft_id=draft.id)
            return draft


async def _locked(connection: AsyncConnection, item_id: int, version: int, units: frozenset[int] | None) -> Row:
    item = (await connection.execute(select(ChecklistItem).where(ChecklistItem.id == item_id).with_for_update())).one_or_none()
    if item is None or (units is not None and item.unit_id not in units):
        raise not_found()
    if item.version != version:
        raise DomainError("STALE_VERSION", f"该项已被他人更新（当前版本 {item.version}），请刷新后重试", field="version")
    return item


async def _change(
    connection: AsyncConnection, principal: Principal, tenant_code: str, item: Row, action: str, request_id: str | None, **values
) -> None:
    await connection.execute(update(ChecklistItem).where(ChecklistItem.id == item.id).values(version=item.version + 1, **values))
    await record_audit(
        connection,
        tenant_code,
        actor=principal.username,
        action=action,
        entity="checklist_item",
        entity_id=str(item.id),
        before={"answer": item.answer, "review": item.review, "version": item.version},
        after={key: str(value) if value is not None else None for key, value in values.items()} | {"version": item.version + 1},
        request_id=request_id,
    )


def _labels(kind: str) -> str:
    return "、".join(answer.label for answer in ItemAnswer if answer in ANSWERS_OF[ChecklistKind(kind)])


def check_answer(answer: ItemAnswer, explanation: str | None, evidence: Sequence[str]) -> AnswerText:
    return AnswerText(answer, clean_text(explanation, "explanation", required=False), tuple(evidence))
