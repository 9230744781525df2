"""Problem bank: the counts kept by the statements that write bank rows, not by triggers.

Citus refuses statement-level triggers and calls row triggers on distributed tables unsafe;
the projection's own statement now applies the net change to the count tables
(problem_bank/counts.py `counting`), bulk writers recount the offices they wrote. Also: the
count tables' primary keys lead with province_code (a distributed table's distribution column
must be in each of its unique constraints), which makes their province index redundant.
problem_bank.problem keeps its key (tenant_code, finding_id): problem_list_item references it.

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

COUNTED = {"problem_count_by_taxonomy": "taxonomy_code", "problem_count_by_unit_type": "unit_type", "problem_count_by_month": "found_on"}
TRIGGERS = ("problem_counted_in", "problem_recounted", "problem_counted_out", "problem_counts_truncated")


def upgrade() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON problem_bank.problem")
    op.execute("DROP FUNCTION problem_bank.count_problem()")
    op.execute("DROP FUNCTION problem_bank.forget_counts()")
    for table, column in COUNTED.items():
        _key(table, f"province_code, tenant_code, {column}, state, deadline")
        op.execute(f"DROP INDEX problem_bank.{table}_province_idx")


def downgrade() -> None:
    for table, column in COUNTED.items():
        _key(table, f"tenant_code, {column}, state, deadline")
        op.execute(f"CREATE INDEX {table}_province_idx ON problem_bank.{table} (province_code)")
    spec = importlib.util.spec_from_file_location("counts_0011", Path(__file__).with_name("0011_problem_bank_counts.py"))
    assert spec is not None and spec.loader is not None
    counts_0011 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counts_0011)
    counts_0011.create_triggers()


def _key(table: str, columns: str) -> None:
    op.execute(f"ALTER TABLE problem_bank.{table} DROP CONSTRAINT {table}_pkey, ADD PRIMARY KEY ({columns})")
