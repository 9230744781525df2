"""Problem bank: region indexes that cover the dashboard and serve the search order.

A province's rows lie all over the table, so reading them through a plain index touches most
of its pages. Keyed by region then newest first, and carrying every column the statistics
read, these indexes answer the statistics with index-only scans and the bank's listing
(newest first) by walking the index (bench/bank.py, BENCHMARKS.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX problem_bank.problem_province_idx")
    op.execute("DROP INDEX problem_bank.problem_city_idx")
    op.execute(
        "CREATE INDEX problem_province_idx ON problem_bank.problem (province_code, found_on DESC, tenant_code, finding_id DESC)"
        " INCLUDE (city_code, taxonomy_code, unit_type, state, deadline)"
    )
    op.execute(
        "CREATE INDEX problem_city_idx ON problem_bank.problem (city_code, found_on DESC, tenant_code, finding_id DESC)"
        " INCLUDE (taxonomy_code, unit_type, state, deadline)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX problem_bank.problem_province_idx")
    op.execute("DROP INDEX problem_bank.problem_city_idx")
    op.create_index("problem_province_idx", "problem", ["province_code", "taxonomy_code"], schema="problem_bank")
    op.create_index("problem_city_idx", "problem", ["city_code", "taxonomy_code"], schema="problem_bank")
