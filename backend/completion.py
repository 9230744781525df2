"""Compiled completion (issue 25 item 3): graphql-core completes a resolved value field by field,
each through its generic machinery (a resolver call, a path, nullability and type checks, a
dict per object): a page of 50 findings is ~1,200 fields and more than half the request's CPU.
Where a selection reaches only plain attributes (strawberry's basic fields: no resolver, no
field extension, no arguments) of object types named in the query, with no directive and no
abstract type, it is compiled once per (type, field nodes) into closures that read the same
attributes and serialize the same leaves; resolvers above it (the root field, with its
authentication and access check) run as before. Anything unexpected in a value (null where
the schema says non-null, an awaitable, a leaf that does not serialize) falls back to
graphql-core for that subtree, which reads the same attributes again and reports the error as
it always did: the compiled path only reads, so doing it twice changes nothing."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
    is_leaf_type,
)

Complete = Callable[[Any], Any]
CACHED_PLANS = 2000  # (type, field nodes) pairs; a persisted-only server has far fewer


class Fallback(Exception):
    """A value the compiled path does not complete (any other exception in it means the same):
    graphql-core completes it, the generic way."""


class NotCompilable(Exception):
    """A selection the compiled path does not handle."""


def _fields(
    selection_set: SelectionSetNode | None,
    type_: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    into: dict[str, list[FieldNode]],
) -> dict[str, list[FieldNode]]:
    """The selection's fields on `type_` by response key, fragments spread (graphql-core's
    collection, less what the compiled path refuses)."""
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            raise NotCompilable
        if isinstance(selection, FieldNode):
            into.setdefault(selection.alias.value if selection.alias else selection.name.value, []).append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            if fragment.directives:
                raise NotCompilable
            condition, inner = fragment.type_condition, fragment.selection_set
        else:  # pragma: no cover  # every selection is one of the three
            raise NotCompilable
        if condition is not None and condition.name.value != type_.name:
            raise NotCompilable  # a fragment on an interface, a union or another type
        _fields(inner, type_, fragments, into)
    return into


def _compile(type_: GraphQLOutputType, nodes: Sequence[FieldNode], fragments: dict[str, FragmentDefinitionNode]) -> Complete:
    if isinstance(type_, GraphQLNonNull):
        inner = _compile(type_.of_type, nodes, fragments)

        def non_null(value: Any) -> Any:
            completed = inner(value)
            if completed is None:
                raise Fallback
            return completed

        return non_null
    if isinstance(type_, GraphQLList):
        item = _compile(type_.of_type, nodes, fragments)

        def listed(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, list | tuple):
                raise Fallback
            return [item(v) for v in value]

        return listed
    if is_leaf_type(type_):
        serialize = type_.coerce_output_value

        def leaf(value: Any) -> Any:
            if value is None:
                return None
            coerced = serialize(value)
            if coerced is None or coerced is Undefined:
                raise Fallback
            return coerced

        return leaf
    if not isinstance(type_, GraphQLObjectType):
        raise NotCompilable  # an interface or a union
    selected: dict[str, list[FieldNode]] = {}
    for node in nodes:
        _fields(node.selection_set, type_, fragments, selected)
    readers: list[tuple[str, str | None, Complete | None]] = []
    for key, field_nodes in selected.items():
        name = field_nodes[0].name.value
        if name == "__typename":
            readers.append((key, None, None))
            continue
        field = type_.fields.get(name)
        strawberry_field = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF) if field else None
        if field is None or strawberry_field is None or not strawberry_field.is_basic_field or any(n.arguments for n in field_nodes):
            raise NotCompilable
        readers.append((key, strawberry_field.python_name, _compile(field.type, field_nodes, fragments)))
    is_type_of, name = type_.is_type_of, type_.name

    def obj(value: Any) -> Any:
        if value is None:
            return None
        if is_type_of is not None and is_type_of(value, None) is not True:  # type: ignore[arg-type]  # strawberry's reads no info
            raise Fallback
        return {key: name if attribute is None else complete(getattr(value, attribute)) for key, attribute, complete in readers}  # type: ignore[misc]

    return obj


class CompiledCompletion(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, completing a compilable selection with its compiled closures."""

    # Shared by the process's requests: a plan depends only on the schema and the (cached) document.
    plans: ClassVar[OrderedDict[tuple, tuple[tuple[FieldNode, ...], Complete | None]]] = OrderedDict()

    def complete_value(self, return_type, field_details_list, info, path, result, position_context):
        plan = self._plan(return_type, field_details_list)
        if plan is not None and not isinstance(result, Exception):
            try:
                return plan(result)
            except Exception:  # Fallback, or a leaf that does not serialize: graphql-core reports it
                pass
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _plan(self, return_type: GraphQLOutputType, field_details_list) -> Complete | None:
        inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if is_leaf_type(inner):
            return None  # a leaf's completion is already one call
        nodes = tuple(details.node for details in field_details_list)
        key = (return_type, *map(id, nodes))
        known = self.plans.get(key)
        if known is not None and all(a is b for a, b in zip(known[0], nodes, strict=True)):
            return known[1]
        try:
            plan: Complete | None = _compile(return_type, nodes, self.fragment_definitions)
        except NotCompilable:
            plan = None
        self.plans[key] = (nodes, plan)
        if len(self.plans) > CACHED_PLANS:
            self.plans.popitem(last=False)
        return plan
