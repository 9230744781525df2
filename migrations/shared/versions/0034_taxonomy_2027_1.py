"""Problem bank: taxonomy edition 2027.1 on the five key contents of the 《机构编制监督检查工作办法》,
its mapping from 2026.1, and provincial kinds.

Categories follow the 《办法》's 坚持党管机构编制, 落实机构改革, 规范机构编制管理, 严格执行“三定”规定,
严肃机构编制纪律. 条条干预 is a kind of its own under 严肃机构编制纪律 (its subject is the
interfering upper department), and the kinds issue 22 names are added. Legal bases cite an
article only where its text was found in a public source (docs/taxonomy.md lists each source).
A 2026.1 code keeps its number where its meaning did not move (C01.K01.M01, C03.K01.M01 …).

Every 2026.1 kind and manifestation maps to a 2027.1 node, provincial manifestations included:
each is carried into 2027.1 under its kind's new code and numbered there. Bank rows move to the
new codes; findings keep the code and edition they were coded with.

A province may now add kinds too (coded Cnn.P<province's first two digits><nn>), so the check
that only manifestations are provincial becomes "categories are national".

Written out rather than imported, so the revision does the same thing whatever later code says.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08
"""

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

FROM, VERSION = "2026.1", "2027.1"
REGULATION = "《中国共产党机构编制工作条例》"
SUPERVISION = "《机构编制监督检查工作办法》"
GOVERNMENT = "地方人民政府行政机构另见《地方各级人民政府机构设置和编制管理条例》"  # government organs only
RIGID = f"{REGULATION}第三条（坚持机构编制刚性约束）"
KEY_CONTENTS = f"{SUPERVISION}第二章（监督检查重点内容）"
REAL_NAME = "机构编制实名制管理有关规定"

