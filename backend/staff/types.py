"""GraphQL for staff records (实名制人员): importing the office's 实名制 export."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.context import Context
from backend.evidence.store import EvidenceStore
from backend.findings.types import ImportRowError
from backend.permissions import mutation, write
from backend.staff.service import StaffImporter
from backend.units.service import UNIT_WRITERS


@strawberry.type(description="实名制人员导入结果；有错误时什么也没有写入，试导入（dryRun）也不写入")
class StaffImportReport:
    dry_run: bool
    created: int = strawberry.field(description="新增（或试导入时将新增）的人员数")
    updated: int = strawberry.field(description="信息有变化而更新的人员数")
    unchanged: int = strawberry.field(description="与已有记录相同、未改动的人员数")
    errors: list[ImportRowError]


@strawberry.type
class StaffMutation:
    @mutation(
        "从实名制导出表导入人员（模板见 GET /templates/staff.xlsx）：先 POST /evidence/{租户代码}?name=xx.xlsx "
        "上传，再以返回的 sha256 调用；默认试导入。按身份证号识别人员，重复导入同一文件不改变任何数据",
        write(UNIT_WRITERS),
    )
    async def import_staff_records(
        self, info: Info[Context, None], tenant_code: str, sha256: str, dry_run: bool = True
    ) -> StaffImportReport:
        principal = await info.context.principal()
        runtime = info.context.runtime
        importer = StaffImporter(runtime.engine, EvidenceStore(runtime.settings.evidence_dir), runtime.settings.secret_key)
        report = await importer.run(
            principal,
            tenant_code,
            sha256.strip().lower(),
            dry_run=dry_run,
            today=info.context.clock.today(),
            request_id=info.context.request_id,
        )
        return StaffImportReport(
            dry_run=report.dry_run,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            errors=[ImportRowError(line=e.line, field=e.field, code=e.code, message=e.message) for e in report.errors],
        )
