"""Content-addressed storage of evidence files on the local filesystem.

A file is stored once under `<data dir>/evidence/ab/abcdef…` (its SHA-256), however many
times and by however many tenants it is uploaded. Uploads stream to a temporary file while
being hashed and counted, so a large body never sits in memory and an oversized one is cut
off as soon as it passes the limit. The type is read from the file's first bytes, never
from what the client claims, and must agree with the file name's extension. A file holding a
身份证号 is never kept: evidence is downloaded and backed up, and ID numbers exist only as a
keyed hash and a mask (backend/staff).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from backend.id_numbers import file_holds_id_number
from tenants.errors import DomainError

# extension → (content type, the magic bytes a file of that type starts with)
ACCEPTED_TYPES: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    "ofd": ("application/ofd", b"PK\x03\x04"),  # 版式文档, the national e-document format
}
SNIFF_BYTES = 16
_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_FILE_NAME = 128


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str


def is_sha256(text: str) -> bool:
    """Does `text` name stored content (lower-case hex SHA-256)? Anything else names nothing."""
    return _SHA256.fullmatch(text) is not None


def file_type(file_name: str) -> tuple[str, bytes]:
    """The accepted type a file name promises, or UNSUPPORTED_FILE_TYPE."""
    if not file_name.strip() or len(file_name) > MAX_FILE_NAME or "/" in file_name or "\x00" in file_name:
        raise DomainError("INVALID_FILE_NAME", f"文件名须为 1 到 {MAX_FILE_NAME} 个字符，且不含“/”", field="name")
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension not in ACCEPTED_TYPES:
        raise DomainError("UNSUPPORTED_FILE_TYPE", f"只接受以下类型的文件：{'、'.join(sorted(ACCEPTED_TYPES))}", field="name")
    return ACCEPTED_TYPES[extension]


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, file_name: str, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredFile:
        content_type, magic = file_type(file_name)
        (self.root / "incoming").mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.root / "incoming")
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            with os.fdopen(descriptor, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise DomainError("FILE_TOO_LARGE", f"文件不能超过 {max_bytes // (1024 * 1024)} MB", field="file")
                    if len(head) < SNIFF_BYTES:
                        head += chunk[: SNIFF_BYTES - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                await asyncio.to_thread(_flush, out)
            if size == 0:
                raise DomainError("EMPTY_FILE", "文件为空", field="file")
            if not head.startswith(magic):
                raise DomainError("UNSUPPORTED_FILE_TYPE", f"文件内容与扩展名不符（应为 {content_type}）", field="file")
            if await asyncio.to_thread(file_holds_id_number, Path(temporary)):
                raise DomainError(
                    "PERSONAL_DATA_IN_FILE",
                    "文件中含有身份证号，不能作为佐证材料保存；实名制人员名单请通过 POST /imports/{租户代码}/staff 导入（文件不会保存）",
                    field="file",
                )
            stored = StoredFile(digest.hexdigest(), size, content_type)
            await asyncio.to_thread(self._keep, Path(temporary), stored.sha256)
            return stored
        finally:
            await asyncio.to_thread(Path(temporary).unlink, missing_ok=True)

    def write_verified(self, sha256: str, content: bytes) -> None:
        """Store content already checked to hash to `sha256` (a restore), unless it is there."""
        (self.root / "incoming").mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=self.root / "incoming")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(content)
                _flush(out)
            self._keep(Path(temporary), sha256)
        finally:
            Path(temporary).unlink(missing_ok=True)

    def _keep(self, temporary: Path, sha256: str) -> None:
        """Move the upload into place unless the same content is already stored."""
        final = self.path_of(sha256)
        if final.exists():
            return
        final.parent.mkdir(exist_ok=True)
        os.replace(temporary, final)


def _flush(out) -> None:
    out.flush()
    os.fsync(out.fileno())
