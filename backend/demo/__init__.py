"""`xuncha demo`: a realistic province generated deterministically from a seed — its
offices and logins (offices.py), then a year of inspection work (inspections.py)."""

from __future__ import annotations

from rich.progress import Progress

from backend.demo.inspections import load_inspections
from backend.demo.offices import DEMO_PROVINCE, demo_offices, load_offices
from backend.runtime import Runtime


async def load_demo(runtime: Runtime, progress: Progress) -> None:
    """Everything the demo shows; each step adds only what is missing, so a restart is quick."""
    with progress:
        await load_offices(runtime, progress)
        below = [(d.code, d.name) for d in demo_offices() if d.code != DEMO_PROVINCE]
        task = progress.add_task("生成检查轮次、问题和整改台账", total=len(below))
        await load_inspections(runtime, below, on_office=lambda: progress.advance(task))
