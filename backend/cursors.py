"""Keyset pages: a list is read with one row more than asked (to know whether another page
follows), and a page ends with an opaque cursor, the sort key of its last row encoded. A cursor
that does not decode to the list's key is INVALID_CURSOR."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import orjson

from tenants.errors import DomainError

R = TypeVar("R")


@dataclass(frozen=True)
class Window(Generic[R]):
    """A page of rows, whether another follows, and the cursor that reads it."""

    rows: list[R]
    has_next: bool
    end_cursor: str | None


def encode_cursor(*key: int | str | date | None) -> str:
    values = [value.isoformat() if isinstance(value, date) else value for value in key]
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str | None, *types: type) -> tuple[Any, ...] | None:
    """The key a cursor holds, as values of `types` (int, str, date; NoneType for a key part
    that may be null); None for no cursor."""
    if cursor is None:
        return None
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("the cursor's key has another length")
        return tuple(_typed(value, kind) for value, kind in zip(values, types, strict=True))
    except (ValueError, TypeError, binascii.Error):
        raise DomainError("INVALID_CURSOR", "分页游标无效（或与排序方式不符），请从第一页重新查询", field="after") from None


def _typed(value: Any, kind: type) -> Any:
    if value is None and kind is type(None):
        return None
    if kind is date:
        return date.fromisoformat(value)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63):
        raise ValueError("not a bigint")
    if not isinstance(value, kind):
        raise ValueError(f"not a {kind.__name__}")
    return value


def window(rows: Sequence[R], first: int, key: Callable[[R], tuple[Any, ...]]) -> Window[R]:
    """The page of `rows` (read with `first` + 1) and its cursor."""
    page = list(rows[:first])
    return Window(page, len(rows) > first, encode_cursor(*key(page[-1])) if page else None)


def by_id(row: Any) -> tuple[int]:
    """The key of a list in id order, the most common one."""
    return (row.id,)


def after_id(cursor: str | None) -> int | None:
    """The id a cursor of a list in id order (`by_id`) holds; None for no cursor."""
    key = decode_cursor(cursor, int)
    return key[0] if key else None
