"""HTTP endpoints for evidence files (GraphQL carries their hashes, not their bytes):

    POST /evidence/{tenant}?name=整改报告.pdf   body: the file   → {sha256, size, contentType}
    GET  /evidence/{tenant}/{sha256}                              → the file, to those who may read it

Both take the same bearer token as /graphql; refusals carry the same codes."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, get, post
from litestar.response import Stream

from backend.audit.reads import SensitiveEntity
from backend.context import context_for
from backend.evidence.location import evidence_store
from backend.evidence.service import UPLOADERS, EvidenceService
from backend.evidence.store import EvidenceStore, is_sha256
from backend.permissions import permitted, read, write
from backend.runtime import Runtime
from tenants.access import not_found
from tenants.errors import DomainError


def evidence_service(runtime: Runtime) -> EvidenceService:
    settings = runtime.settings
    return EvidenceService(runtime.engine, evidence_store(settings), settings.evidence_max_bytes)


def refuse_declared_oversize(request: Request, max_bytes: int) -> None:
    """Refuse an upload whose declared length is over the limit before reading any of it (the
    limit is enforced again while the body streams in)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise DomainError("FILE_TOO_LARGE", f"文件不能超过 {max_bytes // (1024 * 1024)} MB", field="file")


@post("/evidence/{tenant_code:str}", request_max_body_size=None, status_code=201, guards=[permitted], opt={"access": write(UPLOADERS)})
async def upload_evidence(request: Request, tenant_code: str, name: str) -> dict[str, object]:
    """The body is the file itself; the limit is enforced while it streams in."""
    context = context_for(request)
    principal = await context.principal()
    service = evidence_service(context.runtime)
    refuse_declared_oversize(request, service.max_bytes)
    stored = await service.upload(principal, tenant_code, name, request.stream(), context.request_id)
    return {"sha256": stored.sha256, "size": stored.size, "contentType": stored.content_type}


@get("/evidence/{tenant_code:str}/{sha256:str}", guards=[permitted], opt={"access": read()})
async def download_evidence(request: Request, tenant_code: str, sha256: str) -> Stream:
    """The content streams through from the store (local or S3), a chunk at a time."""
    context = context_for(request)
    principal = await context.principal()
    if not is_sha256(sha256):
        raise not_found()
    service = evidence_service(context.runtime)
    content_type, file_name = await service.readable(principal, tenant_code, sha256)
    await context.record_read(tenant_code, SensitiveEntity.EVIDENCE, sha256)
    return await streamed(service.store, sha256, content_type, file_name or sha256)


async def streamed(store: EvidenceStore, sha256: str, content_type: str, file_name: str) -> Stream:
    """Stored content as a download, a chunk at a time, never sniffed by the browser."""
    size, chunks = await store.download(sha256)
    return Stream(
        chunks,
        media_type=content_type,
        headers={
            "Content-Length": str(size),
            "Content-Disposition": attachment(file_name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


def attachment(file_name: str) -> str:
    """RFC 6266: a plain name as it is, any other percent-encoded as filename*=utf-8''…"""
    quoted = quote(file_name)
    return f'attachment; filename="{file_name}"' if quoted == file_name else f"attachment; filename*=utf-8''{quoted}"
