"""What a request may cost. An operation that scans much of the problem bank (common problems,
statistics, text search) declares a cost (`query(…, cost=n)`, backend/permissions.py); others
cost 1. A request whose operations cost more than XUNCHA_MAX_QUERY_COST together is refused
before it runs (twenty aliases of `commonProblems` cost twenty times one), and each user may
spend XUNCHA_COSTLY_PER_MINUTE units of costly operations a minute (RATE_LIMITED)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql.validation import ValidationContext, ValidationRule

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def request_cost(selections: SelectionSetNode, costs: Mapping[str, int], fragments: Mapping[str, Any]) -> int:
    """The summed cost of the root fields selected (through fragments and aliases alike)."""
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            total += costs.get(selection.name.value, 1)
        elif isinstance(selection, InlineFragmentNode):
            total += request_cost(selection.selection_set, costs, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            total += request_cost(fragments[selection.name.value].selection_set, costs, fragments)
    return total


def cost_rule(costs: Mapping[str, int], limit: int) -> type[ValidationRule]:
    """A validation rule refusing an operation whose root fields cost more than `limit`."""

    class QueryCost(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments = {
                fragment.name.value: fragment for fragment in context.document.definitions if isinstance(fragment, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = request_cost(node.selection_set, costs, self.fragments)
            if cost > limit:
                self.report_error(
                    GraphQLError(
                        f"查询过于复杂（代价 {cost}，上限 {limit}），请拆分为多次查询",
                        node,
                        extensions={"code": "QUERY_TOO_COSTLY"},
                    )
                )

    return QueryCost
