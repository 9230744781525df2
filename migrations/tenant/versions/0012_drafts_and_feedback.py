"""问题底稿 (drafts confirmed with the unit), the 统一反馈 that turns them into findings, the
unit's 整改方案 and 整改情况报告 answering it, the 验收 that closes them, the 回头看 that re-checks them, the 检查情况报告's own words, rounds led by an upper office, the public notice of a round's rectification, a round's 检查方案 and 进驻公告, a
finding's rectification class, and one counter for every numbered series of documents (the
函告's counter moves into it).

Revision ID: t0012
Revises: t0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t0012"
down_revision = "t0011"
branch_labels = None
depends_on = None

DRAFT_STATES = ("底稿", "待确认", "有异议", "已确认", "已撤回", "已反馈")
SEVERITIES = ("一般", "较重", "严重")
CLASSES = ("立行立改", "限期整改", "长期整改")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


KINDS = ("巡视", "巡察", "选人用人专项检查", "三责联审", "专项检查", "日常督查")
FOLLOW_UP = "回头看"


def _history(table: str, key: str, target: str, index: str) -> None:
    """A workflow's history table (backend/history.py): its moves of the object `key` names."""
    op.create_table(
        table,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(key, sa.BigInteger, sa.ForeignKey(target), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(8), nullable=False),
        sa.Column("to_state", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(index, table, [key, "id"])


def upgrade() -> None:
    op.drop_constraint("inspection_round_kind", "inspection_round")
    op.create_check_constraint("inspection_round_kind", "inspection_round", _in("kind", (*KINDS, FOLLOW_UP)))
    op.add_column("inspection_round", sa.Column("led_by", sa.String(6), nullable=True))
    op.add_column("inspection_round", sa.Column("scope", sa.Text, nullable=True))
    op.add_column("inspection_round", sa.Column("key_points", JSONB, nullable=False, server_default="[]"))
    op.add_column("inspection_round", sa.Column("division_of_work", sa.Text, nullable=True))
    op.add_column("inspection_round", sa.Column("announcement", JSONB, nullable=True))
    op.add_column("inspection_round", sa.Column("follows_round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=True))
    op.create_table(
        "inspection_report_text",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=True),
        sa.Column("addressee", sa.String(64), nullable=False),
        sa.Column("opening", sa.Text, nullable=False),
        sa.Column("closing", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "unit_id", name="inspection_report_text_key", postgresql_nulls_not_distinct=True),
    )
    op.create_table(
        "public_notice",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False, unique=True),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="草稿"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("state IN ('草稿', '待审批', '已批准', '已公开')", name="public_notice_state"),
    )
    _history("public_notice_event", "notice_id", "public_notice.id", "public_notice_event_notice_idx")
    op.create_table(
        "follow_up_check",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("checked_by", sa.String(64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "finding_id", name="follow_up_check_key"),
        sa.CheckConstraint("outcome IN ('巩固', '反弹')", name="follow_up_check_outcome"),
    )
    op.create_table(
        "document_counter",
        sa.Column("series", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO document_counter (series, year, last_number) SELECT '函告', year, last_number FROM letter_counter")
    op.drop_table("letter_counter")

    op.add_column("finding", sa.Column("rectification_class", sa.String(8), nullable=False, server_default="限期整改"))
    op.execute("UPDATE finding SET rectification_class = '立行立改' WHERE fixed_on_spot")
    op.create_check_constraint("finding_rectification_class", "finding", _in("rectification_class", CLASSES))

    op.create_table(
        "finding_draft",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("taxonomy_code", sa.String(16), nullable=False),
        sa.Column("taxonomy_version", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("basis", sa.Text, nullable=True),
        sa.Column("requirement", sa.Text, nullable=True),
        sa.Column("evidence_sources", JSONB, nullable=False, server_default="[]"),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("rectification_class", sa.String(8), nullable=False),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=True),
        sa.Column("responsible_person", sa.String(64), nullable=True),
        sa.Column("state", sa.String(8), nullable=False, server_default="底稿"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=True, unique=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(_in("state", DRAFT_STATES), name="finding_draft_state"),
        sa.CheckConstraint(_in("severity", SEVERITIES), name="finding_draft_severity"),
        sa.CheckConstraint(_in("rectification_class", CLASSES), name="finding_draft_class"),
    )
    op.create_index("finding_draft_round_unit_idx", "finding_draft", ["round_id", "unit_id", "id"])
    _history("finding_draft_event", "draft_id", "finding_draft.id", "finding_draft_event_draft_idx")
    op.create_table(
        "round_feedback",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("document_number", sa.String(128), nullable=False),
        sa.Column("addressee", sa.String(64), nullable=False),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("plan_due", sa.Date, nullable=False),
        sa.Column("report_due", sa.Date, nullable=False),
        sa.Column("given_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "unit_id", name="round_feedback_round_unit_key"),
        sa.UniqueConstraint("year", "number", name="round_feedback_number_key"),
    )
    op.create_table(
        "rectification_plan",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="填报中"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "unit_id", name="rectification_plan_round_unit_key"),
        sa.CheckConstraint("state IN ('填报中', '已报送', '已退回', '已批准')", name="rectification_plan_state"),
    )
    op.create_table(
        "rectification_task",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("plan_id", sa.BigInteger, sa.ForeignKey("rectification_plan.id"), nullable=False),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False, unique=True),
        sa.Column("measure", sa.Text, nullable=False),
        sa.Column("responsible_leader", sa.String(64), nullable=False),
        sa.Column("responsible_department", sa.String(128), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
    )
    op.create_index("rectification_task_plan_idx", "rectification_task", ["plan_id"])
    _history("rectification_plan_event", "plan_id", "rectification_plan.id", "rectification_plan_event_plan_idx")
    op.create_table(
        "rectification_report",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("leader_report", sa.Text, nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="填报中"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "unit_id", name="rectification_report_round_unit_key"),
        sa.CheckConstraint("state IN ('填报中', '已报送', '已退回', '已审核')", name="rectification_report_state"),
    )
    op.create_table(
        "rectification_report_item",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("rectification_report.id"), nullable=False),
        sa.Column("finding_id", sa.BigInteger, sa.ForeignKey("finding.id"), nullable=False),
        sa.Column("progress", sa.String(8), nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("evidence", JSONB, nullable=False, server_default="[]"),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("verdict_note", sa.Text, nullable=True),
        sa.UniqueConstraint("report_id", "finding_id", name="rectification_report_item_key"),
        sa.CheckConstraint("progress IN ('已完成', '正在推进', '未完成')", name="rectification_report_item_progress"),
        sa.CheckConstraint("verdict IS NULL OR verdict IN ('认可', '不认可')", name="rectification_report_item_verdict"),
    )
    _history("rectification_report_event", "report_id", "rectification_report.id", "rectification_report_event_report_idx")
    op.create_table(
        "acceptance",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("round_id", sa.BigInteger, sa.ForeignKey("inspection_round.id"), nullable=False),
        sa.Column("unit_id", sa.BigInteger, sa.ForeignKey("inspected_unit.id"), nullable=False),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("conclusion", sa.Text, nullable=False),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("closed", sa.Integer, nullable=False),
        sa.Column("left_open", sa.Integer, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("round_id", "unit_id", name="acceptance_round_unit_key"),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="acceptance_score"),
    )


def downgrade() -> None:
    op.drop_table("follow_up_check")
    op.drop_table("public_notice_event")
    op.drop_table("public_notice")
    op.drop_table("inspection_report_text")
    op.drop_column("inspection_round", "follows_round_id")
    op.drop_column("inspection_round", "led_by")
    for column in ("scope", "key_points", "division_of_work", "announcement"):
        op.drop_column("inspection_round", column)
    op.drop_constraint("inspection_round_kind", "inspection_round")
    op.create_check_constraint("inspection_round_kind", "inspection_round", _in("kind", KINDS))
    op.drop_table("acceptance")
    op.drop_table("rectification_report_event")
    op.drop_table("rectification_report_item")
    op.drop_table("rectification_report")
    op.drop_table("rectification_plan_event")
    op.drop_table("rectification_task")
    op.drop_table("rectification_plan")
    op.drop_table("round_feedback")
    op.drop_table("finding_draft_event")
    op.drop_table("finding_draft")
    op.drop_constraint("finding_rectification_class", "finding")
    op.drop_column("finding", "rectification_class")
    op.create_table(
        "letter_counter",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO letter_counter (year, last_number) SELECT year, last_number FROM document_counter WHERE series = '函告'")
    op.drop_table("document_counter")