# (code, name, legal basis); a code's parent is the code without its last segment.
NATIONAL = [
    ("C01", "坚持党管机构编制", f"{SUPERVISION}第六条；{REGULATION}第三条"),
    ("C01.K01", "机构编制事项未按程序动议论证报批", f"{REGULATION}第四章（论证）"),
    ("C01.K01.M01", "未经集体研究决定机构编制事项", f"{REGULATION}第三条（坚持民主集中制）"),
    ("C01.K01.M02", "未按规定报批即调整机构编制", f"{REGULATION}（机构编制审批权限和程序）"),
    ("C01.K01.M03", "未按规定进行论证评估", f"{REGULATION}第四章（论证）"),
    ("C01.K02", "不执行机构编制重大事项请示报告制度", f"{REGULATION}第六章（组织实施：请示报告）"),
    ("C01.K02.M01", "机构编制重大事项未按规定请示报告", f"{REGULATION}第六章（组织实施：请示报告）"),
    ("C01.K03", "学习宣传贯彻《条例》不到位", f"中共中央印发{REGULATION}的通知（抓好《条例》宣传解读和学习培训）；{REGULATION}第六条"),
    ("C01.K03.M01", "党委（党组）未组织学习《条例》和机构编制法规纪律", f"中共中央印发{REGULATION}的通知"),
    ("C01.K03.M02", "未开展机构编制法规纪律宣传教育", f"中共中央印发{REGULATION}的通知"),
    ("C02", "落实机构改革", f"{KEY_CONTENTS}；{REGULATION}第十七条"),
    ("C02.K01", "机构改革落实不到位", f"{REGULATION}第十七条"),
    ("C02.K01.M01", "未按改革方案完成机构组建、职责划转或人员转隶", f"{REGULATION}第十七条"),
    ("C02.K01.M02", "应撤并的机构未撤并或变相保留", f"{REGULATION}第十七条"),
    ("C02.K02", "标牌悬挂不规范", f"{REGULATION}第十七条；机构改革方案和机构编制部门批准的机构名称"),
    ("C02.K02.M01", "未按批准的机构名称悬挂标牌", "机构编制部门批准的机构名称"),
    ("C02.K02.M02", "擅自增挂牌子或已撤销机构的标牌未摘除", "机构编制部门批准的机构名称"),
    ("C03", "规范机构编制管理", f"{KEY_CONTENTS}；{RIGID}"),
    ("C03.K01", "超编进人", f"{RIGID}；{GOVERNMENT}第六条"),
    ("C03.K01.M01", "实有人数超过核定编制数", f"{RIGID}；{GOVERNMENT}第六条"),
    ("C03.K01.M02", "混编混岗使用编制", f"{RIGID}（按编制类别使用编制）"),
    ("C03.K02", "超职数配备干部", f"{RIGID}（领导职数管理）"),
    ("C03.K02.M01", "领导干部配备超过核定职数", f"{RIGID}（领导职数管理）"),
    ("C03.K02.M02", "擅自设置职数外职务", f"{RIGID}（领导职数管理）"),
    ("C03.K03", "超规格配备", f"{RIGID}（机构规格）"),
    ("C03.K03.M01", "擅自提高机构规格或干部职务层次", f"{RIGID}（机构规格）"),
    ("C03.K04", "擅自设立机构", f"{RIGID}；{GOVERNMENT}第六条"),
    ("C03.K04.M01", "自行设立议事协调机构", f"{REGULATION}（议事协调机构设置）"),
    ("C03.K04.M02", "擅自设立临时机构并长期运行", f"{REGULATION}（临时机构设置）"),
    ("C03.K05", "擅自变更机构名称、性质或隶属关系", f"{REGULATION}（机构编制审批权限和程序）"),
    ("C03.K05.M01", "擅自变更机构名称、性质或隶属关系", f"{REGULATION}（机构编制审批权限和程序）"),
    ("C03.K06", "挂牌机构实体化", f"{REGULATION}（挂牌机构管理）"),
    ("C03.K06.M01", "挂牌机构单独配备人员", f"{REGULATION}（挂牌机构管理）"),
    ("C03.K07", "未经核准进人或未按用编计划进人", f"{RIGID}；本地区进人用编核准和用编计划规定"),
    ("C03.K07.M01", "未经机构编制部门核准即进人", "本地区进人用编核准规定"),
    ("C03.K07.M02", "未按核准的用编计划进人", "本地区用编计划管理规定"),
    ("C03.K08", "违规使用编外人员、政府购买服务用工不规范", f"{RIGID}；政府购买服务有关规定"),
    ("C03.K08.M01", "编外人员顶岗履行职能或占用领导岗位", RIGID),
    ("C03.K08.M02", "以政府购买服务名义变相用人", "政府购买服务有关规定"),
    ("C03.K09", "在编不在岗", f"{REAL_NAME}；本地区在编人员在岗管理规定"),
    ("C03.K09.M01", "在编人员长期不在岗", f"{REAL_NAME}；本地区在编人员在岗管理规定"),
    ("C03.K10", "长期借调抽调", "党政机关借调（抽调）工作人员管理的有关规定"),
    ("C03.K10.M01", "借调人员超过规定期限未返岗", "党政机关借调（抽调）工作人员管理的有关规定"),
    ("C03.K10.M02", "从下级单位违规借调人员", "党政机关借调（抽调）工作人员管理的有关规定"),
    ("C03.K11", "实名制信息不准确或未及时更新", REAL_NAME),
    ("C03.K11.M01", "实名制系统人员信息与实际不符", REAL_NAME),
    ("C03.K11.M02", "人员变动未及时办理实名制手续", REAL_NAME),
    ("C03.K12", "机构编制报告制度执行不到位", "本地区机构编制报告制度（如《中共甘肃省委机构编制管理规定（试行）》第三十四条）"),
    ("C03.K12.M01", "未按时向本级机构编制委员会报告年度机构编制工作", "本地区机构编制报告制度"),
    ("C04", "严格执行“三定”规定", f"{KEY_CONTENTS}；{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K01", "违反“三定”规定调整职责", f"{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K01.M01", "擅自调整部门职责", f"{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K02", "超限额设置内设机构", "本单位“三定”规定核定的内设机构"),
    ("C04.K02.M01", "内设机构数量超过核定限额", "本单位“三定”规定核定的内设机构"),
    ("C04.K02.M02", "擅自增设或变相增设内设机构", "本单位“三定”规定核定的内设机构"),
    ("C04.K03", "随意解读“三定”规定", f"{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K03.M01", "对“三定”规定作扩大或限缩解释", f"{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K03.M02", "以内部文件变更“三定”规定内容", f"{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K04", "职能履行不到位", f"{REGULATION}第六章（组织实施：“三定”规定）"),
    ("C04.K04.M01", "“三定”规定明确的职责未履行或履行不到位", "本单位“三定”规定"),
    ("C04.K04.M02", "部门间职责边界不清、推诿扯皮", f"{REGULATION}第六章（组织实施：部门职责协调）"),
    ("C05", "严肃机构编制纪律", f"{KEY_CONTENTS}；{REGULATION}第七章（监督问责）"),
    ("C05.K01", "条条干预（上级部门干预下级机构编制）", f"{REGULATION}第二十七条；{GOVERNMENT}第七条"),
    ("C05.K01.M01", "上级部门要求下级设立对应机构或配备编制、领导职数", f"{REGULATION}第二十七条；{GOVERNMENT}第七条"),
    ("C05.K01.M02", "上级部门通过项目资金分配干预下级机构编制", f"{REGULATION}第二十七条"),
    ("C05.K01.M03", "上级部门通过督查考核、评比表彰、达标验收干预下级机构编制", f"{REGULATION}第二十七条"),
    ("C05.K02", "越权审批机构编制事项", f"{REGULATION}（机构编制审批权限和程序）"),
    ("C05.K02.M01", "超越管理权限审批机构编制事项", f"{REGULATION}（机构编制审批权限和程序）"),
    ("C05.K02.M02", "机构编制部门以外的机构审批机构编制事项", f"{REGULATION}（机构编制审批权限和程序）"),
    ("C05.K03", "在规章和规范性文件中规定机构编制事项", f"{REGULATION}第二十七条第二款"),
    ("C05.K03.M01", "部门规章、规范性文件就机构编制事项作出具体规定", f"{REGULATION}第二十七条第二款"),
    ("C05.K03.M02", "以部门规章、规范性文件作为审批机构编制的依据", f"{REGULATION}第二十七条第二款"),
    ("C05.K04", "虚报瞒报机构编制数据", f"{REGULATION}第七章（监督问责）；{GOVERNMENT}第二十三条"),
    ("C05.K04.M01", "统计上报数据与实际不符", f"{REGULATION}第七章（监督问责）；{GOVERNMENT}第二十三条"),
    ("C05.K04.M02", "编制使用情况弄虚作假", f"{REGULATION}第七章（监督问责）"),
    ("C05.K05", "干扰阻碍机构编制监督检查", SUPERVISION),
    ("C05.K05.M01", "拒不提供或隐瞒有关材料", SUPERVISION),
    ("C05.K06", "问题整改不力、屡查屡犯", f"{SUPERVISION}；{REGULATION}第七章（监督问责）"),
    ("C05.K06.M01", "未按期完成整改或整改不到位", SUPERVISION),
    ("C05.K06.M02", "已销号问题反弹或同类问题屡查屡犯", SUPERVISION),
]

