"""居民身份证号码 (GB 11643): 17 digits and a check character. The one place that says what a
valid number is, for the staff import that hashes them and for the refusal of files that hold them."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

CHECK_CHARACTERS = "10X98765432"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CANDIDATE = re.compile(rb"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MAX_SCANNED_BYTES = 200 * 1024 * 1024  # unpacked, for a zip-based file (an .xlsx, .docx, .ofd)


def is_id_number(number: str) -> bool:
    number = number.strip().upper()
    if not (len(number) == 18 and number[:17].isdigit() and number[17] in CHECK_CHARACTERS):
        return False
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11] == number[17]


def _in_bytes(data: bytes) -> bool:
    return any(is_id_number(match.group().decode()) for match in _CANDIDATE.finditer(data))


def holds_id_number(content: bytes) -> bool:
    """Does the file hold a valid 身份证号: in the parts of a zip-based document (where an .xlsx
    keeps its cells), or in its bytes as they are? A zip that unpacks beyond reason counts as
    holding one (it is refused either way)."""
    if not content.startswith(b"PK\x03\x04"):
        return _in_bytes(content)
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_SCANNED_BYTES:
                return True
            return any(_in_bytes(archive.read(member)) for member in members if not member.is_dir())
    except (zipfile.BadZipFile, OSError, ValueError):
        return _in_bytes(content)


def file_holds_id_number(path: Path) -> bool:
    """`holds_id_number` of a stored file (False if there is none); blocking: call it off the event loop."""
    return path.exists() and holds_id_number(path.read_bytes())
