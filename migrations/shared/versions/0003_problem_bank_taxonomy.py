"""Problem bank: the versioned violation taxonomy, seeded with the national edition 2026.1.

The seed is written out here rather than imported, so this revision does the same thing
whatever later code says.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VERSION = "2026.1"
REGULATION = "《中国共产党机构编制工作条例》"
SUPERVISION = "《机构编制监督检查工作办法》"
LOCAL_GOVERNMENT = "《地方各级人民政府机构设置和编制管理条例》"
REAL_NAME = "机构编制实名制管理有关规定"

# (code, name, legal basis); a code's parent is the code without its last segment.
NATIONAL = [
    ("C01", "违反党管机构编制原则", f"{REGULATION}关于坚持党管机构编制的规定"),
    ("C01.K01", "机构编制事项未按程序动议论证报批", f"{REGULATION}关于机构编制事项动议、论证、审批程序的规定"),
    ("C01.K01.M01", "未经集体研究决定机构编制事项", f"{REGULATION}关于机构编制事项集体决策的规定"),
    ("C01.K01.M02", "未按规定报批即调整机构编制", f"{REGULATION}关于机构编制事项审批权限的规定"),
    ("C01.K01.M03", "未按规定进行论证评估", f"{REGULATION}关于机构编制事项论证的规定"),
    ("C01.K02", "不执行机构编制重大事项请示报告制度", f"{REGULATION}关于请示报告的规定"),
    ("C01.K02.M01", "机构编制重大事项未按规定请示报告", f"{REGULATION}关于请示报告的规定"),
    ("C02", "违规设置机构", f"{LOCAL_GOVERNMENT}关于机构设置的规定"),
    ("C02.K01", "擅自设立机构", f"{LOCAL_GOVERNMENT}关于机构设立审批的规定"),
    ("C02.K01.M01", "自行设立议事协调机构", f"{REGULATION}关于议事协调机构设置的规定"),
    ("C02.K01.M02", "擅自设立临时机构并长期运行", f"{REGULATION}关于临时机构设置的规定"),
    ("C02.K02", "超限额设置内设机构", f"{LOCAL_GOVERNMENT}关于内设机构限额的规定"),
    ("C02.K02.M01", "内设机构数量超过核定限额", f"{LOCAL_GOVERNMENT}关于内设机构限额的规定"),
    ("C02.K02.M02", "擅自增设或变相增设内设机构", f"{LOCAL_GOVERNMENT}关于内设机构设置的规定"),
    ("C02.K03", "挂牌机构实体化", f"{REGULATION}关于挂牌机构管理的规定"),
    ("C02.K03.M01", "挂牌机构单独配备人员", f"{REGULATION}关于挂牌机构管理的规定"),
    ("C02.K04", "擅自变更机构名称或性质", f"{LOCAL_GOVERNMENT}关于机构变更审批的规定"),
    ("C02.K04.M01", "擅自变更机构名称、性质或隶属关系", f"{LOCAL_GOVERNMENT}关于机构变更审批的规定"),
    ("C03", "超编进人与超职数配备干部", f"{REGULATION}关于编制管理的规定"),
    ("C03.K01", "超编进人", f"{REGULATION}关于严禁超编进人的规定"),
    ("C03.K01.M01", "实有人数超过核定编制数", f"{REGULATION}关于严禁超编进人的规定"),
    ("C03.K01.M02", "混编混岗使用编制", f"{REGULATION}关于按编制类别使用编制的规定"),
    ("C03.K02", "超职数配备干部", f"{REGULATION}关于领导职数管理的规定"),
    ("C03.K02.M01", "领导干部配备超过核定职数", f"{REGULATION}关于领导职数管理的规定"),
    ("C03.K02.M02", "擅自设置职数外职务", f"{REGULATION}关于领导职数管理的规定"),
    ("C03.K03", "超规格配备", f"{REGULATION}关于机构规格的规定"),
    ("C03.K03.M01", "擅自提高机构规格或干部职级", f"{REGULATION}关于机构规格的规定"),
    ("C04", "编制使用管理不规范", f"{SUPERVISION}关于编制使用情况检查的规定"),
    ("C04.K01", "在编不在岗", f"{SUPERVISION}关于编制使用情况检查的规定"),
    ("C04.K01.M01", "在编人员长期不在岗", f"{SUPERVISION}关于编制使用情况检查的规定"),
    ("C04.K02", "长期借调抽调", f"{SUPERVISION}关于借调人员管理的规定"),
    ("C04.K02.M01", "借调人员超过规定期限未返岗", f"{SUPERVISION}关于借调人员管理的规定"),
    ("C04.K02.M02", "从下级单位违规借调人员", f"{SUPERVISION}关于借调人员管理的规定"),
    ("C04.K03", "实名制信息不准确或未及时更新", REAL_NAME),
    ("C04.K03.M01", "实名制系统人员信息与实际不符", REAL_NAME),
    ("C04.K03.M02", "人员变动未及时办理实名制手续", REAL_NAME),
    ("C05", "违反“三定”规定", f"{REGULATION}关于“三定”规定的规定"),
    ("C05.K01", "违反“三定”规定调整职责", f"{REGULATION}关于“三定”规定执行的规定"),
    ("C05.K01.M01", "擅自调整部门职责", f"{REGULATION}关于“三定”规定执行的规定"),
    ("C05.K02", "条条干预", f"{REGULATION}关于严禁上级部门干预下级机构编制的规定"),
    ("C05.K02.M01", "上级部门违规要求设置对应机构", f"{REGULATION}关于严禁上级部门干预下级机构编制的规定"),
    ("C05.K02.M02", "以考核评比等方式干预机构编制", f"{REGULATION}关于严禁上级部门干预下级机构编制的规定"),
    ("C06", "违反机构编制纪律的其他行为", f"{SUPERVISION}关于机构编制纪律的规定"),
    ("C06.K01", "虚报瞒报机构编制数据", f"{SUPERVISION}关于机构编制统计的规定"),
    ("C06.K01.M01", "统计上报数据与实际不符", f"{SUPERVISION}关于机构编制统计的规定"),
    ("C06.K01.M02", "编制使用情况弄虚作假", f"{SUPERVISION}关于机构编制统计的规定"),
    ("C06.K02", "干扰阻碍机构编制监督检查", f"{SUPERVISION}关于配合监督检查的规定"),
    ("C06.K02.M01", "拒不提供或隐瞒有关材料", f"{SUPERVISION}关于配合监督检查的规定"),
]
LEVEL = {0: "category", 1: "kind", 2: "manifestation"}


def upgrade() -> None:
    op.execute("CREATE SCHEMA problem_bank")
    op.create_table(
        "taxonomy_version",
        sa.Column("version", sa.String(16), primary_key=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        schema="problem_bank",
    )
    op.create_table(
        "taxonomy_node",
        sa.Column("version", sa.String(16), sa.ForeignKey("problem_bank.taxonomy_version.version"), primary_key=True),
        sa.Column("code", sa.String(24), primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(24), nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False, server_default=""),
        sa.Column("province_code", sa.String(6), nullable=True),
        sa.ForeignKeyConstraint(["version", "parent_code"], ["problem_bank.taxonomy_node.version", "problem_bank.taxonomy_node.code"]),
        sa.CheckConstraint("level IN ('category', 'kind', 'manifestation')", name="taxonomy_node_level"),
        sa.CheckConstraint("(level = 'category') = (parent_code IS NULL)", name="taxonomy_node_parent"),
        sa.CheckConstraint("province_code IS NULL OR level = 'manifestation'", name="taxonomy_node_province"),
        schema="problem_bank",
    )
    op.create_table(
        "taxonomy_mapping",
        sa.Column("from_version", sa.String(16), sa.ForeignKey("problem_bank.taxonomy_version.version"), primary_key=True),
        sa.Column("from_code", sa.String(24), primary_key=True),
        sa.Column("to_version", sa.String(16), sa.ForeignKey("problem_bank.taxonomy_version.version"), primary_key=True),
        sa.Column("to_code", sa.String(24), nullable=False),
        schema="problem_bank",
    )
    versions = sa.table("taxonomy_version", sa.column("version"), sa.column("note"), schema="problem_bank")
    op.bulk_insert(versions, [{"version": VERSION, "note": "全国默认问题分类"}])
    nodes = sa.table(
        "taxonomy_node",
        sa.column("version"),
        sa.column("code"),
        sa.column("level"),
        sa.column("parent_code"),
        sa.column("name"),
        sa.column("legal_basis"),
        schema="problem_bank",
    )
    op.bulk_insert(
        nodes,
        [
            {
                "version": VERSION,
                "code": code,
                "level": LEVEL[code.count(".")],
                "parent_code": code.rsplit(".", 1)[0] if "." in code else None,
                "name": name,
                "legal_basis": basis,
            }
            for code, name, basis in NATIONAL
        ],
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA problem_bank CASCADE")
