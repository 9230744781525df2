"""The early-warning rules (预警规则): each a small named function over one unit's facts and
the rule's setting, returning the breaches it finds. No database, no clock: the engine
gathers the facts, the rules judge them.

Every breach measures what the unit has against what it may have; its excess (measured −
allowed) gives its level: red from `red_at`, yellow from `yellow_at`, blue below (满编, at
the limit, is blue). A province may change a rule's setting for its subtree; the national
defaults are here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from backend.staff.models import Education, PostType
from backend.staff.retirement import MEN, WOMEN, WOMEN_WORKERS, retirement_month
from backend.warnings.models import WarningLevel
from tenants.labelled import Labelled

MAX_SETTING = 100_000
FORECAST_YEARS = 3  # how far 预计空编 looks ahead (the 用编计划 view shows each of 1 to 3 years)
OLDER_AGE = 50  # 人员结构: the share of staff of this age or older …
LOW_EDUCATION = frozenset({Education.COLLEGE, Education.SECONDARY})  # … and of those with 大专 or less
STRUCTURE_GROUPS = {"年龄": f"{OLDER_AGE} 岁及以上", "学历": "大专及以下学历"}
MIN_STRUCTURE_STAFF = 5  # a smaller unit's shares say nothing
WORKER_POSTS = frozenset({PostType.ORGAN_WORKER, PostType.SKILLED_WORKER})
INSTITUTION_POSTS = frozenset({PostType.MANAGEMENT, PostType.PROFESSIONAL, PostType.SKILLED_WORKER})
POSTS_OF_CATEGORY: dict[str | None, frozenset[str]] = {  # 混岗: the posts a 编制类别 may hold (其他编制 is not judged)
    "行政编制": frozenset({PostType.ADMINISTRATIVE}),
    "政法专项编制": frozenset({PostType.ADMINISTRATIVE}),
    "机关工勤编制": frozenset({PostType.ORGAN_WORKER}),
    "事业编制": INSTITUTION_POSTS,
    None: frozenset(PostType) - {PostType.ADMINISTRATIVE},  # 编外 persons never hold a 行政 post
}


class WarningRule(Labelled):
    """The rules by code (stored with each warning and setting) and name (what offices call them)."""

    OVER_STAFFING = "over_staffing", "超编"
    AT_LIMIT = "at_limit", "满编"
    OVER_POSTS = "over_posts", "超职数配备干部"
    OVER_INTERNAL_BODIES = "over_internal_bodies", "超限额设置内设机构"
    ABSENT_FROM_POST = "absent_from_post", "在编不在岗"
    LONG_SECONDMENT = "long_secondment", "长期借调"
    STALE_DATA = "stale_data", "实名制信息未及时更新"
    MIXED_POSTS = "mixed_posts", "混编混岗"
    OVER_BODY_POSTS = "over_body_posts", "内设机构超职数配备干部"
    VACANCY = "vacancy", "空编"
    FORECAST_VACANCY = "forecast_vacancy", "预计空编"
    STALE_MANDATE = "stale_mandate", "“三定”规定调整滞后"
    STAFF_STRUCTURE = "staff_structure", "人员结构不合理"
    OFF_ROLL = "off_roll", "编外及购买服务用工超比例"


@dataclass(frozen=True)
class Setting:
    parameter: int | None  # the rule's own limit, where it has one
    yellow_at: int
    red_at: int

    def level(self, excess: int) -> WarningLevel:
        if excess >= self.red_at:
            return WarningLevel.RED
        return WarningLevel.YELLOW if excess >= self.yellow_at else WarningLevel.BLUE


@dataclass(frozen=True)
class Breach:
    key: str  # the subject within the unit: a staffing category, a rank, or '' (the unit)
    measured: int
    allowed: int

    @property
    def excess(self) -> int:
        return self.measured - self.allowed


@dataclass(frozen=True)
class Person:
    """A person on a unit's 实名制 record, as the rules read them."""

    category: str | None  # 编制类别; None: 编外
    post_type: str | None
    birth_year: int | None
    education: str | None
    male: bool

    def retires_by(self, year: int, month: int) -> bool:
        if self.birth_year is None:
            return False
        schedule = MEN if self.male else WOMEN_WORKERS if self.post_type in WORKER_POSTS else WOMEN
        return retirement_month(self.birth_year, schedule) <= (year, month)


