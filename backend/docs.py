"""Documents written from the code, so they cannot drift from it: docs/workflows.md (every
declared state machine, as a table and a Mermaid diagram). `xuncha docs` writes them; a test
fails when a file differs from what the code says."""

from __future__ import annotations

from pathlib import Path

from backend.accountability.workflow import CASES
from backend.bulletins.workflow import BULLETINS
from backend.ledger.workflow import LEDGER
from backend.reviews.workflow import REVIEWS
from backend.settings import PROJECT_ROOT
from backend.workflow import Transition, Workflow
from tenants.access import Role

WORKFLOWS: tuple[Workflow, ...] = (LEDGER, CASES, BULLETINS, REVIEWS)
DOCS = PROJECT_ROOT / "docs"
NOTES = {"required": "必填", "optional": "可填", "none": "—"}


def _states(transition: Transition, workflow: Workflow) -> str:
    return "、".join(state.label for state in workflow.states if state in transition.sources)


def _row(transition: Transition, workflow: Workflow) -> str:
    target = transition.target.label if transition.target else "（不变）"
    roles = "、".join(role.label for role in Role if role in transition.roles)
    cells = (
        transition.label,
        f"`{transition.action}`",
        _states(transition, workflow),
        target,
        roles,
        NOTES[transition.note],
        transition.guard.description if transition.guard else "—",
        f"`{transition.event}`" if transition.event else "—",
        "是" if transition.versioned else "否",
    )
    return "| " + " | ".join(cells) + " |"


def _diagram(workflow: Workflow) -> list[str]:
    lines = ["```mermaid", "stateDiagram-v2", f"    [*] --> {workflow.initial.name}"]
    lines += [f"    {state.name}: {state.label}" for state in workflow.states]
    for transition in workflow.transitions:
        if transition.target is None:
            continue
        for source in workflow.states:
            if source in transition.sources:
                lines.append(f"    {source.name} --> {transition.target.name}: {transition.label}")
    return [*lines, "```"]


def workflows_markdown() -> str:
    lines = [
        "# 状态流转（workflows）",
        "",
        "由 `backend/*/workflow.py` 的声明生成（`xuncha docs`），请勿手工修改。每一项操作都校验调用方看到的版本",
        "（`STALE_VERSION`）和当前状态（`INVALID_TRANSITION`），被拒绝时不改变任何数据；操作、版本、前后状态记入",
        "审计链，需要通知的操作在同一事务中写入发件箱。",
        "",
    ]
    for workflow in WORKFLOWS:
        lines += [
            f"## {workflow.title}（`{workflow.name}`）",
            "",
            "| 状态 | 存储值 | GraphQL |",
            "|---|---|---|",
            *(f"| {state.label} | {state.value} | `{state.name}` |" for state in workflow.states),
            "",
            "| 操作 | 标识 | 可从 | 变为 | 角色 | 说明或理由 | 前提 | 通知 | 校验版本 |",
            "|---|---|---|---|---|---|---|---|---|",
            *(_row(transition, workflow) for transition in workflow.transitions),
            "",
            *_diagram(workflow),
            "",
        ]
    return "\n".join(lines)


def documents() -> dict[Path, str]:
    """Each generated document and what it should hold."""
    return {DOCS / "workflows.md": workflows_markdown()}


def write() -> list[Path]:
    """Write every generated document that differs; the paths written."""
    written = []
    for path, content in documents().items():
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
            written.append(path)
    return written
