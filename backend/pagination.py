"""One page shape for every list of the schema: `first` (1 to the edge's page limit) and `after`
(the `endCursor` of the page before, backend/cursors.py) in; `items` and
`pageInfo { hasNextPage endCursor }` out, and `totalCount` where counting is cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry
from strawberry.types import Info

from backend.cursors import Window
from tenants.errors import DomainError

if TYPE_CHECKING:
    from backend.context import Context

T = TypeVar("T")


@strawberry.type(description="分页信息：hasNextPage 为真时，以 endCursor 作为 after 取下一页")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def of(cls, window: Window) -> PageInfo:
        return cls(has_next_page=window.has_next, end_cursor=window.end_cursor)


@strawberry.type(description="一页结果")
class Page(Generic[T]):
    items: list[T]
    page_info: PageInfo


def page_size(info: Info[Context, None], first: int) -> int:
    limit = info.context.runtime.settings.edge.max_page_size
    if not 1 <= first <= limit:
        raise DomainError("INVALID_PAGE_SIZE", f"first 须在 1 到 {limit} 之间", field="first")
    return first
