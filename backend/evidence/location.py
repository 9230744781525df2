"""Where evidence content lives, from XUNCHA_EVIDENCE_URL:

    (unset)                                   the data directory's `evidence/` (one host)
    file:///srv/xuncha/evidence               a directory (a mount every API host shares)
    s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=cn-north-1
                                              S3-compatible object storage (MinIO, Ceph RGW, a cloud's);
                                              without `endpoint`, AWS itself

Credentials for S3 never sit in the URL (it is printed and logged): they come the standard AWS
way, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) or AWS_PROFILE's shared
files, or the host's instance role. The bucket must exist; the application never creates one."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from backend.evidence.local_store import LocalStore
from backend.evidence.store import EvidenceStore

if TYPE_CHECKING:
    from backend.settings import Settings  # which reads XUNCHA_EVIDENCE_URL with parse_evidence_url

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_S3_OPTIONS = {"endpoint", "region"}


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or a key prefix without slashes at either end
    endpoint: str | None  # None: AWS
    region: str | None


def parse_evidence_url(url: str) -> Path | S3Location | None:
    """What XUNCHA_EVIDENCE_URL names (None: the data directory), or ValueError saying what is wrong."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/") or parts.query:
            raise ValueError(f"XUNCHA_EVIDENCE_URL 应形如 file:///srv/xuncha/evidence（绝对路径），当前值为 {url!r}")
        return Path(parts.path)
    if parts.scheme != "s3":
        raise ValueError(f"XUNCHA_EVIDENCE_URL 须以 file:// 或 s3:// 开头，当前值为 {url!r}")
    if "@" in parts.netloc:
        raise ValueError("XUNCHA_EVIDENCE_URL 中不能写访问密钥：请用 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY 环境变量")
    if not _BUCKET.fullmatch(parts.netloc):
        raise ValueError(f"XUNCHA_EVIDENCE_URL 的存储桶名 {parts.netloc!r} 不合法（3 到 63 个小写字母、数字、“.”或“-”）")
    options = parse_qs(parts.query, keep_blank_values=True)
    for name, values in options.items():
        if name not in _S3_OPTIONS or len(values) != 1 or not values[0]:
            raise ValueError(f"XUNCHA_EVIDENCE_URL 的参数 {name!r} 不认识、为空或重复（可用 endpoint、region）")
    endpoint = options["endpoint"][0] if "endpoint" in options else None
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ValueError(f"XUNCHA_EVIDENCE_URL 的 endpoint 应形如 http://127.0.0.1:9000，当前值为 {endpoint!r}")
    region = options["region"][0] if "region" in options else None
    return S3Location(parts.netloc, parts.path.strip("/"), endpoint, region)


def evidence_store(settings: Settings) -> EvidenceStore:
    """The deployment's evidence store (one per location and process: an S3 client keeps its
    connections)."""
    return _store(settings.evidence_url, settings.evidence_dir)


@functools.cache
def _store(url: str, data_dir_evidence: Path) -> EvidenceStore:
    where = parse_evidence_url(url)
    if where is None:
        return LocalStore(data_dir_evidence)
    if isinstance(where, Path):
        return LocalStore(where)
    from backend.evidence.s3_store import S3Store  # boto3 takes most of a second to import: only when used

    return S3Store(where, staging=data_dir_evidence / "incoming")
