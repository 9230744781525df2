"""Excel imports of findings as jobs (the importer itself: backend/findings/importer.py).

A dry run, or an import of at most INLINE_ROWS rows, runs at once: reading and checking even
the 5,000-row cap takes well under a second. A larger import is queued for the worker, off
the request path: at the cap, writing takes 10–20 s (every finding gets its ledger entry, its
problem-bank row, its audit entry and its notice). The office's writers read the job's state,
progress and report (`findingImport`). A failed job says why; an import is all or nothing and
idempotent on finding codes, so it can simply be started again."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.evidence.location import evidence_store
from backend.findings.importer import FindingImporter, ImportReport, uploaded_rows
from backend.findings.models import ImportJob, ImportState
from backend.runtime import Runtime
from backend.settings import Settings
from tenants.access import Principal
from tenants.errors import DomainError
from tenants.scoping import tenant_engine

log = logging.getLogger(__name__)

INLINE_ROWS = 100
IMPORT_TIMEOUT_SECONDS = 180  # the worker's limit for one import (the cap takes 10–20 s)


def imports_queue(settings: Settings) -> str:
    """The queue of imports, beside the deployment's main one (backend/worker.py: create_import_worker)."""
    return f"{settings.queue_name}:imports"


FAILED_UNEXPECTEDLY = "导入失败（服务器内部错误），没有写入任何问题；请稍后重新导入"


class FindingImports:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.store = evidence_store(runtime.settings)

    async def start(self, principal: Principal, tenant_code: str, sha256: str, *, dry_run: bool, request_id: str | None) -> int:
        """A job for the file the caller uploaded: run now if it is quick, else queued. Refused
        at once (changing nothing) when the file is not the caller's, empty or over the cap."""
        async with tenant_engine(self.runtime.engine, tenant_code).begin() as connection:
            rows = await uploaded_rows(connection, self.store, principal.username, sha256)
            job_id = (
                await connection.execute(
                    insert(ImportJob)
                    .values(sha256=sha256, dry_run=dry_run, state=ImportState.QUEUED, total=len(rows), created_by=principal.username)
                    .returning(ImportJob.id)
                )
            ).scalar_one()
        if dry_run or len(rows) <= INLINE_ROWS:
            await self.run(tenant_code, job_id, request_id)
            return job_id
        try:
            await self.runtime.redis.enqueue_job(
                import_findings_job.__name__, tenant_code, job_id, request_id, _queue_name=imports_queue(self.runtime.settings)
            )
        except (RedisError, OSError):
            log.warning("could not queue a findings import", exc_info=True)
            await self._finish(tenant_code, job_id, ImportState.FAILED, failure="后台队列暂不可用，没有写入任何问题；请稍后重新导入")
        return job_id

    async def run(self, tenant_code: str, job_id: int, request_id: str | None) -> None:
        """Run a queued job (once: a job no longer queued is left as it is)."""
        async with tenant_engine(self.runtime.engine, tenant_code).begin() as connection:
            job = (
                await connection.execute(
                    update(ImportJob)
                    .where(ImportJob.id == job_id, ImportJob.state == ImportState.QUEUED)
                    .values(state=ImportState.RUNNING)
                    .returning(ImportJob)
                )
            ).one_or_none()
        if job is None:
            return
        importer = FindingImporter(self.runtime.engine, self.store)
        try:
            report = await importer.run(
                job.created_by,
                tenant_code,
                job.sha256,
                dry_run=job.dry_run,
                today=self.runtime.clock.today(),
                taxonomy=await self.runtime.taxonomy(),
                request_id=request_id,
                progress=lambda done: self._progress(tenant_code, job_id, done),
            )
        except DomainError as refused:
            await self._finish(tenant_code, job_id, ImportState.FAILED, failure=refused.message)
        except Exception:
            log.exception("findings import %s of %s failed", job_id, tenant_code)
            await self._finish(tenant_code, job_id, ImportState.FAILED, failure=FAILED_UNEXPECTEDLY)
        else:
            written = 0 if report.dry_run or report.errors else len(report.created)
            await self._finish(tenant_code, job_id, ImportState.DONE, report=report, processed=written)

    async def _progress(self, tenant_code: str, job_id: int, done: int) -> None:
        """How far the import's own transaction has got, told in a transaction of its own."""
        async with tenant_engine(self.runtime.engine, tenant_code).begin() as connection:
            await connection.execute(update(ImportJob).where(ImportJob.id == job_id).values(processed=done))

    async def _finish(
        self,
        tenant_code: str,
        job_id: int,
        state: ImportState,
        *,
        report: ImportReport | None = None,
        processed: int = 0,
        failure: str | None = None,
    ) -> None:
        async with tenant_engine(self.runtime.engine, tenant_code).begin() as connection:
            await connection.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(
                    state=state,
                    report=asdict(report) if report else None,
                    processed=processed,
                    failure=failure,
                    finished_at=func.now(),
                )
            )


async def import_job(connection: AsyncConnection, job_id: int) -> Any:
    """A job of the connection's tenant (NOT_FOUND when there is none)."""
    job = (await connection.execute(select(ImportJob).where(ImportJob.id == job_id))).one_or_none()
    if job is None:
        raise DomainError("NOT_FOUND", "没有这个导入任务", field="id")
    return job


async def import_findings_job(ctx: dict[str, Any], tenant_code: str, job_id: int, request_id: str | None) -> None:
    """The worker's side of a queued import."""
    await FindingImports(ctx["runtime"]).run(tenant_code, job_id, request_id)
