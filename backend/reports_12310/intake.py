"""The public side of 12310: anyone sends a report to a region's office and later reads its state
and answer with the query code it was given — nothing else. Both are counted per source address
(a report also per office) so that one address flooding is refused while others still get in.

Text is kept exactly as sent (spaces and line breaks included) and only bounded: no field is
ever rendered as HTML, so nothing needs changing. A code that is not an office taking reports is
NOT_FOUND, like a refusal: which regions take 12310 reports online is public, nothing more is told.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, insert, select

from backend.audit.service import record_audit
from backend.context import Context
from backend.reports_12310.codes import QueryCode, unknown_code
from backend.reports_12310.models import Report12310, ReportState
from backend.reports_12310.service import workdays_after
from backend.runtime import Runtime
from tenants.code_history import current_code
from tenants.errors import DomainError
from tenants.naming import check_code
from tenants.organs import office_of
from tenants.registry import load_place
from tenants.scoping import reading, tenant_engine, tenant_reader

# field (as the API names it) → the most characters it takes
LIMITS = {"reportedUnit": 100, "content": 5000, "reporterName": 50, "reporterContact": 100}
MAX_HOPS = 16  # transfers followed from the region a code names to the office holding the report
ANONYMOUS = "12310"  # the audit trail's actor for what a reporter does


@dataclass(frozen=True)
class ReportInput:
    reported_unit: str
    content: str
    reporter_name: str | None = None
    reporter_contact: str | None = None

    @classmethod
    def of(cls, fields: Mapping[str, object]) -> ReportInput:
        """The report from its fields as sent (JSON, a form or GraphQL), each checked."""
        return cls(
            reported_unit=_as_sent(fields.get("reportedUnit"), "reportedUnit", required=True),
            content=_as_sent(fields.get("content"), "content", required=True),
            reporter_name=_as_sent(fields.get("reporterName"), "reporterName", required=False) or None,
            reporter_contact=_as_sent(fields.get("reporterContact"), "reporterContact", required=False) or None,
        )


def _as_sent(value: object, field: str, *, required: bool) -> str:
    """The text unchanged, once it is within its limit and holds no control characters other than
    line breaks and tabs ("" for an optional field left out)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError("INVALID_TEXT", "此项不能为空", field=field)
        return ""
    if not isinstance(value, str):
        raise DomainError("INVALID_TEXT", "须为文本", field=field)
    if len(value) > LIMITS[field]:
        raise DomainError("INVALID_TEXT", f"不能超过 {LIMITS[field]} 个字符", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise DomainError("INVALID_TEXT", "含有控制字符", field=field)
    return value


async def receive(context: Context, tenant_code: str, fields: Mapping[str, object]) -> QueryCode:
    """Store a report for the region's 编办: its query code, shown once and kept only as a digest.
    Counted before anything is checked, so that refused requests count too."""
    code = check_code(tenant_code, field="tenantCode")
    await context.limit_source("report", context.runtime.settings.edge.reports_per_minute, scope=code)
    return await store(context.runtime, code, ReportInput.of(fields), context.clock.today(), context.request_id)


async def store(runtime: Runtime, code: str, report: ReportInput, today: date, request_id: str | None) -> QueryCode:
    """A checked report, stored at 待受理 with the region's 编办 (the demo's reports come this way too)."""
    async with reading(runtime.engine).connect() as connection:
        if await load_place(connection, code) is None:
            raise DomainError("NOT_FOUND", "未找到该地区的机构编制部门，请核对地区代码", field="tenantCode")
    query_code = QueryCode.new(code)
    async with tenant_engine(runtime.engine, code).begin() as connection:
        due = await workdays_after(connection, today, runtime.settings.report_triage_workdays)
        report_id = (
            await connection.execute(
                insert(Report12310)
                .values(
                    query_digest=query_code.digest(runtime.settings.secret_key),
                    reported_unit=report.reported_unit,
                    content=report.content,
                    reporter_name=report.reporter_name,
                    reporter_contact=report.reporter_contact,
                    handling_organ_id=await office_of(connection, code),
                    due_on=due,
                )
                .returning(Report12310.id)
            )
        ).scalar_one()
        await record_audit(  # nothing of the reporter's: the trail is read by the office's auditors
            connection,
            code,
            actor=ANONYMOUS,
            action="report_12310.received",
            entity="report_12310",
            entity_id=str(report_id),
            after={"state": ReportState.RECEIVED.value},
            request_id=request_id,
        )
    return query_code


async def status(context: Context, text: str) -> Row:
    """The state and the public answer of the report a code names, wherever it was transferred."""
    await context.limit_source("report-status", context.runtime.settings.edge.report_queries_per_minute)
    runtime = context.runtime
    code = QueryCode.parse(text)
    digest, region = code.digest(runtime.settings.secret_key), code.region
    query = (
        select(Report12310.state, Report12310.public_answer, Report12310.transferred_to)
        .where(Report12310.query_digest == digest)
        .order_by(Report12310.id.desc())
        .limit(1)
    )
    for _ in range(MAX_HOPS):
        async with reading(runtime.engine).connect() as connection:
            if await load_place(connection, region) is None:
                change = await current_code(connection, region)  # the region was recoded since
                if change is None:
                    raise unknown_code()
                region = change.new_code
        async with tenant_reader(runtime.engine, region).connect() as connection:
            row = (await connection.execute(query)).one_or_none()
        if row is None:
            raise unknown_code()
        if row.transferred_to is None:
            return row
        region = row.transferred_to
    raise unknown_code()
