"""The 实名制 import as a plain upload, never stored:

    POST /imports/{tenant}/staff?dryRun=true   body: the .xlsx (template: GET /templates/staff.xlsx)
        → {dryRun, created, updated, unchanged, errors: [{line, field, code, message}]}

The file holds every person's full 身份证号, so it is read in memory, checked and imported, and
dropped: it never enters the evidence store, backups or any download (issue 19)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from litestar import Request, post
from litestar.params import QueryParameter

from backend.context import context_for
from backend.permissions import permitted, write
from backend.staff.service import StaffImporter
from backend.units.service import UNIT_WRITERS
from backend.uploads import read_capped


@post(
    "/imports/{tenant_code:str}/staff",
    request_max_body_size=None,
    status_code=200,
    guards=[permitted],
    opt={"access": write(UNIT_WRITERS)},
)
async def import_staff(
    request: Request, tenant_code: str, dry_run: Annotated[bool, QueryParameter(name="dryRun")] = True
) -> dict[str, object]:
    """Import (by default only check: `?dryRun=false` to write) the office's 实名制 export."""
    context = context_for(request)
    runtime = context.runtime
    content = await read_capped(request, runtime.settings.evidence_max_bytes)
    report = await StaffImporter(runtime.engine, runtime.settings.secret_key).run(
        await context.principal(), tenant_code, content, dry_run=dry_run, today=context.clock.today(), request_id=context.request_id
    )
    return {
        "dryRun": report.dry_run,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": [asdict(error) for error in report.errors],
    }
