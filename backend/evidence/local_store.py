"""Evidence content in a local directory (the default: `<data dir>/evidence`), each file under
`ab/abcdef…` (its SHA-256). Only one host sees it: several API hosts need XUNCHA_EVIDENCE_URL
pointing at object storage (backend/evidence/s3_store.py) or at a directory they all mount."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from backend.evidence.store import Content, EvidenceStore


class LocalStore(EvidenceStore):
    def __init__(self, root: Path) -> None:
        super().__init__(staging=root / "incoming")  # the same file system: a checked upload is moved into place
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def open(self, sha256: str) -> Content:
        stream = self.path_of(sha256).open("rb")
        return Content(stream, os.fstat(stream.fileno()).st_size)

    def keep(self, checked: Path, sha256: str) -> None:
        final = self.path_of(sha256)
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(checked, final)

    def delete(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)

    @contextlib.contextmanager
    def local_copy(self, sha256: str) -> Iterator[Path]:
        """The stored file itself: it is local already."""
        path = self.path_of(sha256)
        if not path.is_file():
            raise FileNotFoundError(path)
        yield path
