"""GraphQL for a round's 调阅材料清单 and 自查表 (backend/checklists/)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from backend.checklists.models import ChecklistKind, ItemAnswer, ItemReview
from backend.checklists.service import Checklists, ItemText, check_answer
from backend.context import Context
from backend.drafts.types import DraftFinding
from backend.drafts.workflow import TEAM, UNIT
from backend.enums import graphql_enum
from backend.findings.models import Severity
from backend.ids import optional_id, parse_id
from backend.permissions import mutation, query, read, write
from backend.rounds.leading import BY_ITEM, BY_ROUND
from backend.text import clean_text
from tenants.registry import clean_name

graphql_enum(ChecklistKind, "轮次向被检查单位要求的清单：调阅材料清单或自查表")
graphql_enum(ItemAnswer, "被检查单位对清单一项的答复")
graphql_enum(ItemReview, "检查组对答复的意见")


@strawberry.type(description="清单的一项：要求调阅的材料，或自查的问题，及单位的答复和检查组的意见")
class ChecklistItem:
    id: strawberry.ID
    unit_id: strawberry.ID
    kind: ChecklistKind
    position: int
    prompt: str = strawberry.field(description="材料名称或自查问题")
    taxonomy_code: str | None
    answer: ItemAnswer | None
    explanation: str | None = strawberry.field(description="答复的说明（无法提供、不符合时必填）")
    evidence: list[str] = strawberry.field(description="所附文件（sha256，GET /evidence/{机构代码}/{sha256}）")
    answered_by: str | None
    answered_at: datetime | None
    review: ItemReview | None
    review_note: str | None
    draft_id: strawberry.ID | None = strawberry.field(description="立为自查发现的问题底稿")
    version: int

    @classmethod
    def of(cls, row) -> ChecklistItem:
        return cls(
            id=strawberry.ID(str(row.id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            kind=ChecklistKind(row.kind),
            position=row.position,
            prompt=row.prompt,
            taxonomy_code=row.taxonomy_code,
            answer=None if row.answer is None else ItemAnswer(row.answer),
            explanation=row.explanation,
            evidence=list(row.evidence),
            answered_by=row.answered_by,
            answered_at=row.answered_at,
            review=None if row.review is None else ItemReview(row.review),
            review_note=row.review_note,
            draft_id=None if row.draft_id is None else strawberry.ID(str(row.draft_id)),
            version=row.version,
        )


@strawberry.type(description="某轮次（某单位）的一种清单及其完成情况")
class RoundChecklist:
    items: list[ChecklistItem]
    answered: int = strawberry.field(description="已答复的项数")
    accepted: int = strawberry.field(description="检查组已收到（认可）的项数")
    total: int


@strawberry.input(description="清单的一项")
class ChecklistItemInput:
    prompt: str
    taxonomy_code: str | None = strawberry.field(default=None, description="自查问题所涉的问题类别（可不填）")


def service(info: Info[Context, None]) -> Checklists:
    return Checklists(info.context.runtime.engine)


async def _checklist(
    info: Info[Context, None], tenant_code: str, round_id: int, unit_id: int | None, kind: ChecklistKind
) -> RoundChecklist:
    rows = await service(info).items(await info.context.principal(), tenant_code, round_id, unit_id, kind)
    return RoundChecklist(
        items=[ChecklistItem.of(row) for row in rows],
        answered=sum(row.answer is not None for row in rows),
        accepted=sum(row.review == ItemReview.ACCEPTED for row in rows),
        total=len(rows),
    )


async def _item_now(info: Info[Context, None], tenant_code: str, item_id: int) -> ChecklistItem:
    rows = await service(info).item(await info.context.principal(), tenant_code, item_id)
    return ChecklistItem.of(rows)


@strawberry.type
class ChecklistQuery:
    @query("某轮次的调阅材料清单或自查表（可限某单位），含完成情况；联络员只看到本单位的", read())
    async def round_checklist(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        kind: ChecklistKind,
        unit_id: strawberry.ID | None = None,
    ) -> RoundChecklist:
        return await _checklist(info, tenant_code, parse_id(round_id, "roundId"), optional_id(unit_id, "unitId"), kind)


@strawberry.type
class ChecklistMutation:
    @mutation("列出某单位的调阅材料清单或自查表（不填 items 用默认清单）；单位答复前可重列", write(TEAM, locate=BY_ROUND))
    async def set_round_checklist(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        unit_id: strawberry.ID,
        kind: ChecklistKind,
        items: list[ChecklistItemInput] | None = None,
    ) -> RoundChecklist:
        texts = None
        if items is not None:
            texts = [
                ItemText(
                    clean_name(item.prompt, field="prompt", max_length=200), clean_text(item.taxonomy_code, "taxonomyCode", required=False)
                )
                for item in items
            ]
        round_, unit = parse_id(round_id, "roundId"), parse_id(unit_id, "unitId")
        await service(info).set_items(await info.context.principal(), tenant_code, round_, unit, kind, texts, info.context.request_id)
        return await _checklist(info, tenant_code, round_, unit, kind)

    @mutation(
        "答复清单的一项：材料已提供（附文件）或无法提供（说明原因）；自查问题符合、不符合（说明情况）或不适用（联络员限本单位）",
        write(TEAM | UNIT),
    )
    async def answer_checklist_item(
        self,
        info: Info[Context, None],
        tenant_code: str,
        id: strawberry.ID,
        version: int,
        answer: ItemAnswer,
        explanation: str | None = None,
        evidence: list[str] | None = None,
    ) -> ChecklistItem:
        item_id = parse_id(id, "id")
        text = check_answer(answer, explanation, [sha.strip().lower() for sha in evidence or []])
        principal = await info.context.principal()
        await service(info).answer(principal, tenant_code, item_id, version, text, info.context.clock.now(), info.context.request_id)
        return await _item_now(info, tenant_code, item_id)

    @mutation("检查组对答复的意见：已收到，或需补充（写明要求）", write(TEAM, locate=BY_ITEM))
    async def review_checklist_item(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, review: ItemReview, note: str | None = None
    ) -> ChecklistItem:
        item_id = parse_id(id, "id")
        note = clean_text(note, "note", required=False)
        await service(info).review(await info.context.principal(), tenant_code, item_id, version, review, note, info.context.request_id)
        return await _item_now(info, tenant_code, item_id)

    @mutation("把自查表中答复“不符合”的一项立为自查发现的问题底稿", write(TEAM, locate=BY_ITEM))
    async def take_up_self_check_finding(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, taxonomy_code: str, severity: Severity
    ) -> DraftFinding:
        principal = await info.context.principal()
        draft = await service(info).take_up(
            principal,
            tenant_code,
            parse_id(id, "id"),
            version,
            taxonomy_code,
            severity,
            info.context.clock.today(),
            await info.context.runtime.taxonomy(knowing=taxonomy_code),
            info.context.request_id,
        )
        return DraftFinding.from_row(draft)
