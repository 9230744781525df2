"""Refusals reach clients as GraphQL errors with a stable `extensions.code` (and `field`)."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from tenants.errors import DomainError


class DomainErrors(SchemaExtension):
    """Resolvers raise DomainError; this gives each such error its code and field."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors or []) if result else []:
            original = error.original_error
            if isinstance(original, DomainError):
                error.extensions = {"code": original.code, **({"field": original.field} if original.field else {})}
