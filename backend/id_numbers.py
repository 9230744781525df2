"""居民身份证号码 (GB 11643): 17 digits and a check character. The one place that says what a
valid number is, for the staff import that hashes them and for the refusal of files that hold them."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import IO

CHECK_CHARACTERS = "10X98765432"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CANDIDATE = re.compile(rb"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
CANDIDATE_BYTES = 18
SCAN_CHUNK_BYTES = 1024 * 1024
MAX_SCANNED_BYTES = 200 * 1024 * 1024  # unpacked, for a zip-based file (an .xlsx, .docx, .ofd)


def is_id_number(number: str) -> bool:
    number = number.strip().upper()
    if not (len(number) == 18 and number[:17].isdigit() and number[17] in CHECK_CHARACTERS):
        return False
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11] == number[17]


def in_stream(stream: IO[bytes], chunk_bytes: int = SCAN_CHUNK_BYTES) -> bool:
    """Does the stream hold a valid 身份证号 among its bytes? It is read a chunk at a time; each
    window carries on the last bytes of the one before, and a candidate touching a window's
    edge, whose neighbouring byte is not there yet (or was cut off), is judged in the window
    that holds it with both neighbours."""
    carried, carried_at = b"", 0  # carried_at: where `carried` starts in the stream
    while True:
        chunk = stream.read(chunk_bytes)
        window = carried + chunk
        for match in _CANDIDATE.finditer(window):
            if (match.start() == 0 and carried_at > 0) or (match.end() == len(window) and chunk):
                continue
            if is_id_number(match.group().decode()):
                return True
        if not chunk:
            return False
        keep = min(len(window), CANDIDATE_BYTES + 1)
        carried_at += len(window) - keep
        carried = window[len(window) - keep :]


def _stream_holds(stream: IO[bytes]) -> bool:
    if stream.read(4) != b"PK\x03\x04":
        stream.seek(0)
        return in_stream(stream)
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_SCANNED_BYTES:
                return True
            for member in members:
                if not member.is_dir():
                    with archive.open(member) as part:
                        if in_stream(part):
                            return True
            return False
    except (zipfile.BadZipFile, OSError, ValueError):
        stream.seek(0)
        return in_stream(stream)


def holds_id_number(content: bytes) -> bool:
    """Does the file hold a valid 身份证号: in the parts of a zip-based document (where an .xlsx
    keeps its cells), or in its bytes as they are? A zip that unpacks beyond reason counts as
    holding one (it is refused either way)."""
    return _stream_holds(BytesIO(content))


def file_holds_id_number(path: Path) -> bool:
    """`holds_id_number` of a stored file (False if there is none), read a chunk at a time, so
    a large upload never sits in memory whole; blocking: call it off the event loop."""
    if not path.exists():
        return False
    with path.open("rb") as stream:
        return _stream_holds(stream)
