"""GraphQL for the 统一反馈: giving a unit its problems, and the 反馈意见 given."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.drafts.workflow import TEAM
from backend.feedback.service import FeedbackService, check_feedback
from backend.feedback.terms import Terms, check_terms, set_terms, terms_of
from backend.ids import optional_id, parse_id
from backend.permissions import mutation, query, read, write
from backend.rounds.leading import BY_ROUND
from tenants.access import Role
from tenants.divisions import Level
from tenants.scoping import tenant_reader


@strawberry.type(description="本省的轮次期限：统一反馈后整改方案、整改情况报告的报送期限，以及验收是否打分")
class RoundTerms:
    plan_days: int = strawberry.field(description="整改方案：反馈后若干天内报送")
    report_months: int = strawberry.field(description="整改情况报告：反馈后若干个月内报送")
    acceptance_scored: bool = strawberry.field(description="验收须打分（0–100）")
    set_by_province: bool = strawberry.field(description="省里已设定（否则为默认：15 天、2 个月、不打分）")

    @classmethod
    def of(cls, terms: Terms) -> RoundTerms:
        return cls(
            plan_days=terms.plan_days,
            report_months=terms.report_months,
            acceptance_scored=terms.acceptance_scored,
            set_by_province=terms.set_by_province,
        )


async def _terms_now(info: Info[Context, None], tenant_code: str) -> RoundTerms:
    async with tenant_reader(info.context.runtime.engine, tenant_code).connect() as connection:
        return RoundTerms.of(await terms_of(connection, tenant_code))


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
    @query("某机构适用的轮次期限（所在省设定的，未设定则为默认）", read())
    async def round_terms(self, info: Info[Context, None], tenant_code: str) -> RoundTerms:
        return await _terms_now(info, tenant_code)

    @query("某轮次已出具的反馈意见，按单位；联络员只看到本单位的", read())
    async def round_feedbacks(self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID) -> list[RoundFeedback]:
        principal = await info.context.principal()
        rows = await feedback(info).feedbacks(principal, tenant_code, parse_id(round_id, "roundId"))
        return [RoundFeedback.from_row(row) for row in rows]


@strawberry.type
class FeedbackMutation:
    @mutation(
        "设定本省的轮次期限（省级机构的管理员）：整改方案、整改情况报告的报送期限，验收是否打分；此后的统一反馈和验收按此执行",
        write(frozenset({Role.ADMIN}), levels=frozenset({Level.PROVINCE})),
    )
    async def set_round_terms(
        self, info: Info[Context, None], tenant_code: str, plan_days: int, report_months: int, acceptance_scored: bool
    ) -> RoundTerms:
        terms = check_terms(plan_days, report_months, acceptance_scored)
        await set_terms(info.context.runtime.engine, await info.context.principal(), tenant_code, terms, info.context.request_id)
        return await _terms_now(info, tenant_code)

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
