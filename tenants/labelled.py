"""Enums whose members carry the words offices read. The stored value stays what the database
holds; the label is what a page, a document or an error message says (DOMAIN.md "Words":
the state 申请销号 reads 待销号审核)."""

from __future__ import annotations

import enum
from typing import Self


class Labelled(enum.StrEnum):
    """Members are declared as `NAME = "stored value", "label"`; the label defaults to the value."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def labels(cls) -> str:
        """Every label, in declaration order, as offices list them (挂号、整改中…)."""
        return "、".join(member.label for member in cls)


def sql_values(labelled: type[Labelled]) -> str:
    """The stored values as an SQL list, for a CHECK constraint: '挂号', '整改中'."""
    return ", ".join(f"'{member.value}'" for member in labelled)