@dataclass(frozen=True)
class UnitFacts:
    """What the rules read of one unit on `today`."""

    approved_staffing: dict[str, int]  # 核定编制数 by category
    actual_staffing: dict[str, int]  # 实有人数 by category
    leadership_posts: dict[str, int]  # 领导职数 by rank
    actual_posts: dict[str, int]  # 实配领导 by rank
    internal_bodies: int  # as the unit has set them up
    actual_as_of: date | None  # when the actual numbers were last reported
    off_post: int  # persons on the unit's books, not at their post and not seconded (在编不在岗)
    secondments: tuple[date, ...]  # start dates of the secondments still running today
    today: date
    approved_internal_bodies: int | None = None  # by its 三定; None: not recorded
    body_leader_posts: dict[str, int] = field(default_factory=dict)  # 领导职数 by internal body
    body_leaders: dict[str, int] = field(default_factory=dict)  # 实配领导 by internal body
    mandate_issued_on: date | None = None  # the 三定's date
    staff: tuple[Person, ...] = ()  # its 实名制 record, 在编 and 编外


def _over(approved: dict[str, int], actual: dict[str, int]) -> list[Breach]:
    """Per key, more than approved (a key without approval has 0)."""
    breaches = [Breach(key, actual.get(key, 0), approved.get(key, 0)) for key in sorted(approved.keys() | actual.keys())]
    return [b for b in breaches if b.excess > 0]


def _share(of: int, percent: int) -> int:
    """`percent` of `of`, rounded down: the most a share allows."""
    return of * percent // 100


