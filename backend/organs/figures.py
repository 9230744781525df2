"""GraphQL for an organ's work in figures (backend/organs/statistics.py)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.clues.models import ClueResult, ClueSource, ClueState
from backend.context import Context
from backend.correspondence.models import DocumentKind, HandlingState
from backend.ids import parse_id
from backend.organs.statistics import organ_figures
from backend.permissions import query, special


@strawberry.type(description="公文件数：发文按种类；收文按种类和办理状态")
class DocumentCount:
    kind: DocumentKind
    state: HandlingState | None = strawberry.field(description="收文的办理状态；发文为空")
    count: int
    late: int = strawberry.field(description="其中过了办理时限仍未办结的")


@strawberry.type(description="线索件数，按来源、状态和最近的办理结果")
class ClueCount:
    source: ClueSource
    state: ClueState
    result: ClueResult | None
    count: int
    late: int = strawberry.field(description="其中过了办理时限仍未办结的")


@strawberry.type(description="一个机关的公文往来和线索办理统计")
class OrganWork:
    sent: list[DocumentCount]
    received: list[DocumentCount]
    clues: list[ClueCount]


@strawberry.type
class OrganWorkQuery:
    @query("一个机关的公文往来和线索办理统计（按种类、状态，及逾期件数）", special("该机关的成员；联络员除外"))
    async def organ_work(self, info: Info[Context, None], organ_id: strawberry.ID) -> OrganWork:
        figures = await organ_figures(
            info.context.runtime.engine, await info.context.principal(), parse_id(organ_id, "organId"), info.context.clock.today()
        )
        return OrganWork(
            sent=[DocumentCount(kind=DocumentKind(c.key[0]), state=None, count=c.count, late=c.late) for c in figures.sent],
            received=[
                DocumentCount(kind=DocumentKind(c.key[0]), state=HandlingState(c.key[1]), count=c.count, late=c.late)
                for c in figures.received
            ],
            clues=[
                ClueCount(
                    source=ClueSource(c.key[0]),
                    state=ClueState(c.key[1]),
                    result=None if c.key[2] is None else ClueResult(c.key[2]),
                    count=c.count,
                    late=c.late,
                )
                for c in figures.clues
            ],
        )
