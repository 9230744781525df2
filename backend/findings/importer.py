"""Importing findings from the Excel template: checked whole before anything is written,
then all in one transaction, and idempotent on the finding code (rows whose code already
exists are skipped, so an interrupted or repeated import can simply be run again)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.audit.service import record_audit
from backend.evidence.models import EvidenceFile
from backend.evidence.store import EvidenceStore, missing
from backend.findings.excel import (
    IMPORT_COLUMNS,
    MAX_IMPORT_ROWS,
    Column,
    RowError,
    SheetRow,
    cell_date,
    cell_flag,
    cell_text,
    read_import_sheet,
)
from backend.findings.models import Finding
from backend.findings.service import FindingData, check_finding, insert_finding
from backend.rounds.models import RoundUnit
from backend.units.models import InspectedUnit
from problem_bank.taxonomy import Taxonomy
from tenants.errors import DomainError
from tenants.scoping import tenant_engine

PROGRESS_STEP = 100  # rows written between two progress reports
Progress = Callable[[int], Awaitable[None]]


@dataclass
class ImportReport:
    dry_run: bool
    created: list[str] = field(default_factory=list)  # finding codes
    skipped: list[str] = field(default_factory=list)  # codes already in the ledger
    errors: list[RowError] = field(default_factory=list)


def _code(data: FindingData) -> str:
    """An imported finding's code: `_check_row` requires one."""
    assert data.code is not None
    return data.code


def _check_row(row: SheetRow, unit_ids: dict[str, int], today: date, taxonomy: Taxonomy, tenant_code: str) -> FindingData:
    v = row.values
    code = cell_text(v["code"])
    if code is None:
        raise DomainError("INVALID_FINDING_CODE", "导入时问题编号必填（再次导入靠它识别已导入的行）", field="code")
    round_id = cell_text(v["roundId"])
    if round_id is not None and not round_id.isdigit():
        raise DomainError("NOT_FOUND", "轮次ID须为数字", field="roundId")
    unit_code = (cell_text(v["unitCode"]) or "").upper()
    if unit_code not in unit_ids:
        raise DomainError("NOT_FOUND", f"没有代码为 {unit_code!r} 的被检查单位", field="unitCode")
    return check_finding(
        code=code,
        round_id=None if round_id is None else int(round_id),
        daily_source=cell_text(v["dailySource"]),
        source_reference=cell_text(v["sourceReference"]),
        unit_id=unit_ids[unit_code],
        taxonomy_code=cell_text(v["taxonomyCode"]) or "",
        description=cell_text(v["description"]) or "",
        severity=cell_text(v["severity"]) or "",
        evidence_sources=[s.strip() for s in (cell_text(v["evidenceSources"]) or "").split("、") if s.strip()],
        fixed_on_spot=cell_flag(v["fixedOnSpot"], "fixedOnSpot"),
        found_on=cell_date(v["foundOn"], "foundOn") or today,
        deadline=cell_date(v["deadline"], "deadline"),
        responsible_unit=cell_text(v["responsibleUnit"]),
        responsible_person=cell_text(v["responsiblePerson"]),
        measures=cell_text(v["measures"]),
        close_note=cell_text(v["closeNote"]),
        today=today,
        taxonomy=taxonomy,
        tenant_code=tenant_code,
    )


async def uploaded_rows(
    connection: AsyncConnection,
    store: EvidenceStore,
    uploader: str,
    sha256: str,
    columns: tuple[Column, ...] = IMPORT_COLUMNS,
    max_rows: int = MAX_IMPORT_ROWS,
) -> list[SheetRow]:
    """The rows of the .xlsx the caller uploaded (POST /evidence) as `sha256`, read against a
    template's columns: NOT_FOUND when the caller did not upload it, EMPTY_FILE without rows."""
    uploaded = await connection.execute(
        select(EvidenceFile.sha256).where(EvidenceFile.sha256 == sha256, EvidenceFile.uploaded_by == uploader)
    )
    if uploaded.first() is None:
        raise DomainError("NOT_FOUND", "找不到您上传的这个文件，请先上传 .xlsx", field="sha256")
    return await sheet_rows(await asyncio.to_thread(_stored_sheet, store, sha256), columns, max_rows)


