"""Free text fields (descriptions, measures, notes): trimmed, bounded, no control characters
other than line breaks and tabs (PostgreSQL refuses NUL outright)."""

from __future__ import annotations

import unicodedata
from typing import Literal, overload

from tenants.errors import DomainError

MAX_TEXT = 5_000
_ALLOWED_CONTROLS = frozenset("\n\r\t")


@overload
def clean_text(value: str | None, field: str, *, required: Literal[True]) -> str: ...
@overload
def clean_text(value: str | None, field: str, *, required: bool) -> str | None: ...


def clean_text(value: str | None, field: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError("INVALID_TEXT", "此项不能为空", field=field)
        return None
    if len(value) > MAX_TEXT:
        raise DomainError("INVALID_TEXT", f"不能超过 {MAX_TEXT} 个字符", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in value):
        raise DomainError("INVALID_TEXT", "含有控制字符", field=field)
    return value
