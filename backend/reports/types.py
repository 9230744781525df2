"""GraphQL for 整改情况报告: the unit reports on every problem, a reviewer judges each item or
returns the report."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.enums import graphql_enum
from backend.feedback.answers import AnswerView
from backend.ids import parse_id
from backend.ledger.workflow import RECTIFIERS, REVIEWERS
from backend.permissions import mutation, query, read, write
from backend.reports.models import Progress, ReportState, Verdict
from backend.reports.service import Item, Judgement, ReportService, check_judgements, check_report
from backend.reports.workflow import RETURN, REVIEW, SUBMIT
from backend.rounds.leading import BY_REPORT

graphql_enum(ReportState, "整改情况报告的状态")
graphql_enum(Progress, "问题的整改进度")
graphql_enum(Verdict, "对一项整改情况的审核意见")


@strawberry.type(description="整改情况报告中一个问题的整改情况及审核意见")
class ReportItem:
    finding_id: strawberry.ID
    progress: Progress
    account: str = strawberry.field(description="整改情况说明")
    evidence: list[str] = strawberry.field(description="佐证材料（已上传文件的 sha256）")
    verdict: Verdict | None = strawberry.field(description="审核意见；审核前为空")
    verdict_note: str | None = strawberry.field(description="不认可的理由")


@strawberry.type(description="被检查单位的整改情况报告（含主要负责人组织落实情况报告）")
class RectificationReport:
    id: strawberry.ID
    round_id: strawberry.ID
    unit_id: strawberry.ID
    summary: str = strawberry.field(description="整改情况报告正文")
    leader_report: str = strawberry.field(description="主要负责人组织落实情况报告")
    state: ReportState
    version: int
    submitted_at: datetime | None = strawberry.field(description="首次报送的时间")
    items: list[ReportItem]
    created_by: str

    @classmethod
    def from_view(cls, view: AnswerView) -> RectificationReport:
        row = view.row
        return cls(
            id=strawberry.ID(str(row.id)),
            round_id=strawberry.ID(str(row.round_id)),
            unit_id=strawberry.ID(str(row.unit_id)),
            summary=row.summary,
            leader_report=row.leader_report,
            state=ReportState(row.state),
            version=row.version,
            submitted_at=row.submitted_at,
            items=[
                ReportItem(
                    finding_id=strawberry.ID(str(item.finding_id)),
                    progress=Progress(item.progress),
                    account=item.account,
                    evidence=item.evidence,
                    verdict=None if item.verdict is None else Verdict(item.verdict),
                    verdict_note=item.verdict_note,
                )
                for item in view.lines
            ],
            created_by=row.created_by,
        )


@strawberry.input(description="一个问题的整改情况")
class ReportItemInput:
    finding_id: strawberry.ID
    progress: Progress
    account: str = strawberry.field(description="整改情况说明")
    evidence: list[str] = strawberry.field(default_factory=list, description="佐证材料：先上传，再填 sha256")


@strawberry.input(description="对一项整改情况的审核意见")
class VerdictInput:
    finding_id: strawberry.ID
    verdict: Verdict
    note: str | None = strawberry.field(default=None, description="不认可时必填：理由")


def reports(info: Info[Context, None]) -> ReportService:
    return ReportService(info.context.runtime.engine)


@strawberry.type
class ReportQuery:
    @query("某轮次各单位的整改情况报告及逐项审核意见，按单位；联络员只看到本单位的", read())
    async def rectification_reports(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID
    ) -> list[RectificationReport]:
        principal = await info.context.principal()
        views = await reports(info).of_round(principal, tenant_code, parse_id(round_id, "roundId"))
        return [RectificationReport.from_view(view) for view in views]


@strawberry.type
class ReportMutation:
    @mutation(
        "填报（或修改）本单位在某轮次的整改情况报告：反馈的每个问题一条整改情况；首次填报不传 version（联络员限本单位）",
        write(RECTIFIERS),
    )
    async def save_rectification_report(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        unit_id: strawberry.ID,
        summary: str,
        leader_report: str,
        items: list[ReportItemInput],
        version: int | None = None,
    ) -> RectificationReport:
        principal = await info.context.principal()
        report = check_report(
            summary,
            leader_report,
            [
                Item(
                    parse_id(item.finding_id, "items.findingId"),
                    item.progress,
                    item.account,
                    [sha.strip().lower() for sha in item.evidence],
                )
                for item in items
            ],
        )
        view = await reports(info).save(
            principal, tenant_code, parse_id(round_id, "roundId"), parse_id(unit_id, "unitId"), version, report, info.context.request_id
        )
        return RectificationReport.from_view(view)

    @mutation("报送整改情况报告（反馈的每个问题都须报告）；version 须为读到的版本（联络员限本单位）", write(RECTIFIERS))
    async def submit_rectification_report(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int
    ) -> RectificationReport:
        principal = await info.context.principal()
        view = await reports(info).move(
            principal, tenant_code, parse_id(id, "id"), version, SUBMIT, None, info.context.request_id, now=info.context.clock.now()
        )
        return RectificationReport.from_view(view)

    @mutation("逐项审核报送的整改情况报告：每项认可或不认可（须写理由），审核完毕", write(REVIEWERS, locate=BY_REPORT))
    async def review_rectification_report(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, verdicts: list[VerdictInput]
    ) -> RectificationReport:
        principal = await info.context.principal()
        judgements = check_judgements([Judgement(parse_id(v.finding_id, "verdicts.findingId"), v.verdict, v.note) for v in verdicts])
        view = await reports(info).move(
            principal,
            tenant_code,
            parse_id(id, "id"),
            version,
            REVIEW,
            None,
            info.context.request_id,
            now=info.context.clock.now(),
            judgements=judgements,
        )
        return RectificationReport.from_view(view)

    @mutation("退回报送的整改情况报告（须写明理由）", write(REVIEWERS, locate=BY_REPORT))
    async def return_rectification_report(
        self, info: Info[Context, None], tenant_code: str, id: strawberry.ID, version: int, note: str
    ) -> RectificationReport:
        principal = await info.context.principal()
        view = await reports(info).move(
            principal, tenant_code, parse_id(id, "id"), version, RETURN, note, info.context.request_id, now=info.context.clock.now()
        )
        return RectificationReport.from_view(view)