def _stored_sheet(store: EvidenceStore, sha256: str) -> bytes:
    """An uploaded .xlsx whole (openpyxl reads it in memory; uploads are capped by XUNCHA_EVIDENCE_MAX_MB)."""
    try:
        with store.open(sha256) as content:
            return content.stream.read()
    except FileNotFoundError:
        raise missing(sha256) from None


async def sheet_rows(content: bytes, columns: tuple[Column, ...], max_rows: int) -> list[SheetRow]:
    """The rows of an .xlsx read against a template's columns (off the event loop); EMPTY_FILE without rows."""
    rows = await asyncio.to_thread(read_import_sheet, content, columns, max_rows)
    if not rows:
        raise DomainError("EMPTY_FILE", "表中没有数据行", field="file")
    return rows


class FindingImporter:
    def __init__(self, engine: AsyncEngine, store: EvidenceStore) -> None:
        self.engine = engine
        self.store = store

    async def run(
        self,
        actor: str,
        tenant_code: str,
        sha256: str,
        *,
        dry_run: bool,
        today: date,
        taxonomy: Taxonomy,
        request_id: str | None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import the .xlsx `actor` uploaded (POST /evidence) as `sha256`. With errors, or in a
        dry run, nothing is written and the report says what would happen. `progress` hears
        how many rows are written, every PROGRESS_STEP rows."""
        async with tenant_engine(self.engine, tenant_code).begin() as connection:
            rows = await uploaded_rows(connection, self.store, actor, sha256)
            report = ImportReport(dry_run)
            codes = {(cell_text(r.values["unitCode"]) or "").upper() for r in rows}
            unit_ids = dict(
                (
                    await connection.execute(
                        select(InspectedUnit.credit_code, InspectedUnit.id).where(InspectedUnit.credit_code.in_(codes))
                    )
                ).all()
            )
            checked: list[tuple[int, FindingData]] = []
            for row in rows:
                try:
                    checked.append((row.line, _check_row(row, unit_ids, today, taxonomy, tenant_code)))
                except DomainError as error:
                    report.errors.append(RowError(row.line, error.field, error.code, error.message))
            checked = await self._drop_known(connection, checked, report)
            if report.errors or dry_run:
                report.created = [_code(data) for _, data in checked] if not report.errors else []
                return report
            for done, (_, data) in enumerate(checked, start=1):
                await insert_finding(connection, tenant_code, data, actor, request_id)
                if progress and done % PROGRESS_STEP == 0:
                    await progress(done)
            report.created = [_code(data) for _, data in checked]
            await record_audit(
                connection,
                tenant_code,
                actor=actor,
                action="findings.imported",
                entity="evidence_file",
                entity_id=sha256,
                after={"created": len(report.created), "skipped": len(report.skipped)},
                request_id=request_id,
            )
        return report

    @staticmethod
    async def _drop_known(connection, checked: list[tuple[int, FindingData]], report: ImportReport) -> list[tuple[int, FindingData]]:
        """Rows whose code is already in the ledger are skipped; codes repeated in the file and
        units their round does not cover are errors (a daily-supervision row has no round)."""
        codes = [data.code for _, data in checked]
        existing = set((await connection.execute(select(Finding.code).where(Finding.code.in_(codes)))).scalars())
        pairs = {(data.round_id, data.unit_id) for _, data in checked if data.round_id is not None}
        covered = (
            set(
                (
                    await connection.execute(
                        select(RoundUnit.round_id, RoundUnit.unit_id).where(tuple_(RoundUnit.round_id, RoundUnit.unit_id).in_(pairs))
                    )
                ).all()
            )
            if pairs
            else set()
        )
        kept, seen = [], set()
        for line, data in checked:
            if data.code in seen:
                report.errors.append(RowError(line, "code", "DUPLICATE", f"问题编号 {data.code} 在表中重复出现"))
            elif data.code in existing:
                report.skipped.append(_code(data))
            elif data.round_id is not None and (data.round_id, data.unit_id) not in covered:
                report.errors.append(RowError(line, "roundId", "NOT_FOUND", "该轮次不存在或未覆盖该单位"))
            else:
                kept.append((line, data))
            seen.add(data.code)
        return kept
