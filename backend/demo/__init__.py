"""`xuncha demo`: a realistic province generated deterministically from a seed — its
offices and logins (offices.py), a year of inspection work (inspections.py), then the
warning run and the province's case and bulletin (province.py), and 双峰县's round from its
drafts to the units' answers and the province's 巡视 over two of its units (lifecycle.py), and
two of its findings from 日常监督, outside any round (daily.py), its partner organs with the
documents between them (organs.py), its and 娄底市's departments' 三评合一 evaluations (evaluation.py), and its reports up: the last quarter's
confirmed by 娄底市, the year's annual 机构编制报告 half collected (reporting.py)."""

from __future__ import annotations

from rich.progress import Progress

from backend.demo.daily import load_daily_supervision
from backend.demo.evaluation import load_evaluations
from backend.demo.inspections import load_inspections
from backend.demo.lifecycle import load_rounds
from backend.demo.offices import DEMO_PROVINCE, demo_offices, load_offices
from backend.demo.organs import load_organs
from backend.demo.province import load_province_work, run_warnings
from backend.demo.reporting import load_reporting
from backend.runtime import Runtime


async def load_demo(runtime: Runtime, progress: Progress) -> None:
    """Everything the demo shows; each step adds only what is missing, so a restart is quick."""
    with progress:
        await load_offices(runtime, progress)
        below = [(d.code, d.name) for d in demo_offices() if d.code != DEMO_PROVINCE]
        task = progress.add_task("生成检查轮次、问题和整改台账", total=len(below))
        await load_inspections(runtime, below, on_office=lambda: progress.advance(task))
        progress.update(task, description="预警、问责案件和典型案例通报")
        await run_warnings(runtime, [code for code, _ in below])
        await load_province_work(runtime)
        await load_rounds(runtime)
        await load_daily_supervision(runtime)
        await load_organs(runtime)
        await load_evaluations(runtime)
        await load_reporting(runtime)
