"""Evaluation (三评合一, issue 23 item 1), shared part: indicator systems per province or city,
versioned. Seeded with an example every office uses until its province or city publishes its
own: the six 一级 indicators of 盐城's 三评合一 (规定执行、履职尽责、管理规范、创新创优、机构配置效益、
内外部满意度), with 二级 and 三级 indicators and 评估要点 written for the example (盐城's own 17
二级, 32 三级 and 56 要点 are not public). 100 points; 个性 points are scored only where they
apply; the 满意度 point is scored from the survey.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

NAME = "机构编制评估指标体系（示例，三评合一）"
LEVELS = {1: "一级", 2: "二级", 3: "三级", 4: "要点"}
# code, name, points (要点 only), mark ("个性", "满意度")
ROWS: tuple[tuple[str, str, float | None, str], ...] = (
    ("I1", "规定执行", None, ""),
    ("I1.1", "坚持党管机构编制", None, ""),
    ("I1.1.1", "机构编制事项报批", None, ""),
    ("I1.1.1.1", "机构编制事项经党委（党组）集体研究后按程序报批", 5, ""),
    ("I1.2", "严格执行“三定”规定", None, ""),
    ("I1.2.1", "内设机构和领导职数", None, ""),
    ("I1.2.1.1", "内设机构的设置与“三定”规定一致", 5, ""),
    ("I1.2.1.2", "领导职数未超过核定数", 5, ""),
    ("I1.2.2", "编制使用", None, ""),
    ("I1.2.2.1", "在编制限额内进人，无超编", 5, ""),
    ("I2", "履职尽责", None, ""),
    ("I2.1", "主要职责履行", None, ""),
    ("I2.1.1", "核心职能", None, ""),
    ("I2.1.1.1", "“三定”规定的主要职责履行到位", 8, ""),
    ("I2.1.1.2", "职责边界清晰，无推诿扯皮", 4, ""),
    ("I2.2", "权责清单", None, ""),
    ("I2.2.1", "权责清单执行", None, ""),
    ("I2.2.1.1", "权责清单随职责调整及时更新", 5, ""),
    ("I2.2.1.2", "按清单行使职权，无清单外职权", 4, ""),
    ("I2.3", "部门个性职能", None, ""),
    ("I2.3.1", "年度重点任务", None, "个性"),
    ("I2.3.1.1", "部门年度重点任务完成情况", 4, "个性"),
    ("I3", "管理规范", None, ""),
    ("I3.1", "机构编制日常管理", None, ""),
    ("I3.1.1", "实名制和台账", None, ""),
    ("I3.1.1.1", "实名制信息准确并及时更新", 5, ""),
    ("I3.1.1.2", "机构编制台账完整", 5, ""),
    ("I3.1.2", "编外人员", None, ""),
    ("I3.1.2.1", "编外人员、政府购买服务用工规范", 5, ""),
    ("I4", "创新创优", None, ""),
    ("I4.1", "改革创新", None, ""),
    ("I4.1.1", "创新举措和成效", None, ""),
    ("I4.1.1.1", "推出机构编制管理或职能运行的创新举措", 5, ""),
    ("I4.1.1.2", "经验做法被上级推广", 5, ""),
    ("I5", "机构配置效益", None, ""),
    ("I5.1", "编制使用效益", None, ""),
    ("I5.1.1", "配置与任务匹配", None, ""),
    ("I5.1.1.1", "编制配置与工作任务相匹配", 8, ""),
    ("I5.1.1.2", "空编、超编和人员结构合理", 7, ""),
    ("I6", "内外部满意度", None, ""),
    ("I6.1", "满意度测评", None, ""),
    ("I6.1.1", "服务对象和相关部门评价", None, ""),
    ("I6.1.1.1", "服务对象和相关部门满意度（按测评结果计分）", 15, "满意度"),
)


def upgrade() -> None:
    op.execute("CREATE SCHEMA evaluation")
    op.create_table(
        "indicator_system",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("owner_code", sa.String(6), sa.ForeignKey("tenancy.tenant.code"), nullable=True),  # none: the example
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="evaluation",
    )
    op.create_index(
        "indicator_system_owner_version_key",
        "indicator_system",
        [sa.text("coalesce(owner_code, '')"), "version"],
        unique=True,
        schema="evaluation",
    )
    op.create_table(
        "indicator",
        sa.Column("system_id", sa.BigInteger, sa.ForeignKey("evaluation.indicator_system.id"), primary_key=True),
        sa.Column("code", sa.String(24), primary_key=True),
        sa.Column("parent_code", sa.String(24), nullable=True),
        sa.Column("level", sa.String(4), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("max_score", sa.Numeric(6, 2), nullable=True),
        sa.Column("personal", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("satisfaction", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.CheckConstraint("level IN ('一级', '二级', '三级', '要点')", name="indicator_level"),
        sa.CheckConstraint("(level = '要点') = (max_score IS NOT NULL)", name="indicator_points_score"),
        sa.CheckConstraint("(level = '一级') = (parent_code IS NULL)", name="indicator_parent"),
        schema="evaluation",
    )
    system = (
        op.get_bind()
        .execute(
            sa.text("INSERT INTO evaluation.indicator_system (version, name, published_by) VALUES (1, :n, 'system') RETURNING id"),
            {"n": NAME},
        )
        .scalar_one()
    )
    op.bulk_insert(
        sa.table(
            "indicator",
            *(
                sa.column(c)
                for c in ("system_id", "code", "parent_code", "level", "name", "max_score", "personal", "satisfaction", "position")
            ),
            schema="evaluation",
        ),
        [
            {
                "system_id": system,
                "code": code,
                "parent_code": code.rsplit(".", 1)[0] if "." in code else None,
                "level": LEVELS[code.count(".") + 1],
                "name": name,
                "max_score": points,
                "personal": mark == "个性",
                "satisfaction": mark == "满意度",
                "position": n,
            }
            for n, (code, name, points, mark) in enumerate(ROWS)
        ],
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA evaluation CASCADE")
