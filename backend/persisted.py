"""Persisted operations (issue 25 item 3(b)): the operations of graphql/operations/*.graphql are
an allowlist known by hash. Each operation, with the fragments it uses, is one document: its
text as the file has it, then each fragment it reaches in the file's order, separated by a blank
line; its hash is the sha256 of that text (UTF-8), in hex. `xuncha graphql operations` lists
them, `--manifest` prints them in Apollo's persisted-query manifest format for clients.

A request names a document by Apollo's `extensions.persistedQuery.sha256Hash`, with or without
its `query`; with XUNCHA_PERSISTED_ONLY the server runs nothing else (a `query` sent without a
hash runs only if its own hash is on the list). Decisions in docs/decisions.md."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension

from backend.resources import SDL
from graphql import (
    DefinitionNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    Node,
    OperationDefinitionNode,
    Visitor,
    parse,
    visit,
)

OPERATIONS = SDL.parent / "operations"


@dataclass(frozen=True)
class PersistedOperation:
    name: str
    kind: str  # query, mutation or subscription
    file: str
    document: str

    @property
    def sha256(self) -> str:
        return digest(self.document)


def digest(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _spreads(node: Node) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def operations_in(text: str, file: str) -> list[PersistedOperation]:
    """The persisted documents of one operations file, one per named operation."""
    definitions = parse(text).definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}

    def source(node: DefinitionNode) -> str:
        assert node.loc is not None
        return text[node.loc.start : node.loc.end]

    found = []
    for operation in definitions:
        if not isinstance(operation, OperationDefinitionNode) or operation.name is None:
            continue
        reached, pending = set(), _spreads(operation)
        while pending:
            name = pending.pop()
            if name not in reached and name in fragments:
                reached.add(name)
                pending |= _spreads(fragments[name])
        parts = [source(operation), *(source(fragment) for name, fragment in fragments.items() if name in reached)]
        found.append(PersistedOperation(operation.name.value, operation.operation.value, file, "\n\n".join(parts)))
    return found


@functools.cache
def shipped() -> dict[str, PersistedOperation]:
    """The allowlist: every operation of graphql/operations/, by hash."""
    return {
        op.sha256: op for path in sorted(OPERATIONS.glob("*.graphql")) for op in operations_in(path.read_text(encoding="utf-8"), path.name)
    }


def manifest(operations: dict[str, PersistedOperation]) -> dict[str, Any]:
    """Apollo's persisted-query manifest (what @apollo/persisted-query-lists reads)."""
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": h, "name": op.name, "type": op.kind, "body": op.document} for h, op in operations.items()],
    }


def refusal(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def document_to_run(query: str | None, extensions: dict[str, Any] | None, *, persisted_only: bool) -> str | None:
    """The text to execute for a request's `query` and `extensions`; a coded GraphQLError when
    the request names a document it may not run."""
    allowlist = shipped()
    persisted = (extensions or {}).get("persistedQuery")
    sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if sha256 is None:
        if persisted_only and (query is None or digest(query) not in allowlist):
            raise refusal("PERSISTED_QUERY_REQUIRED", "本服务只执行已登记的操作：请以 extensions.persistedQuery.sha256Hash 指明操作")
        return query
    if query is not None and digest(query) != sha256:
        raise refusal("PERSISTED_QUERY_MISMATCH", "请求中的操作文本与其 sha256Hash 不符")
    if sha256 in allowlist:
        return allowlist[sha256].document
    if query is None or persisted_only:
        raise refusal("PERSISTED_QUERY_NOT_FOUND", "未登记的操作哈希：请使用 xuncha graphql operations 列出的哈希")
    return query


class PersistedOperations(SchemaExtension):
    """Puts the document a request names by hash in place of its `query` before it is parsed,
    or refuses the request (first among the extensions: the others see what runs)."""

    def __init__(self, *, persisted_only: bool) -> None:
        self.persisted_only = persisted_only

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.query = document_to_run(context.query, context.operation_extensions, persisted_only=self.persisted_only)
        yield
