"""Filling in, submitting and reviewing 整改情况报告, and reading them within the policy (a liaison
sees its unit's report; who may change one is declared on the operations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.evidence.attachments import require_uploaded
from backend.feedback.answers import Answers, AnswerView
from backend.reports.models import Progress, ReportItem, Verdict
from backend.reports.workflow import REPORTS, REVIEW, SUBMIT
from backend.supervision.answers import record_answer
from backend.supervision.models import AnswerDocument
from backend.text import clean_text
from backend.workflow import Transition
from tenants.access import Principal
from tenants.errors import DomainError

MAX_ITEMS = 500
MAX_REPORT_LENGTH = 50_000


@dataclass(frozen=True)
class Item:
    finding_id: int
    progress: str
    account: str
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Judgement:
    finding_id: int
    verdict: str
    note: str | None


def check_report(summary: str, leader_report: str, items: Sequence[Item]) -> tuple[str, str, list[Item]]:
    if not 1 <= len(items) <= MAX_ITEMS or len({i.finding_id for i in items}) != len(items):
        raise DomainError("INVALID_ITEMS", f"整改情况须为 1 到 {MAX_ITEMS} 条，每个问题一条", field="items")
    if any(item.progress not in set(Progress) for item in items):
        raise DomainError("INVALID_PROGRESS", f"整改进度须为：{Progress.labels()}", field="items.progress")
    texts = (clean_text(summary, "summary", required=True), clean_text(leader_report, "leaderReport", required=True))
    if any(len(text) > MAX_REPORT_LENGTH for text in texts):
        raise DomainError("INVALID_TEXT", f"报告正文不能超过 {MAX_REPORT_LENGTH} 个字符", field="summary")
    checked = [
        Item(item.finding_id, item.progress, clean_text(item.account, "items.account", required=True), list(item.evidence))
        for item in items
    ]
    return texts[0], texts[1], checked


def check_judgements(judgements: Sequence[Judgement]) -> list[Judgement]:
    if not judgements or len({j.finding_id for j in judgements}) != len(judgements):
        raise DomainError("INVALID_VERDICTS", "每个问题给出一个审核意见", field="verdicts")
    checked = []
    for judgement in judgements:
        if judgement.verdict not in set(Verdict):
            raise DomainError("INVALID_VERDICTS", f"审核意见须为：{Verdict.labels()}", field="verdicts.verdict")
        note = clean_text(judgement.note, "verdicts.note", required=judgement.verdict == Verdict.NOT_ACCEPTED)
        checked.append(Judgement(judgement.finding_id, judgement.verdict, note))
    return checked


_JUDGE = (
    update(ReportItem)
    .where(ReportItem.report_id == bindparam("report"), ReportItem.finding_id == bindparam("finding"))
    .values(verdict=bindparam("verdict"), verdict_note=bindparam("note"))
)


class ReportService(Answers):
    workflow = REPORTS
    lines = ReportItem

    lines_field = "items"

    async def save(
        self,
        principal: Principal,
        tenant_code: str,
        round_id: int,
        unit_id: int,
        version: int | None,
        report: tuple[str, str, list[Item]],
        request_id: str | None,
    ) -> AnswerView:
        """The unit's report for the round, written anew; a liaison attaches files it uploaded itself."""
        summary, leader_report, items = report

        async def evidence_uploaded(connection: AsyncConnection, given_on: date, units: frozenset[int] | None) -> None:
            uploader = principal.username if units is not None else None
            await require_uploaded(connection, [sha for item in items for sha in item.evidence], uploader, field="items.evidence")

        return await self.write(
            principal,
            tenant_code,
            round_id,
            unit_id,
            version,
            values={"summary": summary, "leader_report": leader_report},
            rows=[asdict(item) for item in items],
            request_id=request_id,
            check=evidence_uploaded,
        )

    async def move(
        self,
        principal: Principal,
        tenant_code: str,
        report_id: int,
        version: int,
        transition: Transition,
        note: str | None,
        request_id: str | None,
        *,
        now: datetime,
        judgements: Sequence[Judgement] = (),
    ) -> AnswerView:
        """Submit or return the report, or conclude its review with a verdict on every item."""
        async with self.locked(principal, tenant_code, report_id, version, transition, note, request_id) as move:
            values = {}
            if transition is SUBMIT:
                values["submitted_at"] = move.row.submitted_at or now
                report = move.row
                await record_answer(move.connection, tenant_code, report.round_id, report.unit_id, AnswerDocument.REPORT, answered=True)
            if transition is REVIEW:
                await _judge(move.connection, report_id, judgements)
            await move.apply(values, after={"verdicts": {j.finding_id: j.verdict for j in judgements}} if judgements else None)
            return await self.view(move.connection, report_id)


async def _judge(connection: AsyncConnection, report_id: int, judgements: Sequence[Judgement]) -> None:
    """A verdict on each item of the report: every item, and only its items (REVIEW_INCOMPLETE, NOT_FOUND)."""
    listed = set((await connection.execute(select(ReportItem.finding_id).where(ReportItem.report_id == report_id))).scalars())
    judged = {j.finding_id for j in judgements}
    if judged - listed:
        raise DomainError("NOT_FOUND", f"问题 {min(judged - listed)} 不在该报告中", field="verdicts.findingId")
    if listed - judged:
        raise DomainError("REVIEW_INCOMPLETE", f"尚有 {len(listed - judged)} 项整改情况未给出审核意见", field="verdicts")
    await connection.execute(
        _JUDGE, [{"report": report_id, "finding": j.finding_id, "verdict": j.verdict, "note": j.note} for j in judgements]
    )
