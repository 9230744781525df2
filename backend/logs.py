"""Logs: one JSON object a line on stderr, set up once by every long-running command.

Each request leaves one INFO line (`xuncha.request`): its request id, the user, the office it
names, the operation (a GraphQL operation's first field, or the route), its duration and its
result code (OK, or the refusal's code: NOT_FOUND, FORBIDDEN, …). Refusals and bad input are
part of that line, never a traceback; only unexpected errors are logged at ERROR with one.
The background worker's per-job lines are kept at WARNING where a person watches the terminal
(the demo)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from backend.metrics import METRICS
from graphql import FieldNode, OperationDefinitionNode, StringValueNode, VariableNode

REQUESTS = logging.getLogger("xuncha.request")
CHATTY = ("arq.worker", "arq.jobs", "arq.connections", "alembic.runtime.migration")  # a line per job run or spare schema


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def configure_logging(*, level: int = logging.INFO, quiet_worker: bool = False) -> None:
    """JSON lines on stderr for the whole process (uvicorn's loggers included)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING if quiet_worker else level)


def log_request(*, operation: str, result: str, duration_ms: float, **fields: Any) -> None:
    """The request's line, and its count and latency in the process's metrics (backend/metrics.py)."""
    METRICS.observe(operation, result, duration_ms / 1000)
    fields = {**fields, "operation": operation, "duration_ms": duration_ms, "result": result}
    REQUESTS.info("%s %s", operation, result, extra={"fields": fields})


class GraphQLRequestLog(SchemaExtension):
    """The line of a GraphQL request (a websocket's operations each get one)."""

    async def on_operation(self) -> AsyncIterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        result = context.result
        errors = getattr(result, "errors", None) or []
        codes = [(error.extensions or {}).get("code", "INTERNAL") for error in errors]
        request = context.context
        log_request(
            request_id=getattr(request, "request_id", None),
            user=_username(request),
            office=_office(context.graphql_document, context.variables or {}),
            operation=context.operation_name or _first_field(context.graphql_document) or "graphql",
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            result=codes[0] if codes else "OK",
        )


def _username(context: Any) -> str | None:
    task = getattr(context, "authenticating", None)
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result().username


def _first_field(document: Any) -> str | None:
    field = _root_field(document)
    return field.name.value if field else None


def _office(document: Any, variables: dict[str, Any]) -> str | None:
    """The office the first root field names (its tenantCode, publisherCode or regionCode)."""
    field = _root_field(document)
    for argument in (field.arguments or ()) if field else ():
        if argument.name.value in ("tenantCode", "publisherCode", "regionCode", "officeCode"):
            if isinstance(argument.value, StringValueNode):
                return argument.value.value
            if isinstance(argument.value, VariableNode):
                value = variables.get(argument.value.name.value)
                return value if isinstance(value, str) else None
    return None


def _root_field(document: Any) -> FieldNode | None:
    for definition in getattr(document, "definitions", ()):
        if isinstance(definition, OperationDefinitionNode):
            return next((s for s in definition.selection_set.selections if isinstance(s, FieldNode)), None)
    return None


class RouteRequestLog:
    """ASGI middleware: the line of every HTTP request but GraphQL's (which logs its operation)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"] == "/graphql":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            context = scope.get("state", {}).get("xuncha_context")
            log_request(
                request_id=getattr(context, "request_id", None),
                user=_username(context),
                office=(scope.get("path_params") or {}).get("tenant_code"),
                operation=f"{scope.get('method')} {scope.get('path_template') or scope['path']}",  # no ids: metrics group by it
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                result="OK" if status < 400 else str(status),
            )
