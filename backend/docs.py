"""Documents written from the code, so they cannot drift from it: docs/workflows.md (every
declared state machine, as a table and a Mermaid diagram) and docs/permissions.md (every
operation and route with its declared access, and who sees what). `xuncha docs` writes them;
a test fails when a file differs from what the code says."""

from __future__ import annotations

from pathlib import Path

from backend.accountability.workflow import CASES
from backend.annual_reports.workflow import ANNUAL_REPORTS
from backend.bulletins.workflow import BULLETINS
from backend.clues.workflow import CLUES
from backend.correspondence.workflow import HANDLING_WORKFLOW
from backend.drafts.workflow import DRAFTS
from backend.evaluation.workflow import EVALUATIONS
from backend.ledger.workflow import LEDGER
from backend.permissions import LEVEL_LABELS, Access, Reach, camel, declared
from backend.plans.workflow import PLANS
from backend.publicity.workflow import NOTICES
from backend.reporting.workflow import REPORTS_UP
from backend.reports.workflow import REPORTS
from backend.reports_12310.workflow import REPORTS_12310
from backend.resources import checkout
from backend.reviews.workflow import REVIEWS
from backend.rounds.workflow import ROUNDS
from backend.workflow import HistoryTable, Transition, Workflow
from graphql import GraphQLEnumType
from tenants.access import Role
from tenants.divisions import Level

WORKFLOWS: tuple[Workflow, ...] = (
    ROUNDS,
    DRAFTS,
    PLANS,
    REPORTS,
    NOTICES,
    LEDGER,
    CASES,
    BULLETINS,
    REVIEWS,
    REPORTS_UP,
    HANDLING_WORKFLOW,
    CLUES,
    REPORTS_12310,
    EVALUATIONS,
    ANNUAL_REPORTS,
)
NOTES = {"required": "必填", "optional": "可填", "none": "—"}


def _states(transition: Transition, workflow: Workflow) -> str:
    return "、".join(state.label for state in workflow.states if state in transition.sources)


def _note(transition: Transition, workflow: Workflow) -> str:
    """Whether the move takes a note, and its bound where the workflow's history keeps it."""
    if transition.note != "none" and isinstance(workflow.history, HistoryTable):
        return f"{NOTES[transition.note]}（不超过 {workflow.history.note_max} 字）"
    return NOTES[transition.note]


