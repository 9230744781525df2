"""The states of a rectification (整改台账) entry and the rules read from them, in one place for
Python and SQL: the ledger (backend/ledger) moves entries through these states; the bank, its
counts and statistics, the ledger pages and the supervision jobs read them from here.

逾期 (overdue) is derived, never stored: an entry not yet closed whose deadline has passed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import QueryableAttribute

from tenants.labelled import Labelled


class LedgerState(Labelled):
    REGISTERED = "挂号", "已挂号（待整改）"
    IN_PROGRESS = "整改中", "整改中"
    CLOSE_REQUESTED = "申请销号", "待销号审核"
    CLOSED = "已销号", "已销号"


OPEN_STATES = frozenset({LedgerState.REGISTERED, LedgerState.IN_PROGRESS, LedgerState.CLOSE_REQUESTED})
BEING_RECTIFIED = frozenset({LedgerState.REGISTERED, LedgerState.IN_PROGRESS})  # what deadline reminders are about


def is_overdue(state: str, deadline: date, today: date) -> bool:
    """逾期: still open past its deadline."""
    return state != LedgerState.CLOSED and deadline < today


def overdue(
    state: ColumnElement[Any] | QueryableAttribute[Any],
    deadline: ColumnElement[Any] | QueryableAttribute[Any],
    today: date | ColumnElement[Any],
) -> ColumnElement[bool]:
    """逾期 as a SQL condition on a state and a deadline column."""
    return and_(state != LedgerState.CLOSED.value, deadline < today)


def overdue_sql(state: str, deadline: str, today: str) -> str:
    """逾期 as SQL text, for statements written as text: column expressions and a parameter."""
    return f"({state} <> '{LedgerState.CLOSED.value}' AND {deadline} < {today})"
