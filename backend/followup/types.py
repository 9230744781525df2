"""GraphQL for 回头看: the checklist of a follow-up round and what it finds of each problem."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.followup.models import FollowUpOutcome
from backend.followup.service import FollowUp, FollowUpService
from backend.ids import parse_id
from backend.ledger.workflow import REOPENERS
from backend.permissions import mutation, query, read, write
from backend.text import MAX_NOTE
from problem_bank.rectification import LedgerState

graphql_enum(FollowUpOutcome, "回头看的结论")


@strawberry.type(description="回头看清单中的一个问题：所回头看轮次中已销号的问题，及本次回头看的结论")
class FollowUpItem:
    finding_id: strawberry.ID
    code: str
    unit_id: strawberry.ID
    description: str
    ledger_state: LedgerState
    outcome: FollowUpOutcome | None = strawberry.field(description="尚未回头看时为空")
    note: str | None
    checked_by: str | None


@strawberry.type(description="一次回头看：所回头看的轮次、清单及巩固、反弹的数目")
class FollowUpChecklist:
    round_id: strawberry.ID
    follows_round_id: strawberry.ID
    items: list[FollowUpItem]
    consolidated: int = strawberry.field(description="巩固的问题数")
    rebounded: int = strawberry.field(description="反弹（重新打开整改）的问题数")
    unchecked: int = strawberry.field(description="尚未回头看的问题数")

    @classmethod
    def of(cls, follow_up: FollowUp) -> FollowUpChecklist:
        items = [
            FollowUpItem(
                finding_id=strawberry.ID(str(row.id)),
                code=row.code,
                unit_id=strawberry.ID(str(row.unit_id)),
                description=row.description,
                ledger_state=LedgerState(row.state),
                outcome=None if row.outcome is None else FollowUpOutcome(row.outcome),
                note=row.note,
                checked_by=row.checked_by,
            )
            for row in follow_up.items
        ]
        return cls(
            round_id=strawberry.ID(str(follow_up.round.id)),
            follows_round_id=strawberry.ID(str(follow_up.round.follows_round_id)),
            items=items,
            consolidated=sum(item.outcome is FollowUpOutcome.CONSOLIDATED for item in items),
            rebounded=sum(item.outcome is FollowUpOutcome.REBOUNDED for item in items),
            unchecked=sum(item.outcome is None for item in items),
        )


def follow_ups(info: Info[Context, None]) -> FollowUpService:
    runtime = info.context.runtime
    return FollowUpService(runtime.engine, runtime.settings.reopen_window_days)


@strawberry.type
class FollowUpQuery:
    @query("回头看清单：所回头看轮次中已销号的问题及本次结论，按单位；联络员只看到本单位的", read())
    async def follow_up_checklist(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> FollowUpChecklist:
        principal = await info.context.principal()
        return FollowUpChecklist.of(await follow_ups(info).checklist(principal, tenant_code, parse_id(round_id, "roundId")))


@strawberry.type
class FollowUpMutation:
    @mutation(
        f"记录回头看结论：巩固，或反弹（该问题的台账重新打开整改，须在销号后的回头看期限内）；须写明核查情况（note，不超过 {MAX_NOTE} 字）",
        write(REOPENERS),
    )
    async def record_follow_up(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        finding_id: strawberry.ID,
        outcome: FollowUpOutcome,
        note: str,
    ) -> FollowUpChecklist:
        principal = await info.context.principal()
        follow_up = await follow_ups(info).record(
            principal,
            tenant_code,
            parse_id(round_id, "roundId"),
            parse_id(finding_id, "findingId"),
            outcome,
            note,
            info.context.request_id,
            now=info.context.clock.now(),
        )
        return FollowUpChecklist.of(follow_up)
