"""What the demo's findings say: for every manifestation of taxonomy edition 2027.1, the facts an
inspector writes down — who, how many, since when, which document — and the evidence they rest
on; a round uses the methods that yield that evidence. A finding about a unit's staffing or posts
quotes the unit's own figures and its “三定”规定, so the ledger agrees with the unit's record.

An 超编 finding is rectified over years (逐年消化, 只出不进): 长期整改 with a three-year plan."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from backend.findings.models import EvidenceSource, RectificationClass
from backend.rounds.models import InspectionMethod

# The method that yields each evidence source (宁波's "6+6").
METHOD_OF = {
    EvidenceSource.REAL_NAME_DATA: InspectionMethod.REAL_NAME_SCREENING,
    EvidenceSource.APPOINTMENT_DOCUMENTS: InspectionMethod.DOCUMENT_REVIEW,
    EvidenceSource.OFFICIAL_WEBSITE: InspectionMethod.DATA_COMPARISON,
    EvidenceSource.WORK_REPORTS: InspectionMethod.HEARING_REPORTS,
    EvidenceSource.ON_SITE: InspectionMethod.ON_SITE_CHECK,
    EvidenceSource.DINGTALK_DATA: InspectionMethod.DATA_COMPARISON,
}
OVER_STAFFING = "C03.K01.M01"
OVER_POSTS = "C03.K02.M01"
OVER_BODIES = "C04.K02.M01"
ABSORBING_YEARS = 3  # an 超编 finding's 消化 plan


@dataclass(frozen=True)
class UnitFacts:
    """What a finding may quote of its unit."""

    name: str
    organ: bool  # a party or government organ (机关); else a 事业单位, without a 三定 内设机构 limit
    county: bool  # a county's unit (股, 科级) or a city's (科, 处级)
    document_prefix: str  # its own documents' 代字, e.g. 双财发
    office_prefix: str  # its 编办's, e.g. 双编办函
    mandate: str  # its “三定”规定's 文号
    head_post: str  # 局长, 院长, 主任
    body: str  # one of its internal bodies
    approved: int
    actual: int
    approved_deputies: int
    actual_deputies: int
    approved_bodies: int | None
    bodies: int

    @property
    def rank(self) -> str:
        """The rank a raised internal body claims (one above its approved 股级 or 正科级)."""
        return "副科级" if self.county else "副处级"

    @property
    def lower(self) -> str:
        """The level below the unit's region."""
        return "乡镇（街道）" if self.county else "县市区"


@dataclass(frozen=True)
class Fact:
    code: str
    text: str  # str.format over UnitFacts' fields and n, k, since, year, doc, over
    evidence: tuple[EvidenceSource, ...]
    organs_only: bool = False

    def applies_to(self, unit: UnitFacts) -> bool:
        if self.organs_only and not unit.organ:
            return False
        if self.code == OVER_STAFFING:
            return unit.actual > unit.approved
        if self.code == OVER_POSTS:
            return unit.actual_deputies > unit.approved_deputies
        if self.code == OVER_BODIES:
            return unit.approved_bodies is not None and unit.bodies > unit.approved_bodies
        return True