def over_staffing(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """超编: more people than approved staffing, per category."""
    return _over(facts.approved_staffing, facts.actual_staffing)


def at_limit(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """满编: a category whose vacancies are down to `parameter` (0: exactly at the approval)."""
    vacancies = setting.parameter or 0
    return [
        Breach(c, facts.actual_staffing.get(c, 0), approved)
        for c, approved in sorted(facts.approved_staffing.items())
        if approved > 0 and 0 <= approved - facts.actual_staffing.get(c, 0) <= vacancies
    ]


def over_posts(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """超职数配备干部: more leaders of a rank than its approved posts."""
    return _over(facts.leadership_posts, facts.actual_posts)


def over_body_posts(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """内设机构超职数配备干部: more leaders in an internal body than its approved posts."""
    return _over(facts.body_leader_posts, facts.body_leaders)


def over_internal_bodies(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """超限额设置内设机构: more internal bodies than the unit's 三定 approves (a unit whose
    approved number is not recorded has nothing to compare, and is not flagged)."""
    approved = facts.approved_internal_bodies
    return [Breach("", facts.internal_bodies, approved)] if approved is not None and facts.internal_bodies > approved else []


def absent_from_post(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """在编不在岗: persons on the books who are neither at their post nor seconded."""
    return [Breach("", facts.off_post, 0)] if facts.off_post else []


def long_secondment(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """长期借调: persons seconded for longer than `parameter` days and not back."""
    days = setting.parameter or 0
    long = sum(1 for start in facts.secondments if (facts.today - start).days > days)
    return [Breach("", long, 0)] if long else []


def stale_data(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """实名制信息未及时更新: the actual numbers are older than `parameter` days (a unit that
    never reported any has nothing to compare, and is not flagged)."""
    if facts.actual_as_of is None:
        return []
    age, limit = (facts.today - facts.actual_as_of).days, setting.parameter or 0
    return [Breach("", age, limit)] if age > limit else []


def mixed_posts(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """混编混岗: persons whose post type their 编制类别 (or being 编外) does not allow, such as
    a 行政编制 in a 事业单位's post or a 事业编制 in a 行政 post."""
    mixed = sum(
        1
        for p in facts.staff
        if p.post_type is not None and p.category in POSTS_OF_CATEGORY and p.post_type not in POSTS_OF_CATEGORY[p.category]
    )
    return [Breach("", mixed, 0)] if mixed else []


def vacancies(facts: UnitFacts, years: int = 0) -> dict[str, int]:
    """Per approved category, its vacancies today (approved − actual, negative when over) or,
    `years` ahead, once those on the record who reach retirement age by then have left."""
    horizon = (facts.today.year + years, facts.today.month)
    retiring = Counter(p.category for p in facts.staff if years and p.category is not None and p.retires_by(*horizon))
    return {
        c: approved - facts.actual_staffing.get(c, 0) + retiring[c]
        for c, approved in sorted(facts.approved_staffing.items())
        if approved > 0
    }


def _beyond_line(facts: UnitFacts, percent: int, years: int = 0) -> list[Breach]:
    """Categories with more vacancies (`years` ahead) than `percent` of their approval."""
    breaches = [Breach(c, vacant, _share(facts.approved_staffing[c], percent)) for c, vacant in vacancies(facts, years).items()]
    return [b for b in breaches if b.excess > 0]


def vacancy(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """空编: a category with more vacancies than `parameter` per cent of its approval."""
    return _beyond_line(facts, setting.parameter or 0)


def forecast_vacancy(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """预计空编: a category within `parameter` per cent of vacancies today that goes beyond it
    in FORECAST_YEARS years by retirements (one already beyond it is 空编)."""
    now = {b.key for b in _beyond_line(facts, setting.parameter or 0)}
    return [b for b in _beyond_line(facts, setting.parameter or 0, FORECAST_YEARS) if b.key not in now]


def stale_mandate(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """“三定”规定调整滞后: the unit's 三定 is more than `parameter` years old (measured in whole
    years); a unit whose 三定 date is not recorded is not flagged."""
    issued, limit, today = facts.mandate_issued_on, setting.parameter or 0, facts.today
    if issued is None or today <= _years_after(issued, limit):
        return []
    return [Breach("", today.year - issued.year - ((today.month, today.day) < (issued.month, issued.day)), limit)]


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def staff_structure(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """人员结构不合理: of the 在编 persons whose age (education) is on record, those OLDER_AGE or
    older (with 大专 or less) are more than `parameter` per cent; measured in whole per cent."""
    percent, on_roll = setting.parameter or 0, [p for p in facts.staff if p.category is not None]
    groups = {
        "年龄": [facts.today.year - p.birth_year >= OLDER_AGE for p in on_roll if p.birth_year is not None],
        "学历": [p.education in LOW_EDUCATION for p in on_roll if p.education is not None],
    }
    breaches = [Breach(key, sum(flags) * 100 // len(flags), percent) for key, flags in groups.items() if len(flags) >= MIN_STRUCTURE_STAFF]
    return [b for b in breaches if b.excess > 0]


def off_roll(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """编外及购买服务用工超比例: more 编外 persons (编外聘用, 政府购买服务, 劳务派遣) than `parameter`
    per cent of the unit's approved staffing."""
    count = sum(1 for p in facts.staff if p.category is None)
    allowed = _share(sum(facts.approved_staffing.values()), setting.parameter or 0)
    return [Breach("", count, allowed)] if count > allowed else []


@dataclass(frozen=True)
class Rule:
    code: WarningRule
    check: Callable[[UnitFacts, Setting], list[Breach]]
    default: Setting
    parameter: str | None  # what the parameter means (None: the rule has none)
    taxonomy_code: str | None  # the manifestation a finding from it is coded with (None: a hint, not a violation)
    unit: str  # of measured and allowed
    describe: Callable[[Breach], str]
    parameter_max: int = MAX_SETTING

    @property
    def name(self) -> str:
        return self.code.label


def _counted(what: str) -> Callable[[Breach], str]:
    return lambda b: f"{b.key}{what}{b.allowed}，实有 {b.measured}，超出 {b.excess}"


def _vacant(when: str) -> Callable[[Breach], str]:
    return lambda b: f"{b.key}{when}空编 {b.measured} 名，超过核定编制比例对应的 {b.allowed} 名"


RULES: dict[str, Rule] = {  # by code (a WarningRule, or the code it stores)
    rule.code: rule
    for rule in (
        Rule(WarningRule.OVER_STAFFING, over_staffing, Setting(None, 2, 5), None, "C03.K01.M01", "人", _counted("核定编制 ")),
        Rule(
            WarningRule.AT_LIMIT,
            at_limit,
            Setting(0, 1, 1),
            "距满编的空编数（含）",
            None,
            "人",
            lambda b: f"{b.key}核定编制 {b.allowed}，实有 {b.measured}，空编 {-b.excess}",
        ),
        Rule(WarningRule.OVER_POSTS, over_posts, Setting(None, 1, 3), None, "C03.K02.M01", "名", _counted("领导职数 ")),
        Rule(
            WarningRule.OVER_INTERNAL_BODIES,
            over_internal_bodies,
            Setting(None, 1, 3),
            None,
            "C04.K02.M01",
            "个",
            lambda b: f"实设内设机构 {b.measured} 个，“三定”核定 {b.allowed} 个",
        ),
        Rule(
            WarningRule.ABSENT_FROM_POST,
            absent_from_post,
            Setting(None, 2, 5),
            None,
            "C03.K09.M01",
            "人",
            lambda b: f"在编不在岗 {b.measured} 人",
        ),
        Rule(
            WarningRule.LONG_SECONDMENT,
            long_secondment,
            Setting(365, 2, 5),
            "借调期限（天）",
            "C03.K10.M01",
            "人",
            lambda b: f"借调超过期限未返岗 {b.measured} 人",
        ),
        Rule(
            WarningRule.STALE_DATA,
            stale_data,
            Setting(90, 30, 90),
            "更新期限（天）",
            "C03.K11.M02",
            "天",
            lambda b: f"实名制数据已 {b.measured} 天未更新（期限 {b.allowed} 天）",
        ),
        Rule(
            WarningRule.MIXED_POSTS,
            mixed_posts,
            Setting(None, 2, 5),
            None,
            "C03.K01.M02",
            "人",
            lambda b: f"编制类别与岗位类别不符 {b.measured} 人",
        ),
        Rule(WarningRule.OVER_BODY_POSTS, over_body_posts, Setting(None, 1, 3), None, "C03.K02.M01", "名", _counted("领导职数 ")),
        Rule(WarningRule.VACANCY, vacancy, Setting(20, 3, 10), "空编比例上限（%）", None, "人", _vacant("现"), parameter_max=100),
        Rule(
            WarningRule.FORECAST_VACANCY,
            forecast_vacancy,
            Setting(20, 3, 10),
            "空编比例上限（%）",
            None,
            "人",
            _vacant(f"{FORECAST_YEARS} 年内退休后将"),
            parameter_max=100,
        ),
        Rule(
            WarningRule.STALE_MANDATE,
            stale_mandate,
            Setting(5, 2, 5),
            "“三定”规定的调整周期（年）",
            None,
            "年",
            lambda b: f"“三定”规定印发已满 {b.measured} 年（调整周期 {b.allowed} 年）",
            parameter_max=100,
        ),
        Rule(
            WarningRule.STAFF_STRUCTURE,
            staff_structure,
            Setting(40, 10, 20),
            "占比上限（%）",
            None,
            "%",
            lambda b: f"{STRUCTURE_GROUPS[b.key]}人员占 {b.measured}%，超过 {b.allowed}%",
            parameter_max=100,
        ),
        Rule(
            WarningRule.OFF_ROLL,
            off_roll,
            Setting(10, 2, 5),
            "占核定编制的比例上限（%）",
            None,
            "人",
            lambda b: f"编外及购买服务用工 {b.measured} 人，超过核定编制比例对应的 {b.allowed} 人",
            parameter_max=100,
        ),
    )
}
