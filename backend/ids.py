"""Ids from GraphQL arguments (a strawberry.ID is a str) and URL paths: bigints, and anything else
names nothing (NOT_FOUND)."""

from __future__ import annotations

from tenants.access import not_found
from tenants.errors import DomainError


def parse_id(value: str, field: str) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise DomainError("NOT_FOUND", not_found().message, field=field)
    return int(text)


def optional_id(value: str | None, field: str) -> int | None:
    return None if value is None else parse_id(value, field)
