"""The printable report of a leader review (GET /reviews/{tenant}/{id}/report): an A4 page
with the leader, the stages as held and the problems found with their rectification state,
for the browser's print dialog. Readable by whoever may read the review."""

from __future__ import annotations

from html import escape

from litestar import Request, get
from litestar.response import Response

from backend.context import context_for
from backend.findings.models import Severity
from backend.ids import parse_id
from backend.permissions import Reach, permitted, read
from backend.reviews.models import LeaderLevel, LeavingReason, ReviewKind, ReviewStageName, ReviewState
from backend.reviews.service import ReviewService
from problem_bank.rectification import LedgerState

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
  @page {{ size: A4; margin: 25mm 20mm; }}
  body {{ font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", serif; font-size: 12pt; line-height: 1.6; }}
  h1 {{ font-family: "SimSun", "宋体", "Noto Serif CJK SC", serif; font-size: 18pt; text-align: center; margin: 0 0 6mm; }}
  h2 {{ font-size: 14pt; margin: 6mm 0 2mm; }}
  table {{ width: 100%; border-collapse: collapse; }}
  th, td {{ border: 1px solid #000; padding: 1mm 2mm; vertical-align: top; text-align: left; }}
  th {{ white-space: nowrap; }}
  .signature {{ text-align: right; margin-top: 10mm; }}
</style></head>
<body>
  <h1>{title}</h1>
  <table>
    <tr><th>姓名</th><td>{name}</td><th>职务</th><td>{post}</td></tr>
    <tr><th>单位</th><td>{unit}</td><th>职务层级</th><td>{level}</td></tr>
    <tr><th>任现职时间</th><td>{appointed_on}</td><th>离任</th><td>{left}</td></tr>
    <tr><th>审核类型</th><td>{kind}（{year} 年度）</td><th>所属轮次</th><td>{round}</td></tr>
    <tr><th>状态</th><td colspan="3">{state}</td></tr>
  </table>
  <h2>一、审核阶段</h2>
  <table><tr><th>序号</th><th>阶段</th><th>日期</th><th>情况</th></tr>{stages}</table>
  <h2>二、发现的问题（{problem_count} 个）</h2>
  <table><tr><th>问题编号</th><th>问题描述</th><th>严重程度</th><th>整改期限</th><th>台账状态</th></tr>{problems}</table>
  <h2>三、审核结论</h2>
  <div>{conclusion}</div>
  <div class="signature">{office}<br>{printed_on}</div>
</body></html>"""


def _lines(text: str | None) -> str:
    return "<br>".join(escape(line) for line in (text or "").splitlines())


@get("/reviews/{tenant_code:str}/{review_id:str}/report", guards=[permitted], opt={"access": read(Reach.SUBTREE)})
async def review_report(request: Request, tenant_code: str, review_id: str) -> Response[str]:
    context = context_for(request)
    report = await ReviewService(context.runtime.engine).report(tenant_code, parse_id(review_id, "id"))
    row = report.review
    held = {stage.position: stage for stage in report.stages}
    stages = "".join(
        f"<tr><td>{n}</td><td>{stage.label}</td><td>{held[n].held_on.isoformat() if n in held else '未开展'}</td>"
        f"<td>{_lines(held[n].notes) if n in held else ''}</td></tr>"
        for n, stage in enumerate(ReviewStageName, start=1)
    )
    problems = (
        "".join(
            f"<tr><td>{escape(p.code)}</td><td>{_lines(p.description)}</td><td>{Severity(p.severity).label}</td>"
            f"<td>{p.deadline.isoformat()}</td><td>{LedgerState(p.state).label}</td></tr>"
            for p in report.problems
        )
        or '<tr><td colspan="5">未发现问题</td></tr>'
    )
    printed = context.clock.today()
    kind = ReviewKind(row.kind).label
    page = PAGE.format(
        title=escape(f"{row.office_name}领导干部{kind}报告"),
        name=escape(row.leader_name),
        post=escape(row.post),
        unit=escape(row.unit_name),
        level=LeaderLevel(row.level).label,
        appointed_on=row.appointed_on.isoformat(),
        left=f"{row.left_on.isoformat()}（{LeavingReason(row.leaving_reason).label}）" if row.left_on else "在任",
        kind=kind,
        year=row.year,
        round=escape(row.round_name),
        state=ReviewState(row.state).label,
        stages=stages,
        problem_count=len(report.problems),
        problems=problems,
        conclusion=_lines(row.conclusion) or "（审核尚未结束）",
        office=escape(row.office_name),
        printed_on=f"{printed.year}年{printed.month}月{printed.day}日",
    )
    return Response(page, media_type="text/html; charset=utf-8")