# Where each 2026.1 kind and manifestation went (categories have no single successor).
MAPPING = {
    "C01.K01": "C01.K01",
    "C01.K01.M01": "C01.K01.M01",
    "C01.K01.M02": "C01.K01.M02",
    "C01.K01.M03": "C01.K01.M03",
    "C01.K02": "C01.K02",
    "C01.K02.M01": "C01.K02.M01",
    "C02.K01": "C03.K04",
    "C02.K01.M01": "C03.K04.M01",
    "C02.K01.M02": "C03.K04.M02",
    "C02.K02": "C04.K02",
    "C02.K02.M01": "C04.K02.M01",
    "C02.K02.M02": "C04.K02.M02",
    "C02.K03": "C03.K06",
    "C02.K03.M01": "C03.K06.M01",
    "C02.K04": "C03.K05",
    "C02.K04.M01": "C03.K05.M01",
    "C03.K01": "C03.K01",
    "C03.K01.M01": "C03.K01.M01",
    "C03.K01.M02": "C03.K01.M02",
    "C03.K02": "C03.K02",
    "C03.K02.M01": "C03.K02.M01",
    "C03.K02.M02": "C03.K02.M02",
    "C03.K03": "C03.K03",
    "C03.K03.M01": "C03.K03.M01",
    "C04.K01": "C03.K09",
    "C04.K01.M01": "C03.K09.M01",
    "C04.K02": "C03.K10",
    "C04.K02.M01": "C03.K10.M01",
    "C04.K02.M02": "C03.K10.M02",
    "C04.K03": "C03.K11",
    "C04.K03.M01": "C03.K11.M01",
    "C04.K03.M02": "C03.K11.M02",
    "C05.K01": "C04.K01",
    "C05.K01.M01": "C04.K01.M01",
    "C05.K02": "C05.K01",
    "C05.K02.M01": "C05.K01.M01",
    "C05.K02.M02": "C05.K01.M03",
    "C06.K01": "C05.K04",
    "C06.K01.M01": "C05.K04.M01",
    "C06.K01.M02": "C05.K04.M02",
    "C06.K02": "C05.K05",
    "C06.K02.M01": "C05.K05.M01",
}
LEVEL = {0: "category", 1: "kind", 2: "manifestation"}

nodes = sa.table(
    "taxonomy_node",
    sa.column("version"),
    sa.column("code"),
    sa.column("level"),
    sa.column("parent_code"),
    sa.column("name"),
    sa.column("legal_basis"),
    sa.column("province_code"),
    schema="problem_bank",
)
mappings = sa.table(
    "taxonomy_mapping",
    sa.column("from_version"),
    sa.column("from_code"),
    sa.column("to_version"),
    sa.column("to_code"),
    schema="problem_bank",
)


