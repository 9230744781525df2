"""GraphQL for the 统一反馈: giving a unit its problems, and the 反馈意见 given."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.drafts.workflow import TEAM
from backend.feedback.service import FeedbackService, check_feedback
from backend.ids import optional_id, parse_id
from backend.permissions import mutation, query, read, write
from backend.rounds.leading import BY_ROUND


@strawberry.type(description="统一反馈时向被检查单位主要负责人出具的反馈意见")
class RoundFeedback:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    document_number: str = strawberry.field(description="文号")
    addressee: str = strawberry.field(description="主送：被检查单位主要负责人")
    given_on: date
    findings: int = strawberry.field(description="反馈的问题数")
    plan_due: date = strawberry.field(description="整改方案报送期限")
    report_due: date = strawberry.field(description="整改情况报告（含主要负责人组织落实情况报告）报送期限")
    given_by: str
    created_at: datetime

    @classmethod
    def from_row(cls, row) -> RoundFeedback:
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            document_number=row.document_number,
            addressee=row.addressee,
            given_on=row.given_on,
            findings=row.findings,
            plan_due=row.plan_due,
            report_due=row.report_due,
            given_by=row.given_by,
            created_at=row.created_at,
        )


def feedback(info: Info[Context, None]) -> FeedbackService:
    return FeedbackService(info.context.runtime.engine)


@strawberry.type
class FeedbackQuery:
    @query("某轮次已出具的反馈意见，按单位；联络员只看到本单位的", read())
    async def round_feedbacks(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> list[RoundFeedback]:
        principal = await info.context.principal()
        rows = await feedback(info).feedbacks(principal, tenant_code, parse_id(round_id, "roundId"))
        return [RoundFeedback.from_row(row) for row in rows]


@strawberry.type
class FeedbackMutation:
    @mutation(
        "统一反馈：把某单位（不填则本轮次尚未反馈的每个单位）已确认的问题底稿登记入整改台账，出具编号的反馈意见，"
        "开始计算整改方案和整改情况报告的期限，并通知单位；尚有未定稿的底稿时拒绝",
        write(TEAM, locate=BY_ROUND),
    )
    async def feed_back_round(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        addressee: str,
        unit_id: strawberry.ID | None = None,
        given_on: date | None = None,
    ) -> list[RoundFeedback]:
        principal = await info.context.principal()
        order = check_feedback(
            round_id=parse_id(round_id, "roundId"),
            unit_id=optional_id(unit_id, "unitId"),
            addressee=addressee,
            given_on=given_on,
            today=info.context.clock.today(),
        )
        rows = await feedback(info).feed_back(principal, tenant_code, order, info.context.request_id)
        return [RoundFeedback.from_row(row) for row in rows]
