"""The backup file: a gzip'd tar holding `manifest.json` and one member per table (PostgreSQL
COPY text format) and per evidence file. The manifest names the format, the migration
revisions the rows belong to, and every member's row count, size and SHA-256; reading an
archive checks all of it before anything touches the database.

Evidence files stream: from the store into the archive, through a hash when the archive is
read, and from the archive into the store (checked again) on restore; none is ever held in
memory whole. The tables' rows are (a tenant's are megabytes)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from backend.evidence.store import CHUNK_BYTES, EvidenceStore
from tenants.errors import DomainError

FORMAT = "xuncha-tenant-backup"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # 1 held fewer shared tables (backend/backup/shared_rows.py: `since`)
MANIFEST = "manifest.json"
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CODE = re.compile(r"[0-9]{6}")


@dataclass
class TableData:
    """One table's rows. `schema` is a shared schema's name, or None for the tenant's own."""

    schema: str | None
    name: str
    columns: list[str]
    rows: int
    data: bytes

    @property
    def member(self) -> str:
        return f"tables/{self.schema or 'tenant'}.{self.name}.copy"


@dataclass
class Backup:
    tenant_code: str
    parent_code: str | None
    shared_revision: str
    tenant_revision: str
    created_at: str
    format_version: int = FORMAT_VERSION
    tables: list[TableData] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the SHA-256 of each evidence file

    def table(self, schema: str | None, name: str) -> TableData:
        for table in self.tables:
            if (table.schema, table.name) == (schema, name):
                return table
        raise invalid(f"缺少表 {schema}.{name}")


def invalid(message: str) -> DomainError:
    return DomainError("INVALID_BACKUP", f"备份文件无效：{message}", field="file")


@dataclass(frozen=True)
class _Member:
    size: int
    sha256: str
    data: bytes  # b"" for an evidence file: only its hash is taken; a restore copies it from the archive


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _addfile(archive: tarfile.TarFile, name: str, size: int, source: IO[bytes]) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    archive.addfile(info, source)


def write_archive(backup: Backup, path: Path, store: EvidenceStore) -> None:
    """Write the archive, each evidence file streaming in from `store`; EVIDENCE_MISSING when
    one is not there (and no archive is left). Blocking."""
    manifest = {
        "format": FORMAT,
        "format_version": backup.format_version,
        "tenant_code": backup.tenant_code,
        "parent_code": backup.parent_code,
        "shared_revision": backup.shared_revision,
        "tenant_revision": backup.tenant_revision,
        "created_at": backup.created_at,
        "tables": [
            {"schema": t.schema, "name": t.name, "columns": t.columns, "rows": t.rows, "bytes": len(t.data), "sha256": _digest(t.data)}
            for t in backup.tables
        ],
        "files": sorted(backup.files),
    }
    manifest_data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    partial = path.with_name(path.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            _addfile(archive, MANIFEST, len(manifest_data), io.BytesIO(manifest_data))
            for table in backup.tables:
                _addfile(archive, table.member, len(table.data), io.BytesIO(table.data))
            for sha in sorted(backup.files):
                try:
                    content = store.open(sha)
                except FileNotFoundError:
                    raise DomainError("EVIDENCE_MISSING", f"证据文件 {sha} 在证据存储中不存在，无法完整备份", field="code") from None
                with content:
                    _addfile(archive, f"files/{sha}", content.size, content.stream)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)  # a crash while writing never leaves a file that looks complete


def _read_member(source: IO[bytes], keep: bool) -> _Member:
    digest, size, kept = hashlib.sha256(), 0, []
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
        if keep:
            kept.append(chunk)
    return _Member(size, digest.hexdigest(), b"".join(kept))


def _file_members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """Each member in archive order, as it is read (a gzip'd tar is read front to back)."""
    for info in archive:
        source = archive.extractfile(info) if info.isfile() else None
        if source is None:
            raise invalid(f"含有非文件的条目 {info.name!r}")
        yield info, source


def read_archive(path: Path) -> Backup:
    """The backup in `path`, or INVALID_BACKUP naming what is wrong with it. Blocking."""
    members: dict[str, _Member] = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for info, source in _file_members(archive):
                if info.name in members:
                    raise invalid(f"含有重复的条目 {info.name!r}")
                members[info.name] = _read_member(source, keep=not info.name.startswith("files/"))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise invalid(f"不是可读的 tar.gz 归档（{type(error).__name__}）") from None
    try:
        manifest = json.loads(members.pop(MANIFEST).data)
    except KeyError:
        raise invalid("缺少 manifest.json") from None
    except ValueError:
        raise invalid("manifest.json 不是 JSON") from None
    return _checked(manifest, members)


def _checked(manifest: object, members: dict[str, _Member]) -> Backup:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise invalid("不是 xuncha 机构备份")
    version = manifest.get("format_version")
    if version not in READABLE_VERSIONS:
        raise invalid(f"格式版本 {version!r} 不受支持（本程序读取 {'、'.join(map(str, READABLE_VERSIONS))}）")
    try:
        code, parent = manifest["tenant_code"], manifest["parent_code"]
        if not _CODE.fullmatch(str(code)) or (parent is not None and not _CODE.fullmatch(str(parent))):
            raise invalid("机构代码格式错误")
        backup = Backup(
            code, parent, str(manifest["shared_revision"]), str(manifest["tenant_revision"]), str(manifest["created_at"]), version
        )
        for entry in manifest["tables"]:
            schema, name, columns = entry["schema"], entry["name"], entry["columns"]
            if not all(isinstance(n, str) and _IDENTIFIER.fullmatch(n) for n in [name, *columns, *([schema] if schema else [])]):
                raise invalid(f"表名或列名不合法：{name!r}")
            table = TableData(schema, name, list(columns), int(entry["rows"]), b"")
            table.data = _member(members, table.member, entry["sha256"], entry["bytes"])
            if table.data.count(b"\n") != table.rows:
                raise invalid(f"{table.member} 的行数与清单不符")
            backup.tables.append(table)
        for sha in manifest["files"]:
            if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
                raise invalid(f"证据文件名不合法：{sha!r}")
            _member(members, f"files/{sha}", sha, None)
            backup.files.append(sha)
    except (KeyError, TypeError, ValueError):
        raise invalid("manifest.json 缺少字段或字段类型错误") from None
    if members:
        raise invalid(f"含有清单之外的条目 {sorted(members)[0]!r}")
    return backup


def _member(members: dict[str, _Member], name: str, sha256: str, size: int | None) -> bytes:
    member = members.pop(name, None)
    if member is None:
        raise invalid(f"缺少 {name}")
    if (size is not None and member.size != size) or member.sha256 != sha256:
        raise invalid(f"{name} 的校验和与清单不符（文件被截断或改动）")
    return member.data


def copy_files(path: Path, backup: Backup, store: EvidenceStore) -> None:
    """Copy the evidence files of the backup read from `path` into `store`, streaming, each
    checked again against its hash (the archive may have changed since it was read). Blocking."""
    wanted = set(backup.files)
    try:
        with tarfile.open(path, "r:gz") as archive:
            for info, source in _file_members(archive):
                sha = info.name.removeprefix("files/")
                if info.name.startswith("files/") and sha in wanted:
                    if not store.keep_stream(sha, source):
                        raise invalid(f"{info.name} 的校验和与清单不符（文件被截断或改动）")
                    wanted.remove(sha)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise invalid(f"不是可读的 tar.gz 归档（{type(error).__name__}）") from None
    if wanted:
        raise invalid(f"缺少 files/{sorted(wanted)[0]}")
