"""Free text fields (descriptions, measures, notes): trimmed, bounded, no control characters
other than line breaks and tabs (PostgreSQL refuses NUL outright)."""

from __future__ import annotations

import unicodedata
from typing import Literal, overload

from tenants.errors import DomainError

MAX_TEXT = 5_000
# A short note (a workflow move's 说明或理由 on its history row, a 回头看's or a review stage's
# notes): bounded so that its row stays below the ~2 kB where PostgreSQL gives a table a TOAST
# table (two relations in every tenant schema; tenant migration t0028).
MAX_NOTE = 300
_ALLOWED_CONTROLS = frozenset("\n\r\t")


@overload
def clean_text(value: str | None, field: str, *, required: Literal[True], max_length: int = ...) -> str: ...
@overload
def clean_text(value: str | None, field: str, *, required: bool, max_length: int = ...) -> str | None: ...


def clean_text(value: str | None, field: str, *, required: bool, max_length: int = MAX_TEXT) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError("INVALID_TEXT", "此项不能为空", field=field)
        return None
    if len(value) > max_length:
        raise DomainError("INVALID_TEXT", f"不能超过 {max_length} 个字符", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in value):
        raise DomainError("INVALID_TEXT", "含有控制字符", field=field)
    return value
