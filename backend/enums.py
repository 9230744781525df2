"""The schema's enums of states, kinds and levels: a Labelled enum (tenants/labelled.py) shown by
its members' names, each described by the label offices read, so a client shows 待销号审核
where the API says CLOSE_REQUESTED."""

from __future__ import annotations

from typing import TypeVar

import strawberry

from tenants.labelled import Labelled

L = TypeVar("L", bound=type[Labelled])


def graphql_enum(cls: L, description: str, *, name: str | None = None) -> L:
    """Expose `cls` in the schema (once, where the domain's types are declared)."""
    strawberry.enum(cls, name=name, description=description)
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = cls(value.value).label
    return cls
