"""Bounded parallelism for work over many tenants."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def for_each_bounded(items: Iterable[T], action: Callable[[T], Awaitable[None]], concurrency: int) -> None:
    """Run `action` on every item, at most `concurrency` at a time. The first exception
    cancels the work still running and is raised as it is."""
    pending = iter(items)

    async def drain() -> None:
        for item in pending:
            await action(item)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, concurrency)):
                group.create_task(drain())
    except ExceptionGroup as failures:
        raise failures.exceptions[0] from None
