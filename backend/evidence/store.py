"""Content-addressed storage of evidence files: the one interface both stores share, and the
checks every upload passes.

A file is stored once under its SHA-256, however many times and by however many tenants it is
uploaded. Uploads stream to a local temporary file while being hashed and counted, so a large
body never sits in memory and an oversized one is cut off as soon as it passes the limit. The
type is read from the file's first bytes, never from what the client claims, and must agree
with the file name's extension. A file holding a 身份证号 is never kept: evidence is downloaded
and backed up, and ID numbers exist only as a keyed hash and a mask (backend/staff). Only a
file that passed every check reaches the store (backend/evidence/local_store.py or s3_store.py,
chosen by XUNCHA_EVIDENCE_URL: backend/evidence/location.py). Every read and write is a stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
CHUNK_BYTES = 1024 * 1024  # what one read of stored content takes


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str


@dataclass
class Content:
    """Stored content open for reading: a blocking binary stream and its size. Close it."""

    stream: IO[bytes]
    size: int

    def __enter__(self) -> Content:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


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


def missing(sha256: str) -> DomainError:
    return DomainError("EVIDENCE_MISSING", f"证据文件 {sha256} 在证据存储中不存在（XUNCHA_EVIDENCE_URL 所指的存储）", field="sha256")


class EvidenceStore(ABC):
    """Where evidence content lives, by SHA-256. The three primitives block (call them off the
    event loop); `staging` is a local directory where content waits while it is checked."""

    def __init__(self, staging: Path) -> None:
        self.staging = staging

    @abstractmethod
    def open(self, sha256: str) -> Content:
        """The stored content, streaming; FileNotFoundError when it is not stored."""

    @abstractmethod
    def keep(self, checked: Path, sha256: str) -> None:
        """Store the local file `checked` (content that hashes to `sha256`) unless it is stored
        already; the file may be moved away."""

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the content (nothing when it is not stored)."""

    async def put(self, file_name: str, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredFile:
        """An upload, checked on a local temporary file, then kept."""
        content_type, magic = file_type(file_name)
        digest, size, head = hashlib.sha256(), 0, b""
        with self._staged() as (out, temporary):
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
            if await asyncio.to_thread(file_holds_id_number, temporary):
                raise DomainError(
                    "PERSONAL_DATA_IN_FILE",
                    "文件中含有身份证号，不能作为佐证材料保存；实名制人员名单请通过 POST /imports/{机构代码}/staff 导入（文件不会保存）",
                    field="file",
                )
            stored = StoredFile(digest.hexdigest(), size, content_type)
            await asyncio.to_thread(self.keep, temporary, stored.sha256)
        return stored

    def keep_stream(self, sha256: str, source: IO[bytes]) -> bool:
        """Store what `source` streams (a restore) if it hashes to `sha256`; False, keeping
        nothing, if it does not. Blocking."""
        digest = hashlib.sha256()
        with self._staged() as (out, temporary):
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                out.write(chunk)
            _flush(out)
            if digest.hexdigest() != sha256:
                return False
            self.keep(temporary, sha256)
        return True

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        """The content as a local file, for readers that need one (a zip's members are read
        by seeking); FileNotFoundError when it is not stored. Blocking."""
        with self.open(sha256) as content, self._staged() as (out, temporary):
            while chunk := content.stream.read(CHUNK_BYTES):
                out.write(chunk)
            out.flush()
            yield temporary

    async def download(self, sha256: str) -> tuple[int, AsyncIterator[bytes]]:
        """The content's size and its bytes in chunks, read as they are sent: opened now, so
        content that is not stored is EVIDENCE_MISSING before an answer starts."""
        try:
            content = await asyncio.to_thread(self.open, sha256)
        except FileNotFoundError:
            raise missing(sha256) from None
        return content.size, _chunks(content)

    @contextlib.contextmanager
    def _staged(self) -> Iterator[tuple[IO[bytes], Path]]:
        """A new local temporary file in `staging`, open for writing; removed afterwards."""
        self.staging.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.staging)
        try:
            with os.fdopen(descriptor, "wb") as out:
                yield out, Path(name)
        finally:
            Path(name).unlink(missing_ok=True)


async def _chunks(content: Content) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(content.stream.read, CHUNK_BYTES):
            yield chunk
    finally:
        await asyncio.to_thread(content.stream.close)


def _flush(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())
