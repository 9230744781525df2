"""The early-warning rules (预警规则): each a small named function over one unit's facts and
the rule's setting, returning the breaches it finds. No database, no clock: the engine
gathers the facts, the rules judge them.

Every breach measures what the unit has against what it may have; its excess (measured −
allowed) gives its level: red from `red_at`, yellow from `yellow_at`, blue below (满编, at
the limit, is blue). A province may change a rule's setting for its subtree; the national
defaults are here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from backend.warnings.models import WarningLevel
from tenants.labelled import Labelled

MAX_SETTING = 100_000


class WarningRule(Labelled):
    """The rules by code (stored with each warning and setting) and name (what offices call them)."""

    OVER_STAFFING = "over_staffing", "超编"
    AT_LIMIT = "at_limit", "满编"
    OVER_POSTS = "over_posts", "超职数配备干部"
    OVER_INTERNAL_BODIES = "over_internal_bodies", "超限额设置内设机构"
    ABSENT_FROM_POST = "absent_from_post", "在编不在岗"
    LONG_SECONDMENT = "long_secondment", "长期借调"
    STALE_DATA = "stale_data", "实名制信息未及时更新"


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
class UnitFacts:
    """What the rules read of one unit on `today`."""

    approved_staffing: dict[str, int]  # 核定编制数 by category
    actual_staffing: dict[str, int]  # 实有人数 by category
    leadership_posts: dict[str, int]  # 领导职数 by rank
    actual_posts: dict[str, int]  # 实配领导 by rank
    internal_bodies: int
    actual_as_of: date | None  # when the actual numbers were last reported
    off_post: int  # persons on the unit's books, not at their post and not seconded (在编不在岗)
    secondments: tuple[date, ...]  # start dates of the secondments still running today
    today: date


def over_staffing(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """超编: more people than approved staffing, per category (a category without approval has 0)."""
    categories = sorted(facts.approved_staffing.keys() | facts.actual_staffing.keys())
    breaches = [Breach(c, facts.actual_staffing.get(c, 0), facts.approved_staffing.get(c, 0)) for c in categories]
    return [b for b in breaches if b.excess > 0]


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
    ranks = sorted(facts.leadership_posts.keys() | facts.actual_posts.keys())
    breaches = [Breach(r, facts.actual_posts.get(r, 0), facts.leadership_posts.get(r, 0)) for r in ranks]
    return [b for b in breaches if b.excess > 0]


def over_internal_bodies(facts: UnitFacts, setting: Setting) -> list[Breach]:
    """超限额设置内设机构: more internal bodies than the province's limit (`parameter`)."""
    limit = setting.parameter or 0
    return [Breach("", facts.internal_bodies, limit)] if facts.internal_bodies > limit else []


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


@dataclass(frozen=True)
class Rule:
    code: WarningRule
    check: Callable[[UnitFacts, Setting], list[Breach]]
    default: Setting
    parameter: str | None  # what the parameter means (None: the rule has none)
    taxonomy_code: str | None  # the manifestation a finding from it is coded with (None: not a violation)
    unit: str  # of measured and allowed
    describe: Callable[[Breach], str]

    @property
    def name(self) -> str:
        return self.code.label


def _counted(what: str) -> Callable[[Breach], str]:
    return lambda b: f"{b.key}{what}{b.allowed}，实有 {b.measured}，超出 {b.excess}"


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
            Setting(8, 1, 3),
            "内设机构限额（个）",
            "C04.K02.M01",
            "个",
            lambda b: f"内设机构 {b.measured} 个，限额 {b.allowed} 个",
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
    )
}
