"""Problem bank: the counts kept by the statements that write bank rows, not by triggers.

Citus refuses statement-level triggers and calls row triggers on distributed tables unsafe;
the projection's own statement now applies the net change to the count tables
(problem_bank/counts.py `counting`), bulk writers recount the offices they wrote. The keys
stay as they are: on a cluster these tables are distributed by tenant_code (tenants/citus.py),
which leads every one of them.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

TRIGGERS = ("problem_counted_in", "problem_recounted", "problem_counted_out", "problem_counts_truncated")


def upgrade() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON problem_bank.problem")
    op.execute("DROP FUNCTION problem_bank.count_problem()")
    op.execute("DROP FUNCTION problem_bank.forget_counts()")


def downgrade() -> None:
    spec = importlib.util.spec_from_file_location("counts_0011", Path(__file__).with_name("0011_problem_bank_counts.py"))
    assert spec is not None and spec.loader is not None
    counts_0011 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counts_0011)
    counts_0011.create_triggers()
