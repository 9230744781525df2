"""GraphQL for the 检查情况报告: its preview and the team's own words; the files are at
GET /rounds/{tenantCode}/{roundId}/report.docx and .pdf (`?unit=` for one unit's)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.documents.official import OfficialDocument, Section
from backend.drafts.workflow import READERS, TEAM, UNIT
from backend.ids import optional_id, parse_id
from backend.inspection_report.service import InspectionReports, check_wording
from backend.permissions import Reach, mutation, query, read, write
from backend.rounds.leading import BY_ROUND

REPORT_READERS = READERS - UNIT  # it states what the drafts found: the team and the reviewers


@strawberry.type(description="报告的一部分：标题与段落（及其下一级）")
class ReportSection:
    heading: str
    paragraphs: list[str]
    subsections: list[ReportSection]

    @classmethod
    def of(cls, section: Section) -> ReportSection:
        return cls(heading=section.heading, paragraphs=section.paragraphs, subsections=[cls.of(s) for s in section.subsections])


@strawberry.type(description="检查情况报告（由已确认的问题底稿生成，可编辑主送、基本情况和意见建议）")
class InspectionReport:
    title: str
    addressee: str | None = strawberry.field(description="主送；未填写时为空")
    sections: list[ReportSection]
    issuer: str
    docx_path: str = strawberry.field(description="Word 文档（可在 WPS/Word 中编辑）")
    pdf_path: str = strawberry.field(description="PDF")

    @classmethod
    def of(cls, document: OfficialDocument, tenant_code: str, round_id: int, unit_id: int | None) -> InspectionReport:
        base = f"/rounds/{tenant_code}/{round_id}/report"
        unit = f"?unit={unit_id}" if unit_id is not None else ""
        return cls(
            title=document.title,
            addressee=document.addressee,
            sections=[ReportSection.of(section) for section in document.sections],
            issuer=document.issuer,
            docx_path=f"{base}.docx{unit}",
            pdf_path=f"{base}.pdf{unit}",
        )


async def report_of(info: Info[Context, None], tenant_code: str, round_id: int, unit_id: int | None) -> InspectionReport:
    runtime = info.context.runtime
    document = await InspectionReports(runtime.engine).document(
        tenant_code, round_id, unit_id, await runtime.taxonomy(), info.context.clock.today()
    )
    return InspectionReport.of(document, tenant_code, round_id, unit_id)


@strawberry.type
class InspectionReportQuery:
    @query(
        "检查情况报告（整轮或某单位）的预览，由已确认的问题底稿按问题类别生成", read(Reach.OFFICE, roles=REPORT_READERS, locate=BY_ROUND)
    )
    async def inspection_report(
        self, info: Info[Context, None], tenant_code: str, round_id: strawberry.ID, unit_id: strawberry.ID | None = None
    ) -> InspectionReport:
        return await report_of(info, tenant_code, parse_id(round_id, "roundId"), optional_id(unit_id, "unitId"))


@strawberry.type
class InspectionReportMutation:
    @mutation("填写检查情况报告的主送、基本情况和意见建议（问题部分由问题底稿生成）", write(TEAM, locate=BY_ROUND))
    async def word_inspection_report(
        self,
        info: Info[Context, None],
        tenant_code: str,
        round_id: strawberry.ID,
        addressee: str,
        opening: str,
        closing: str,
        unit_id: strawberry.ID | None = None,
    ) -> InspectionReport:
        principal = await info.context.principal()
        round_key, unit_key = parse_id(round_id, "roundId"), optional_id(unit_id, "unitId")
        wording = check_wording(addressee, opening, closing)
        await InspectionReports(info.context.runtime.engine).save_wording(
            principal, tenant_code, round_key, unit_key, wording, info.context.request_id
        )
        return await report_of(info, tenant_code, round_key, unit_key)
