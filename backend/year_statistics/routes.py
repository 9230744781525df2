"""The year's statistics as files: GET /exports/{tenant}/statistics.xlsx?year= (a table to fill
into the year-end returns) and /statistics.docx?year= (the same figures as a 公文 to edit), for
the office's readers and those above it (not liaisons)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from litestar import Request, get
from litestar.response import Response

from backend.context import context_for
from backend.documents.official import OfficialDocument, Section
from backend.documents.responses import docx_response
from backend.findings.excel import ExportColumn, table_workbook
from backend.findings.routes import XLSX
from backend.permissions import Reach, permitted, read
from backend.year_statistics.types import YearStatistics, figures_for, of_figures
from tenants.errors import DomainError
from tenants.organs import office_full_name
from tenants.scoping import reading

READABLE = {"access": read(Reach.SUBTREE)}
COLUMNS = (ExportColumn("项目", 16), ExportColumn("分项", 28), ExportColumn("数值", 12), ExportColumn("说明", 30))


async def _statistics(request: Request, tenant_code: str) -> YearStatistics:
    context = context_for(request)
    try:
        year = int(request.query_params.get("year", ""))
    except ValueError:
        raise DomainError("INVALID_DATE", "请以 year 参数给出统计年度，如 ?year=2026", field="year") from None
    figures = await figures_for(context, tenant_code, year)
    taxonomy = await context.runtime.taxonomy()
    return of_figures(figures, {t.key: taxonomy.name(t.key) for t in figures.by_category})


def table(statistics: YearStatistics) -> list[tuple]:
    """The figures as rows: 项目, 分项, 数值, 说明."""
    rows: list[tuple] = [("统计范围", statistics.region_name, statistics.offices, "本机构及下级机构数")]
    rows += [("检查轮次", c.key, c.count, "") for c in statistics.rounds]
    for figure in ([statistics.problems] if statistics.problems else []) + statistics.by_category:
        rows.append(
            (
                "发现问题",
                figure.name,
                figure.total,
                f"已销号 {figure.closed}，待销号审核 {figure.awaiting_close_out}，逾期 {figure.overdue}，"
                f"整改完成率 {figure.completion_rate:.1%}",
            )
        )
    rows += [("整改类别", c.key, c.count, "") for c in statistics.by_class]
    rows += [("整改量化指标", q.kind, q.achieved, f"计划 {q.planned}") for q in statistics.quantities]
    rows += [("问题线索", c.key, c.count, "按办理结果") for c in statistics.clues]
    rows += [("问责措施", c.key, c.count, "") for c in statistics.measures]
    rows.append(("典型案例通报", "发布期数", statistics.bulletins, ""))
    rows.append(("评估", "开展次数", statistics.evaluations, ""))
    rows += [("评估", f"部门等次：{c.key}", c.count, "") for c in statistics.grades]
    return [(item, part, value, note) for item, part, value, note in rows]


@get("/exports/{tenant_code:str}/statistics.xlsx", guards=[permitted], opt=READABLE)
async def statistics_xlsx(request: Request, tenant_code: str) -> Response[bytes]:
    statistics = await _statistics(request, tenant_code)
    title = f"{statistics.region_name}{statistics.year}年度机构编制监督检查工作统计"
    content = await asyncio.to_thread(table_workbook, "工作统计", COLUMNS, title, "含下级机构", table(statistics))
    filename = quote(f"{title}.xlsx")
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})


@get("/exports/{tenant_code:str}/statistics.docx", guards=[permitted], opt=READABLE)
async def statistics_docx(request: Request, tenant_code: str) -> Response[bytes]:
    context = context_for(request)
    statistics = await _statistics(request, tenant_code)
    async with reading(context.runtime.engine).connect() as connection:
        issuer = await office_full_name(connection, tenant_code)
    sections: dict[str, list[str]] = {}
    for item, part, value, note in table(statistics)[1:]:
        sections.setdefault(item, []).append(f"{part}：{value}" + (f"（{note}）" if note else "") + "。")
    document = OfficialDocument(
        title=f"{statistics.region_name}{statistics.year}年度机构编制监督检查工作统计",
        addressee=None,
        sections=[Section(item, lines) for item, lines in sections.items()],
        issuer=issuer,
        dated=context.clock.today(),
        file_name=f"statistics-{tenant_code}-{statistics.year}",
        body=(f"统计范围：{statistics.region_name}及下级机构共 {statistics.offices} 个。",),
    )
    return await docx_response(document)
