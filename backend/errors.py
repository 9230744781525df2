"""Refusals reach clients as GraphQL errors with a stable `extensions.code` (and `field`)."""

from __future__ import annotations

from collections.abc import Iterator

from litestar import Request, Response
from strawberry.extensions import SchemaExtension

from tenants.errors import DomainError


class DomainErrors(SchemaExtension):
    """Resolvers raise DomainError; this gives each such error its code and field, in a query's
    or mutation's result and in each result a subscription streams."""

    def on_execute(self) -> Iterator[None]:
        yield
        _coded(self.execution_context.result)

    def on_stream_result(self, result) -> Iterator[None]:
        _coded(result)
        yield


def _coded(result) -> None:
    for error in (getattr(result, "errors", None) or []) if result else []:
        original = error.original_error
        if isinstance(original, DomainError):
            error.extensions = {"code": original.code, **({"field": original.field} if original.field else {})}


# HTTP status of a refusal outside GraphQL (file endpoints); any other code is a 400.
HTTP_STATUS = {
    "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "FILE_TOO_LARGE": 413,
    "UNSUPPORTED_FILE_TYPE": 415, "RATE_LIMITED": 429,
}


def domain_error_response(request: Request, error: DomainError) -> Response:
    """A refusal on a plain HTTP endpoint, shaped like a GraphQL error."""
    extensions = {"code": error.code, **({"field": error.field} if error.field else {})}
    return Response({"errors": [{"message": error.message, "extensions": extensions}]},
                    status_code=HTTP_STATUS.get(error.code, 400))
