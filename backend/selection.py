"""What a GraphQL query selects below a field, as dotted paths ("items.unit",
"items.ledger.latestProgress"), fragments included: lets a list resolver load a page's
relations up front instead of through one awaitable per item."""

from __future__ import annotations

from strawberry.types.nodes import FragmentSpread, InlineFragment, Selection


def selected_paths(selections: list[Selection], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            paths |= selected_paths(selection.selections, prefix)
        else:
            path = prefix + selection.name
            paths.add(path)
            paths |= selected_paths(selection.selections, path + ".")
    return paths