_R, _A, _W, _P, _S, _D = (
    EvidenceSource.REAL_NAME_DATA,
    EvidenceSource.APPOINTMENT_DOCUMENTS,
    EvidenceSource.OFFICIAL_WEBSITE,
    EvidenceSource.WORK_REPORTS,
    EvidenceSource.ON_SITE,
    EvidenceSource.DINGTALK_DATA,
)
FACTS = (
    Fact(
        "C01.K01.M01", "{since}年以来调整内设机构职责和人员分工 {n} 项，未经党组（党委）会议集体研究，由{head_post}签发{doc}直接执行", (_A,)
    ),
    Fact("C01.K01.M02", "{since}年以{doc}将{body}更名并调整职责，涉及人员 {n} 名，未按规定报批", (_A,)),
    Fact("C01.K01.M03", "{since}年以{doc}申请增加编制 {n} 名，未开展必要性和可行性论证评估，申请材料无论证报告", (_P,)),
    Fact("C01.K02.M01", "{since}年调整领导班子分工和内设机构设置 {n} 项，未向机构编制委员会请示报告，仅以{doc}内部发文", (_P,)),
    Fact(
        "C01.K03.M01",
        "{since}年以来党组（党委）理论学习中心组学习 {n} 次，均未安排《中国共产党机构编制工作条例》学习内容（年度学习计划{doc}）",
        (_P,),
    ),
    Fact("C01.K03.M02", "{since}年以来未开展机构编制法规纪律宣传教育，新进人员 {n} 名的岗前培训方案（{doc}）无相关内容", (_P,)),
    Fact("C02.K01.M01", "{mandate}明确的职责划转至今未完成，{n} 名应转隶人员{since}年以来仍在原岗位工作", (_R, _A)),
    Fact("C02.K01.M02", "{mandate}明确撤销的机构仍以原名义运行，{since}年以来仍配备工作人员 {n} 名、以原名义发文（{doc}）", (_S, _R)),
    Fact("C02.K02.M01", "办公楼悬挂的机构标牌 {n} 块仍为{since}年改革前名称，与{mandate}核定的名称不一致", (_S,)),
    Fact("C02.K02.M02", "{since}年以{doc}擅自增挂“服务中心”等标牌 {n} 块，{mandate}未核定", (_S,)),
    Fact(
        OVER_STAFFING,
        "实有在编人员 {actual} 名，超过{mandate}核定的 {approved} 名，超编 {over} 名，系{since}年以来以{doc}等文件陆续调入",
        (_R,),
    ),
    Fact("C03.K01.M02", "{n} 名其他类别编制人员{since}年起在{body}履行行政职能，混编混岗，与{mandate}核定的编制类别不符", (_R,)),
    Fact(
        OVER_POSTS,
        "实配副职领导 {actual_deputies} 名，超过{mandate}核定的职数 {approved_deputies} 名，超职数 {over} 名，系{since}年以{doc}任命",
        (_A,),
    ),
    Fact("C03.K02.M02", "{since}年以{doc}设置“总监”等职数外职务 {n} 个，未经机构编制部门核定", (_A,)),
    Fact("C03.K03.M01", "{since}年以{doc}明确{body}等 {n} 个内设机构负责人按{rank}配备，高于{mandate}核定的机构规格", (_A,)),
    Fact("C03.K04.M01", "{since}年以{doc}自行设立“重点项目建设工作领导小组”等议事协调机构 {n} 个，未报机构编制部门审批", (_P,)),
    Fact("C03.K04.M02", "{since}年以{doc}设立的临时机构“专项工作专班”长期运行，抽调人员 {n} 名常驻办公", (_S, _A)),
    Fact("C03.K05.M01", "{since}年以{doc}擅自将所属 {n} 个内设机构更名并调整隶属关系，与{mandate}不一致", (_A, _W)),
    Fact("C03.K06.M01", "{mandate}确定的挂牌机构{since}年起单独配备工作人员 {n} 名，并以挂牌机构名义单独发文（{doc}）", (_R, _A)),
    Fact("C03.K07.M01", "{since}年未经机构编制部门核准进人 {n} 名（{doc}），入编手续事后补办", (_R, _A)),
    Fact("C03.K07.M02", "{since}年未按核准的用编计划进人，超出计划进人 {n} 名，岗位与计划不符（{doc}）", (_R,)),
    Fact("C03.K08.M01", "{since}年以来编外人员 {n} 名在{body}顶岗履行职能，其中 1 名担任{body}负责人（{doc}）", (_S, _D)),
    Fact(
        "C03.K08.M02", "{since}年以政府购买服务名义招用人员 {n} 名从事{body}日常管理工作，服务合同（{doc}）约定内容与实际岗位不符", (_D, _S)
    ),
    Fact("C03.K09.M01", "在编人员 {n} 名自{since}年起长期不在岗，实名制系统仍登记在岗，请假审批（{doc}）期限早已届满", (_R, _D)),
    Fact("C03.K10.M01", "{since}年借调的工作人员 {n} 名超过借调函（{doc}）约定的期限仍未返回原单位", (_R, _A)),
    Fact("C03.K10.M02", "{since}年以来从下级单位借调工作人员 {n} 名在本单位工作，未履行审批手续（{doc}）", (_D, _R)),
    Fact("C03.K11.M01", "实名制系统中 {n} 名人员的职务和所在内设机构与任职文件（{doc}）不符，{since}年以来未核对更新", (_R, _A)),
    Fact("C03.K11.M02", "{since}年调出、退休人员 {n} 名未在实名制系统办理减员手续（{doc}）", (_R,)),
    Fact("C03.K12.M01", "{since}年度机构编制工作情况未按规定于次年 1 月底前报告，迟报 {n} 个月（{doc}）", (_P,)),
    Fact("C04.K01.M01", "{since}年以{doc}将{mandate}规定的 {n} 项职责交由所属单位承担，未报机构编制部门审批", (_P, _A)),
    Fact(
        OVER_BODIES,
        "实设内设机构 {bodies} 个，超过{mandate}核定的 {approved_bodies} 个，系{since}年以{doc}增设",
        (_A, _S),
        organs_only=True,
    ),
    Fact(
        "C04.K02.M02", "{since}年以{doc}在{body}下增设“综合组”“督查组”等 {n} 个，变相增设内设机构，{mandate}未核定", (_A,), organs_only=True
    ),
    Fact("C04.K03.M01", "对{mandate}规定的职责作扩大解释，{since}年起以{doc}将 {n} 项应由{lower}承担的事项收归本单位", (_P,)),
    Fact("C04.K03.M02", "{since}年以内部文件{doc}调整{mandate}确定的内设机构职责 {n} 项", (_A,)),
    Fact("C04.K04.M01", "{mandate}明确的{body}职责中有 {n} 项自{since}年以来未履行，年度工作总结（{doc}）无相关内容", (_P,)),
    Fact("C04.K04.M02", "与相关部门的 {n} 项交叉职责{since}年以来相互推诿，未按{mandate}划定的职责边界履职", (_P, _S)),
    Fact("C05.K01.M01", "{since}年以{doc}要求{lower}设立对应机构、配备专职人员，涉及 {n} 个地方", (_A, _W), organs_only=True),
    Fact("C05.K01.M02", "{since}年以{doc}将项目资金分配与{lower}设立对应机构挂钩，涉及 {n} 个地方", (_P,), organs_only=True),
    Fact(
        "C05.K01.M03", "{since}年度考核细则（{doc}）将设立对应机构、配备专职人员列为加分项，涉及 {n} 个{lower}", (_P, _W), organs_only=True
    ),
    Fact("C05.K02.M01", "{since}年以{doc}自行批准所属单位增设内设机构 {n} 个，超越管理权限", (_A,)),
    Fact("C05.K02.M02", "{since}年自行审批所属单位增加编制 {n} 名（{doc}），未经机构编制部门", (_A,)),
    Fact("C05.K03.M01", "{since}年印发的规范性文件{doc}中有 {n} 项条款就下级机构设置和人员编制作出具体规定", (_W,), organs_only=True),
    Fact("C05.K03.M02", "{since}年以本单位规范性文件{doc}作为审批所属单位机构编制事项的依据，涉及事项 {n} 项", (_W, _A), organs_only=True),
    Fact("C05.K04.M01", "{since}年度机构编制统计上报的实有人数比实名制数据少报 {n} 名（{doc}）", (_R,)),
    Fact("C05.K04.M02", "{since}年将编外人员 {n} 名登记为在编人员申报经费（{doc}）", (_R, _D)),
    Fact("C05.K05.M01", "未按{office_prefix}〔{year}〕{k}号调阅材料清单提供{since}年以来的人员调配文件 {n} 份，经催要仍未提供", (_P,)),
    Fact("C05.K06.M01", "{since}年检查反馈的 {n} 个问题逾期未完成整改（{office_prefix}〔{since}〕{k}号）", (_P,)),
    Fact("C05.K06.M02", "{since}年已销号的超编问题反弹，又超编进人 {n} 名（销号通知{office_prefix}〔{since}〕{k}号）", (_R,)),
)


