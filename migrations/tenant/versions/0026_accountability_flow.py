"""Accountability as an 编办 runs it (issue 22 item 4): a case goes 受理 → 核查 → 认定 → 处理 (the
office's own measures) or 提出问责建议/移送 (to the region's 纪委监委 or 组织部, which answers
with its decision) → 落实 → 办结, or ends 不予立案 or 撤销.

Existing cases keep everything: each state becomes its counterpart (立案 → 受理, 调查核实 → 核查,
拟处理 → 认定, 决定 → 处理, 执行 → 落实, 结案 → 办结, 撤销 → 撤销), the 拟处理意见 column becomes
the 认定意见 (`proposal` → `determination`), and each measure kind the office's word for it
(责令整改 → 责令纠正, 通报批评 → 通报, 函告 → 函询, 移交纪检监察机关 → 移送, 组织处理 →
组织调整或组织处理; their decided_by text stays). A measure gains the organ a referral went to
or whose decision a personal measure is, and the document that carried it.

Downgrading maps back where the old words have a counterpart; it fails (the old constraints)
while a case or measure holds one they lack (移送 waiting, 核减收回编制, 诫勉 …), as it should.

Revision ID: t0026
Revises: t0025
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "t0026"
down_revision = "t0025"
branch_labels = None
depends_on = None

STATES = {"立案": "受理", "调查核实": "核查", "拟处理": "认定", "决定": "处理", "执行": "落实", "结案": "办结", "撤销": "撤销"}
NEW_STATES = ("受理", "核查", "认定", "处理", "移送", "落实", "办结", "不予立案", "撤销")
KINDS = {
    "约谈": "约谈",
    "电话提醒": "电话提醒",
    "通报批评": "通报",
    "函告": "函询",
    "移交纪检监察机关": "移送",
    "冻结机构编制调整事项": "冻结机构编制调整事项",
    "锁定实名制账户": "锁定实名制账户",
    "责令整改": "责令纠正",
    "组织处理": "组织调整或组织处理",
}
NEW_KINDS = (
    "责令纠正",
    "约谈",
    "电话提醒",
    "函询",
    "通报",
    "核减收回编制",
    "暂停审批机构编制事项",
    "冻结机构编制调整事项",
    "锁定实名制账户",
    "提出问责建议",
    "移送",
    "诫勉",
    "组织调整或组织处理",
    "纪律处分",
)
ORGAN_KINDS = ("提出问责建议", "移送", "诫勉", "组织调整或组织处理", "纪律处分")


def _listed(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _mapped(table: str, column: str, mapping: dict[str, str]) -> None:
    cases = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in mapping.items() if old != new)
    op.execute(f"UPDATE {table} SET {column} = CASE {column} {cases} ELSE {column} END")


def upgrade() -> None:
    op.drop_constraint("accountability_case_state", "accountability_case")
    _mapped("accountability_case", "state", STATES)
    op.create_check_constraint("accountability_case_state", "accountability_case", f"state IN {_listed(NEW_STATES)}")
    op.alter_column("accountability_case", "state", server_default="受理")
    op.alter_column("accountability_case", "proposal", new_column_name="determination")
    op.drop_constraint("case_measure_kind", "case_measure")
    _mapped("case_measure", "kind", KINDS)
    op.create_check_constraint("case_measure_kind", "case_measure", f"kind IN {_listed(NEW_KINDS)}")
    op.add_column("case_measure", sa.Column("organ_id", sa.BigInteger, nullable=True))
    op.add_column("case_measure", sa.Column("document_id", sa.BigInteger, nullable=True))
    op.create_check_constraint("case_measure_organ", "case_measure", f"organ_id IS NULL OR kind IN {_listed(ORGAN_KINDS)}")


def downgrade() -> None:
    op.drop_constraint("case_measure_organ", "case_measure")
    op.drop_column("case_measure", "document_id")
    op.drop_column("case_measure", "organ_id")
    op.drop_constraint("case_measure_kind", "case_measure")
    _mapped("case_measure", "kind", {new: old for old, new in KINDS.items()})
    op.create_check_constraint("case_measure_kind", "case_measure", f"kind IN {_listed(KINDS)}")
    op.alter_column("accountability_case", "determination", new_column_name="proposal")
    op.alter_column("accountability_case", "state", server_default="立案")
    op.drop_constraint("accountability_case_state", "accountability_case")
    _mapped("accountability_case", "state", {new: old for old, new in STATES.items()})
    op.create_check_constraint("accountability_case_state", "accountability_case", f"state IN {_listed(STATES)}")