def upgrade() -> None:
    op.drop_constraint("taxonomy_node_province", "taxonomy_node", schema="problem_bank")
    op.create_check_constraint(
        "taxonomy_node_province", "taxonomy_node", "province_code IS NULL OR level <> 'category'", schema="problem_bank"
    )
    op.execute(
        sa.text(
            "INSERT INTO problem_bank.taxonomy_version (version, published_at, note)"
            " VALUES (:v, now(), '按《机构编制监督检查工作办法》五项重点内容修订的全国默认问题分类')"
        ).bindparams(v=VERSION)
    )
    rows = [
        {
            "version": VERSION,
            "code": code,
            "level": LEVEL[code.count(".")],
            "parent_code": code.rsplit(".", 1)[0] if "." in code else None,
            "name": name,
            "legal_basis": basis,
            "province_code": None,
        }
        for code, name, basis in NATIONAL
    ]
    targets = dict(MAPPING)
    numbered: Counter[tuple[str, str]] = Counter()
    provincial = op.get_bind().execute(
        sa.text(
            "SELECT code, parent_code, name, legal_basis, province_code FROM problem_bank.taxonomy_node"
            " WHERE version = :v AND province_code IS NOT NULL ORDER BY code"
        ),
        {"v": FROM},
    )
    for row in provincial:  # 2026.1 had provincial manifestations only, under national kinds
        kind = MAPPING[row.parent_code]
        numbered[kind, row.province_code] += 1
        code = f"{kind}.P{row.province_code[:2]}{numbered[kind, row.province_code]:02d}"
        rows.append({**row._asdict(), "version": VERSION, "code": code, "level": "manifestation", "parent_code": kind})
        targets[row.code] = code
    op.bulk_insert(nodes, rows)
    op.bulk_insert(
        mappings, [{"from_version": FROM, "from_code": old, "to_version": VERSION, "to_code": new} for old, new in targets.items()]
    )
    op.execute(  # problem_bank.projection.remap_to_current, as it is today
        "UPDATE problem_bank.problem p SET taxonomy_code = m.to_code, taxonomy_version = m.to_version, projected_at = now()"
        " FROM problem_bank.taxonomy_mapping m WHERE m.from_version = p.taxonomy_version AND m.from_code = p.taxonomy_code"
    )


def downgrade() -> None:
    """Bank rows go back to the code their finding was coded with. Refused while a finding is
    coded in 2027.1: its code would exist in no edition."""
    bind = op.get_bind()
    tenants = bind.execute(
        sa.text(
            "SELECT DISTINCT t.code, t.schema_name FROM problem_bank.problem p JOIN tenancy.tenant t ON t.code = p.tenant_code"
            " WHERE p.taxonomy_version = :v"
        ),
        {"v": VERSION},
    ).all()
    for tenant in tenants:
        bind.execute(
            sa.text(
                f"UPDATE problem_bank.problem p SET taxonomy_code = f.taxonomy_code, taxonomy_version = f.taxonomy_version, projected_at = now()"
                f' FROM "{tenant.schema_name}".finding f WHERE p.tenant_code = :code AND p.finding_id = f.id AND f.taxonomy_version = :from'
            ),
            {"code": tenant.code, "from": FROM},
        )
    if bind.execute(sa.text("SELECT count(*) FROM problem_bank.problem WHERE taxonomy_version = :v"), {"v": VERSION}).scalar_one():
        raise RuntimeError(f"problems are coded in taxonomy edition {VERSION}: it cannot be withdrawn")
    bind.execute(sa.text("DELETE FROM problem_bank.taxonomy_mapping WHERE to_version = :v"), {"v": VERSION})
    bind.execute(sa.text("DELETE FROM problem_bank.taxonomy_node WHERE version = :v AND level = 'manifestation'"), {"v": VERSION})
    bind.execute(sa.text("DELETE FROM problem_bank.taxonomy_node WHERE version = :v AND level = 'kind'"), {"v": VERSION})
    bind.execute(sa.text("DELETE FROM problem_bank.taxonomy_node WHERE version = :v"), {"v": VERSION})
    bind.execute(sa.text("DELETE FROM problem_bank.taxonomy_version WHERE version = :v"), {"v": VERSION})
    op.drop_constraint("taxonomy_node_province", "taxonomy_node", schema="problem_bank")
    op.create_check_constraint(
        "taxonomy_node_province", "taxonomy_node", "province_code IS NULL OR level = 'manifestation'", schema="problem_bank"
    )