@dataclass(frozen=True)
class Stated:
    """A finding as written: its facts, evidence and (for 超编) its 消化 plan."""

    code: str
    description: str
    evidence: list[str]
    rectification_class: RectificationClass | None  # None: the default (限期整改)
    deadline_days: int | None  # None: the round's choice
    measures: str | None


def absorbed_by(found_on: date) -> date:
    """The deadline of an 超编 finding found on `found_on`: the end of its 消化 plan's last year."""
    return date(found_on.year + ABSORBING_YEARS, 12, 31)


def absorbing_plan(over: int, found_on: date) -> str:
    """An 超编 finding's 逐年消化 plan: `over` spread over the ABSORBING_YEARS after `found_on`."""
    per_year = [over // ABSORBING_YEARS + (year < over % ABSORBING_YEARS) for year in range(ABSORBING_YEARS)]
    steps = "、".join(f"{found_on.year + 1 + year}年消化 {count} 名" for year, count in enumerate(per_year) if count)
    return f"制定超编人员消化计划：{steps}；消化完毕前只出不进，通过自然减员逐年消化"


def state(rng: random.Random, unit: UnitFacts, found_on: date) -> Stated:
    """One finding about `unit`: a manifestation that fits it, in its own figures."""
    fact = rng.choice([fact for fact in FACTS if fact.applies_to(unit)])
    since = found_on.year - rng.randint(1, 4)
    k = rng.randint(2, 30)
    over = {OVER_STAFFING: unit.actual - unit.approved, OVER_POSTS: unit.actual_deputies - unit.approved_deputies}.get(fact.code, 0)
    fields = {name: getattr(unit, name) for name in UnitFacts.__dataclass_fields__}
    description = fact.text.format(
        **fields,
        rank=unit.rank,
        lower=unit.lower,
        n=rng.randint(1, 4),
        k=k,
        since=since,
        year=found_on.year,
        doc=f"{unit.document_prefix}〔{since}〕{k}号",
        over=over,
    )
    evidence = [source.value for source in fact.evidence]
    if fact.code != OVER_STAFFING:
        return Stated(fact.code, description, evidence, None, None, None)
    days = (absorbed_by(found_on) - found_on).days
    return Stated(fact.code, description, evidence, RectificationClass.LONG_TERM, days, absorbing_plan(over, found_on))


def methods_for(evidence: list[str], *also: InspectionMethod) -> list[str]:
    """A round's methods: 常规检查, `also`, and whatever yields its findings' `evidence`."""
    methods = {InspectionMethod.ROUTINE, *also} | {METHOD_OF[EvidenceSource(source)] for source in evidence}
    return [method.value for method in InspectionMethod if method in methods]
