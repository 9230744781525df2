"""Refusals reach clients as GraphQL errors with a stable `extensions.code` (and `field`)."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator

from asyncpg.exceptions import OperatorInterventionError, PostgresConnectionError
from litestar import Request, Response
from sqlalchemy.exc import DBAPIError
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
        elif database_unavailable(original):
            error.message = DATABASE_UNAVAILABLE_MESSAGE
            error.extensions = {"code": "DATABASE_UNAVAILABLE"}
        elif invalid := INVALID_VARIABLE.match(error.message):
            # A variable the schema refuses (an enum value that does not exist, a wrong type):
            # coded like every other refusal, with the input field it names.
            variable, path, reason = invalid.groups()
            field = (re.findall(r"[A-Za-z_]\w*", path or "") or [variable])[-1]
            error.message = f"输入的 {field} 格式不正确或不是可选值：{reason}"
            error.extensions = {"code": "INVALID_INPUT", "field": field}


# graphql-core's refusal of a variable's value: "Variable '$i' has invalid value at .severity: …"
# (or "at [0]: …" for an item of a list)
INVALID_VARIABLE = re.compile(r"Variable '\$(\w+)' (?:has|got) invalid value(?: at ([.\[][^:]*))?(?: '[^']*')?[:;] (.*)", re.S)


DATABASE_UNAVAILABLE_MESSAGE = "数据库暂时不可用，请稍后重试"


def database_unavailable(error: BaseException | None) -> bool:
    """Did `error` come from the database being out of reach (refused, shutting down, starting
    up, the connection lost)? It gets a stable code a client can retry on, instead of SQL text
    (or, in production, a masked "internal error"). A connection lost during COMMIT leaves the
    outcome unknown: a client retrying a create should look for its record first."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, (PostgresConnectionError, OperatorInterventionError)):
            return True
        if isinstance(error, OSError) and any("asyncpg" in frame.filename for frame in traceback.extract_tb(error.__traceback__)):
            return True  # connecting: the server's socket is gone or refuses
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


# HTTP status of a refusal outside GraphQL (file endpoints); any other code is a 400.
HTTP_STATUS = {
    "UNAUTHENTICATED": 401,
    "TOKEN_EXPIRED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "FILE_TOO_LARGE": 413,
    "UNSUPPORTED_FILE_TYPE": 415,
    "EVIDENCE_MISSING": 500,  # registered, but not in the store: the storage is misconfigured or lost it
    "RATE_LIMITED": 429,
}


def domain_error_response(request: Request, error: DomainError) -> Response:
    """A refusal on a plain HTTP endpoint, shaped like a GraphQL error."""
    extensions = {"code": error.code, **({"field": error.field} if error.field else {})}
    return Response({"errors": [{"message": error.message, "extensions": extensions}]}, status_code=HTTP_STATUS.get(error.code, 400))
