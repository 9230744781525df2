"""Which uploaded files an act may attach: files uploaded in the office, and, for a caller who
sees only its own unit (a liaison), files it uploaded itself, so nobody attaches, and so reads,
a file another unit uploaded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.evidence.models import EvidenceFile
from tenants.errors import DomainError

MAX_ATTACHMENTS = 20


async def require_uploaded(connection: AsyncConnection, sha256s: Sequence[str], uploader: str | None, *, field: str = "evidence") -> None:
    """NOT_FOUND unless each file is uploaded in the connection's office (by `uploader`, unless None);
    INVALID_ATTACHMENTS for too many or repeated files."""
    if len(sha256s) > MAX_ATTACHMENTS or len(set(sha256s)) != len(sha256s):
        raise DomainError("INVALID_ATTACHMENTS", f"每次最多附 {MAX_ATTACHMENTS} 个不重复的文件", field=field)
    if not sha256s:
        return
    query = select(EvidenceFile.sha256).where(EvidenceFile.sha256.in_(sha256s))
    if uploader is not None:
        query = query.where(EvidenceFile.uploaded_by == uploader)
    known = set((await connection.execute(query)).scalars())
    if missing := [sha256 for sha256 in sha256s if sha256 not in known]:
        raise DomainError("NOT_FOUND", f"找不到已上传的文件 {missing[0]}，请先上传", field=field)
