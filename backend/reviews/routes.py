"""The printable report of a leader review (GET /reviews/{tenant}/{id}/report): an A4 page
with the leader, the stages as held and the problems found with their rectification state,
for the browser's print dialog. Readable by whoever may read the review."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response

from backend.context import context_for
from backend.documents.html import render_page
from backend.documents.official import chinese_date
from backend.findings.models import Severity
from backend.ids import parse_id
from backend.permissions import Reach, permitted, read
from backend.reviews.models import LeaderLevel, LeavingReason, ReviewKind, ReviewStageName, ReviewState
from backend.reviews.service import ReviewService
from problem_bank.rectification import LedgerState


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines()


@get("/reviews/{tenant_code:str}/{review_id:str}/report", guards=[permitted], opt={"access": read(Reach.SUBTREE)})
async def review_report(request: Request, tenant_code: str, review_id: str) -> Response[str]:
    context = context_for(request)
    report = await ReviewService(context.runtime.engine).report(tenant_code, parse_id(review_id, "id"))
    row = report.review
    held = {stage.position: stage for stage in report.stages}
    printed = context.clock.today()
    kind = ReviewKind(row.kind).label
    page = render_page(
        "review_report.html",
        title=f"{row.office_name}领导干部{kind}报告",
        review=row,
        level=LeaderLevel(row.level).label,
        left=f"{row.left_on.isoformat()}（{LeavingReason(row.leaving_reason).label}）" if row.left_on else "在任",
        kind=kind,
        state=ReviewState(row.state).label,
        stages=[
            (n, stage.label, held[n].held_on.isoformat() if n in held else "未开展", _lines(held[n].notes) if n in held else [])
            for n, stage in enumerate(ReviewStageName, start=1)
        ],
        problems=[
            (p.code, _lines(p.description), Severity(p.severity).label, p.deadline.isoformat(), LedgerState(p.state).label)
            for p in report.problems
        ],
        conclusion=_lines(row.conclusion),
        printed_on=chinese_date(printed),
    )
    return Response(page, media_type="text/html; charset=utf-8")
