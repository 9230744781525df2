"""The deadline engine and 督办, run each working morning (and by `xuncha reminders run`).

Reminders are recomputed from the problem bank each run, never queued ahead: entries still
being rectified (挂号, 整改中) whose deadline falls within the next N working days get a
"deadline near" reminder, those past it an "overdue" one, each once per entry and deadline
(supervision.reminder). A closed entry is not selected; a moved deadline is a new key. The
reminders of one unit go out as one event, in the transaction that records them. A 整改方案 or
整改情况报告 past its due date and not handed in is reminded once (supervision.answer_due). So is a document between organs, or a clue, past its
办理时限 and not finished: its handling organ and its sender hear it once (backend/correspondence/
overdue.py). An office whose periodic report is late hears it once, with its parent
(backend/reporting/overdue.py).

Escalation: an office with at least `escalate_to_parent_at` overdue findings is escalated to
its parent, with `escalate_to_province_at` to its province (when that is not its parent);
each rung opens one record (and notifies once) while the office stays above its threshold,
and closes itself with a note once below 80% of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.annual_reports.overdue import remind_late_annual_reports
from backend.correspondence.overdue import remind_late_clues, remind_late_documents
from backend.notifications.outbox import emit_many
from backend.reporting.overdue import remind_late_reports
from backend.runtime import Runtime
from backend.supervision.calendar import load_calendar
from backend.supervision.models import AnswerDue
from problem_bank.rectification import LedgerState

LISTED_CODES = 20  # finding codes quoted in one notification
STILL_RECTIFYING = (LedgerState.REGISTERED.value, LedgerState.IN_PROGRESS.value)
# An escalation closes once the backlog is below this share of its threshold, so an office
# hovering at the threshold is not escalated and released every other day.
RELEASE_BELOW = 0.8

DUE = """
    WITH due AS (
        SELECT tenant_code, finding_id, unit_id, finding_code, deadline,
               CASE WHEN deadline < :today THEN 'overdue' ELSE 'near' END AS kind
        FROM problem_bank.problem
        WHERE state = ANY(:states) AND deadline <= :horizon
    ), recorded AS (
        INSERT INTO supervision.reminder (tenant_code, finding_id, kind, deadline)
        SELECT tenant_code, finding_id, kind, deadline FROM due
        ON CONFLICT DO NOTHING
        RETURNING tenant_code, finding_id, kind
    )
    SELECT r.tenant_code, r.kind, d.unit_id, count(*) AS findings,
           (array_agg(d.finding_code ORDER BY d.deadline, d.finding_code))[1:{listed}] AS finding_codes
    FROM recorded r JOIN due d USING (tenant_code, finding_id)
    GROUP BY r.tenant_code, r.kind, d.unit_id
    ORDER BY r.tenant_code, r.kind, d.unit_id"""


@dataclass(frozen=True)
class RunSummary:
    working_day: bool
    reminded_units: int = 0
    reminders: int = 0
    escalations_opened: int = 0
    escalations_closed: int = 0
    late_answers: int = 0  # 整改方案 and 整改情况报告 past due, reminded once each
    late_documents: int = 0  # documents between organs and clues past their 办理时限, reminded once each
    late_reports: int = 0  # periodic reports, and annual reports of units and offices, late and reminded once each


async def run_supervision(runtime: Runtime, today: date) -> RunSummary:
    """Reminders, then escalations, for `today` (nothing on a day off)."""
    settings = runtime.settings
    async with runtime.engine.begin() as connection:
        calendar = await load_calendar(connection, today, today + timedelta(days=60))
        if not calendar.is_workday(today):
            return RunSummary(working_day=False)
        horizon = calendar.workdays_after(today, settings.reminder_workdays)
        reminded = (
            await connection.execute(
                text(DUE.format(listed=LISTED_CODES)), {"today": today, "horizon": horizon, "states": list(STILL_RECTIFYING)}
            )
        ).all()
        await emit_many(
            connection,
            [
                (
                    group.tenant_code,
                    "ledger.overdue" if group.kind == "overdue" else "ledger.deadline_near",
                    {"unit_id": group.unit_id, "count": group.findings, "finding_codes": list(group.finding_codes)},
                )
                for group in reminded
            ],
        )
        late = await _remind_late_answers(connection, today)
        late_documents = await remind_late_documents(connection, today) + await remind_late_clues(connection, today)
        late_reports = await remind_late_reports(connection, today) + await remind_late_annual_reports(connection, today)
        opened, closed = await _escalate(connection, today, settings.escalate_to_parent_at, settings.escalate_to_province_at)
    return RunSummary(True, len(reminded), sum(group.findings for group in reminded), opened, closed, late, late_documents, late_reports)


async def _remind_late_answers(connection: AsyncConnection, today: date) -> int:
    """Each document a unit owes after its 统一反馈 and has not handed in by its day: one reminder
    to the unit and the office, once."""
    late = (
        await connection.execute(
            update(AnswerDue)
            .where(AnswerDue.answered_at.is_(None), AnswerDue.reminded_at.is_(None), AnswerDue.due_on < today)
            .values(reminded_at=func.now())
            .returning(AnswerDue.tenant_code, AnswerDue.unit_id, AnswerDue.document, AnswerDue.due_on)
        )
    ).all()
    await emit_many(
        connection,
        [
            (row.tenant_code, "answer.overdue", {"unit_id": row.unit_id, "document": row.document, "due_on": row.due_on.isoformat()})
            for row in late
        ],
    )
    return len(late)


async def _escalate(connection: AsyncConnection, today: date, parent_at: int, province_at: int) -> tuple[int, int]:
    overdue = f"""
        SELECT p.tenant_code, count(*) AS overdue,
               (array_agg(p.finding_code ORDER BY p.deadline, p.finding_code))[1:{LISTED_CODES}] AS finding_codes
        FROM problem_bank.problem p
        WHERE p.state <> :closed AND p.deadline < :today
        GROUP BY p.tenant_code"""
    opened = (
        await connection.execute(
            text(f"""
        WITH overdue AS ({overdue}),
        rung AS (
            SELECT o.*, t.name, 1 AS rung, t.parent_code AS escalated_to FROM overdue o JOIN tenancy.tenant t ON t.code = o.tenant_code
            WHERE o.overdue >= :parent_at AND t.parent_code IS NOT NULL
            UNION ALL
            SELECT o.*, t.name, 2, t.province_code FROM overdue o JOIN tenancy.tenant t ON t.code = o.tenant_code
            WHERE o.overdue >= :province_at AND t.parent_code <> t.province_code  -- a province's own children have rung 1
        ), opened AS (
            INSERT INTO supervision.escalation (tenant_code, rung, escalated_to, overdue_at_opening)
            SELECT tenant_code, rung, escalated_to, overdue FROM rung
            ON CONFLICT (tenant_code, rung) WHERE closed_at IS NULL DO NOTHING
            RETURNING id, tenant_code, rung
        )
        SELECT e.id, e.rung, r.tenant_code, r.name, r.escalated_to, r.overdue, r.finding_codes
        FROM opened e JOIN rung r ON r.tenant_code = e.tenant_code AND r.rung = e.rung
        ORDER BY e.id"""),
            {"today": today, "closed": LedgerState.CLOSED.value, "parent_at": parent_at, "province_at": province_at},
        )
    ).all()
    await emit_many(
        connection,
        [
            (
                row.escalated_to,
                "supervision.escalated",
                {
                    "escalation_id": row.id,
                    "rung": row.rung,
                    "office_code": row.tenant_code,
                    "office_name": row.name,
                    "overdue": row.overdue,
                    "count": row.overdue,
                    "finding_codes": list(row.finding_codes),
                },
            )
            for row in opened
        ],
    )
    closed = await connection.execute(
        text(f"""
        WITH overdue AS ({overdue}),
        threshold AS (SELECT 1 AS rung, CAST(:parent_at AS integer) AS at UNION ALL SELECT 2, CAST(:province_at AS integer))
        UPDATE supervision.escalation e
        SET closed_at = now(),
            close_note = format('逾期问题已降至 %s 个（督办阈值 %s 个），自动关闭', coalesce(o.overdue, 0), h.at)
        FROM supervision.escalation s
        JOIN threshold h ON h.rung = s.rung
        LEFT JOIN overdue o ON o.tenant_code = s.tenant_code
        WHERE e.id = s.id AND e.closed_at IS NULL AND coalesce(o.overdue, 0) < h.at * {RELEASE_BELOW}"""),
        {"today": today, "closed": LedgerState.CLOSED.value, "parent_at": parent_at, "province_at": province_at},
    )
    return len(opened), closed.rowcount
