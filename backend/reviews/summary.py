"""The year's 三责联审综合情况报告 of an office (GET /reviews/{tenant}/summary.docx?year=): the plan
and how far it has got, the graded conclusions, and the problems the reviews raised with their
rectification — a 公文 the office edits before sending it up."""

from __future__ import annotations

from collections import Counter

from litestar import Request, get
from litestar.response import Response
from sqlalchemy import select

from backend.context import context_for
from backend.documents.official import OfficialDocument, Section
from backend.documents.responses import docx_response
from backend.permissions import Reach, permitted, read
from backend.reviews.models import LeaderReview, ReviewGrade, ReviewKind, ReviewState
from backend.reviews.service import ReviewService, check_year, problem_rows
from problem_bank.rectification import LedgerState
from tenants.errors import DomainError
from tenants.models import Tenant
from tenants.organs import office_full_name
from tenants.scoping import reading, tenant_reader


def summary_document(office: str, issuer: str, year: int, plan, reviews, problems, today) -> OfficialDocument:
    required = sum(item.selection.required for item in plan)
    kinds = Counter(ReviewKind(r.kind).label for r in reviews)
    closed = [r for r in reviews if r.state == ReviewState.CLOSED.value]
    grades = Counter(r.grade for r in closed if r.grade)
    rectified = sum(p.state == LedgerState.CLOSED.value for p in problems)
    return OfficialDocument(
        title=f"{office}{year}年度三责联审综合情况报告",
        addressee=None,
        sections=[
            Section(
                "基本情况",
                [
                    f"{year}年度计划必审 {required} 人、可审 {len(plan) - required} 人；已开展审核 {len(reviews)} 人"
                    f"（{'、'.join(f'{kind} {n} 人' for kind, n in sorted(kinds.items())) or '无'}），已完成 {len(closed)} 人。"
                ],
            ),
            Section(
                "审核结论",
                ["、".join(f"{grade.value} {grades[grade.value]} 人" for grade in ReviewGrade if grades[grade.value]) + "。"]
                if grades
                else ["尚无已完成的审核。"],
            ),
            Section(
                "发现问题及整改情况",
                [f"审核发现问题 {len(problems)} 个，已整改销号 {rectified} 个，正在整改 {len(problems) - rectified} 个。"],
            ),
            Section("下一步工作", ["对尚未完成的审核抓紧推进，对发现的问题督促整改到位，结果运用于干部考核和机构编制管理。"]),
        ],
        issuer=issuer,
        dated=today,
        file_name=f"review-summary-{year}",
        masthead=(issuer,),
    )


@get("/reviews/{tenant_code:str}/summary.docx", guards=[permitted], opt={"access": read(Reach.SUBTREE)})
async def review_summary(request: Request, tenant_code: str) -> Response[bytes]:
    context = context_for(request)
    engine = context.runtime.engine
    try:
        year = check_year(int(request.query_params.get("year", "")), context.clock.today())
    except ValueError:
        raise DomainError("INVALID_YEAR", "请以 year 参数给出年度，如 ?year=2026", field="year") from None
    plan = await ReviewService(engine).plan(tenant_code, year, required_only=False)
    async with tenant_reader(engine, tenant_code).connect() as connection:
        reviews = (await connection.execute(select(LeaderReview).where(LeaderReview.year == year))).all()
        problems = await problem_rows(connection, [r.id for r in reviews])
    async with reading(engine).connect() as connection:
        office = (await connection.execute(select(Tenant.name).where(Tenant.code == tenant_code))).scalar_one()
        organ = await office_full_name(connection, tenant_code)
    return await docx_response(summary_document(office, organ, year, plan, reviews, problems, context.clock.today()))