def _row(transition: Transition, workflow: Workflow) -> str:
    target = transition.target.label if transition.target else "（不变）"
    roles = "、".join(role.label for role in Role if role in transition.roles)
    cells = (
        transition.label,
        f"`{transition.action}`",
        _states(transition, workflow),
        target,
        roles,
        _note(transition, workflow),
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


# Who sees what, by role: the office itself, the offices below it, the others (README.md shows
# the same table; tests/test_docs.py keeps them equal).
VISIBILITY = (
    (Role.ADMIN, "读写；管理本机构成员、开通下级机构；本机构的审计日志", "只读；可任免下级机构的管理员", "不可见"),
    (Role.INSPECTOR, "读写（检查、问题、台账、问责）", "只读", "不可见"),
    (Role.REVIEWER, "读；销号、退回、审批延期", "只读", "不可见"),
    (Role.PUBLISHER, "读；发布通报、问责决定", "只读", "不可见"),
    (Role.AUDITOR, "只读；本机构的审计日志（含查阅留痕）", "只读", "不可见"),
    (Role.LIAISON, "仅本单位的问题、台账、材料和通知", "不可见", "不可见"),
)


def visibility_table() -> list[str]:
    return [
        "| 角色 | 本机构 | 下级机构 | 上级、平级及其他机构 |",
        "|---|---|---|---|",
        *(f"| {role.label} | {own} | {below} | {others} |" for role, own, below, others in VISIBILITY),
    ]


def _office_of(access: Access) -> str:
    if access.locate is not None:
        return f"由对象确定（`{access.locate.__name__}`）"
    return f"`{camel(access.tenant)}`" if access.tenant else "—"


def _access_cells(access: Access | None) -> str:
    if access is None:
        return "**未声明** | — | — | —"
    roles = "、".join(role.label for role in Role if role in access.roles) or ("—" if access.reach is Reach.ANYONE else "任一角色")
    scope = access.rule if access.reach is Reach.SPECIAL else access.reach.label
    levels = "、".join(LEVEL_LABELS[level] for level in Level if level in access.levels) if access.levels else "—"
    return f"{roles} | {scope} | {_office_of(access)} | {levels}"


def permissions_markdown() -> str:
    from backend.app import ROUTES
    from backend.schema import schema

    access = declared(schema)
    lines = [
        "# 权限（permissions）",
        "",
        "由各操作上的声明生成（`backend/permissions.py`，`xuncha docs`），请勿手工修改。看不到的对象一律答",
        "`NOT_FOUND`（不透露其是否存在）；看得到但无权修改的答 `FORBIDDEN`；只读令牌（`READ`）不能调用任何修改操作。",
        "",
        "## 谁能看到什么",
        "",
        *visibility_table(),
        "",
        "## 范围",
        "",
        "| 范围 | 含义 |",
        "|---|---|",
        *(f"| {reach.label} | {REACH_MEANINGS[reach]} |" for reach in Reach),
        "",
    ]
    for root in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(root)
        names = [schema.config.name_converter.get_graphql_name(f) for f in getattr(definition, "fields", ())]
        lines += [
            f"## GraphQL {root}",
            "",
            "| 操作 | 需要角色 | 范围 | 机构 | 限级别 |",
            "|---|---|---|---|---|",
            *(f"| `{name}` | {_access_cells(access.get(name))} |" for name in sorted(names)),
            "",
        ]
    lines += ["## 其他接口（HTTP）", "", "| 方法 | 路径 | 需要角色 | 范围 | 机构 | 限级别 |", "|---|---|---|---|---|---|"]
    for route in ROUTES:
        for method in sorted(route.http_methods):
            for path in sorted(route.paths):
                lines.append(f"| {method} | `{path}` | {_access_cells(route.opt.get('access'))} |")
    return "\n".join([*lines, ""])


REACH_MEANINGS = {
    Reach.OFFICE: "调用者须在该机构本身担任所列角色（上级机构不能代下级修改）",
    Reach.SUBTREE: "该机构及其下级机构的成员和上级机构的成员；联络员被拒绝（FORBIDDEN）",
    Reach.UNITS: "同上，联络员可以调用，但只看到本单位的部分",
    Reach.OWN: "调用者本人的通知、令牌和会话",
    Reach.ANYONE: "无需登录",
    Reach.SPECIAL: "见该操作的说明，由服务按其规则判断",
}


# DOMAIN.md "Words": what offices say, and what they do not (user-facing text never holds the latter).
WORDS = (
    ("机构、地区", "租户", "代码里仍叫 tenant"),
    ("监督检查人员", "检查员", ""),
    ("已挂号（待整改）、整改中、待销号审核、已销号", "挂号、申请销号作为状态", "挂号、申请销号是操作"),
    ("立行立改、限期整改、长期整改（整改类别）；当场整改完毕", "即知即改", ""),
    ("整改完成率 = 已销号 ÷ 总数", "把待销号审核算作完成", "待销号审核单列"),
    ("诫勉", "诫勉谈话", "2019 年起"),
    ("职务层次（正科级……）", "职级", "职级指一级主任科员等"),
    ("张某某、某县某局", "某甲", "通报默认张某某；某甲式须发布人选定"),
    ("省级、市级（市州）、县级（县市区）", "行政级别 PROVINCE", ""),
)
AVOIDED = ("租户", "检查员", "诫勉谈话", "即知即改", "职级")


def glossary_markdown() -> str:
    """Every enum of the schema with its stored value and the words shown for it."""
    from backend.schema import schema

    lines = [
        "# 词汇表（glossary）",
        "",
        "由代码生成（`xuncha docs`），请勿手工修改。界面、错误、通知和文书中的状态、种类、级别都取自这里列出的",
        "枚举（`tenants/labelled.py` 的 Labelled：存储值和显示的叫法各在一处）；`tests/test_docs.py` 检查面向用户的",
        "文字不用下表“不说”的词。",
        "",
        "## 说法",
        "",
        "| 说 | 不说 | 说明 |",
        "|---|---|---|",
        *(f"| {say} | {avoid} | {note} |" for say, avoid, note in WORDS),
        "",
    ]
    enums = sorted(
        (t for t in schema._schema.type_map.values() if isinstance(t, GraphQLEnumType) and not t.name.startswith("__")),
        key=lambda t: t.name,
    )
    for enum in enums:
        lines += [f"## {enum.name}", "", enum.description or "", "", "| GraphQL | 存储值 | 叫法 |", "|---|---|---|"]
        for name, value in enum.values.items():
            stored = getattr(value.value, "value", value.value)
            lines.append(f"| `{name}` | {stored} | {value.description or ''} |")
        lines.append("")
    return "\n".join(lines)


def documents() -> dict[Path, str]:
    """Each generated document (in the source checkout's docs/) and what it should hold."""
    docs = checkout() / "docs"
    return {
        docs / "workflows.md": workflows_markdown(),
        docs / "permissions.md": permissions_markdown(),
        docs / "glossary.md": glossary_markdown(),
    }


def write() -> list[Path]:
    """Write every generated document that differs; the paths written."""
    written = []
    for path, content in documents().items():
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
            written.append(path)
    return written
