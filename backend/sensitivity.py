"""Sensitivity markings (公开 / 内部 / 敏感) of what an office records: findings and their drafts,
accountability cases, 函告 and evidence files. A marking is inherited by what is derived from
its object (a draft's by the finding the 统一反馈 makes of it, a finding's by its ledger entry,
its problem-bank row and the notices about it; a case is never marked below its findings).

Nothing marked 内部 or 敏感 — and nothing unmarked — leaves by e-mail or webhook with its text:
those messages say only that there is something to read in the system. Exports and printed
documents show the marking. The names are the deployment's (XUNCHA_SENSITIVITY_NAMES)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import mapped_column

from backend.enums import graphql_enum
from tenants.labelled import Labelled


class Sensitivity(Labelled):
    PUBLIC = "公开", "公开"
    INTERNAL = "内部", "内部"
    SENSITIVE = "敏感", "敏感"


# Declared here, with the marking, so every schema type that carries one finds it declared.
graphql_enum(Sensitivity, "敏感程度：公开的可以邮件、回调发送内容；内部、敏感的只发“有新的待办，请登录系统查看”")

ORDER = tuple(Sensitivity)  # from the least to the most restricted
GENERIC_NOTICE = "有新的待办，请登录系统查看"  # what leaves by e-mail or webhook for anything not 公开


def strictest(*markings: str | None) -> Sensitivity:
    """The most restricted of `markings` (None: unmarked, taken as 内部)."""
    return max((Sensitivity(m) if m else Sensitivity.INTERNAL for m in markings), key=ORDER.index, default=Sensitivity.INTERNAL)


def below(marking: str, floor: str) -> bool:
    return ORDER.index(Sensitivity(marking)) < ORDER.index(Sensitivity(floor))


def marking_column(default: Sensitivity) -> Any:
    """A table's `sensitivity` column (tenant migration t0015)."""
    return mapped_column(String(4), server_default=default.value)


def marking_check(table: str) -> CheckConstraint:
    return CheckConstraint("sensitivity IN (" + ", ".join(f"'{m}'" for m in Sensitivity) + ")", name=f"{table}_sensitivity")
