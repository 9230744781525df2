"""Problem bank: pre-counted rows for the statistics, kept by a trigger on the bank's rows.

A province's dashboard aggregated its ~69,000 bank rows six times a request. These tables
hold the same rows counted per office, one breakdown dimension (taxonomy code, unit type,
month found), ledger state and, for an open row, its deadline (a closed row is counted under
the deadline 'infinity': it never falls due), so 逾期 and the days overdue are still worked
out from today's date when read, with no daily job. Rows that reach 0 are deleted.

The counts change in the statement that changes a bank row (AFTER ROW triggers), so they
commit or roll back with it; OLD is the row version actually replaced, so two transactions
projecting the same finding cannot count a stale version. Within one row's change the
counts are locked in key order. `xuncha bank verify` recounts them (problem_bank.counts).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# table: (dimension column, its type, its value from a bank row `{r}`)
GRAINS = {
    "problem_count_by_taxonomy": ("taxonomy_code", "varchar(24)", "{r}.taxonomy_code"),
    "problem_count_by_unit_type": ("unit_type", "varchar(32)", "{r}.unit_type"),
    "problem_count_by_month": ("found_on", "date", "date_trunc('month', {r}.found_on)::date"),  # the month's first day
}
KEYED = ("tenant_code", "province_code", "city_code", "taxonomy_code", "unit_type", "found_on", "state", "deadline")


def open_deadline(r: str) -> str:
    return f"CASE WHEN {r}.state <> '已销号' THEN {r}.deadline ELSE 'infinity'::date END"


def counted(table: str) -> str:
    """The trigger's statements for one table: OLD counted out, NEW counted in, zeros deleted."""
    column, _, value = GRAINS[table]

    def side(r: str, delta: int, skip: str) -> str:
        return (
            f"SELECT {r}.tenant_code, {r}.province_code, {r}.city_code, {value.format(r=r)}, {r}.state, {open_deadline(r)},"
            f" {delta} WHERE TG_OP <> '{skip}'"
        )

    return f"""
    INSERT INTO problem_bank.{table} AS c (tenant_code, province_code, city_code, {column}, state, deadline, n)
    SELECT tenant_code, province_code, city_code, dimension, state, deadline, sum(delta)
    FROM ({side("OLD", -1, "INSERT")} UNION ALL {side("NEW", 1, "DELETE")})
        AS d (tenant_code, province_code, city_code, dimension, state, deadline, delta)
    GROUP BY tenant_code, province_code, city_code, dimension, state, deadline HAVING sum(delta) <> 0
    ORDER BY tenant_code, dimension, state, deadline
    ON CONFLICT (tenant_code, {column}, state, deadline) DO UPDATE SET n = c.n + excluded.n;
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM problem_bank.{table} WHERE tenant_code = OLD.tenant_code AND {column} = {value.format(r="OLD")}
            AND state = OLD.state AND deadline = {open_deadline("OLD")} AND n = 0;
    END IF;"""


def upgrade() -> None:
    for table, (column, kind, value) in GRAINS.items():
        op.execute(f"""
            CREATE TABLE problem_bank.{table} (
                tenant_code varchar(6) NOT NULL REFERENCES tenancy.tenant (code),
                province_code varchar(6) NOT NULL,
                city_code varchar(6),
                {column} {kind} NOT NULL,
                state varchar(8) NOT NULL,
                deadline date NOT NULL,
                n integer NOT NULL,
                PRIMARY KEY (tenant_code, {column}, state, deadline)
            ) WITH (fillfactor = 70)""")  # room on the page, so a count changes in place (HOT)
        op.execute(f"CREATE INDEX {table}_province_idx ON problem_bank.{table} (province_code)")
        op.execute(f"CREATE INDEX {table}_city_idx ON problem_bank.{table} (city_code)")
        op.execute(f"""
            INSERT INTO problem_bank.{table} (tenant_code, province_code, city_code, {column}, state, deadline, n)
            SELECT tenant_code, province_code, city_code, {value.format(r="p")}, state, {open_deadline("p")}, count(*)
            FROM problem_bank.problem p GROUP BY 1, 2, 3, 4, 5, 6""")
    create_triggers()


def create_triggers() -> None:
    """The counting triggers and their functions (also migration 0036's downgrade)."""
    op.execute(f"""
        CREATE FUNCTION problem_bank.count_problem() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN{"".join(counted(table) for table in GRAINS)}
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION problem_bank.forget_counts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            TRUNCATE {", ".join(f"problem_bank.{table}" for table in GRAINS)};
            RETURN NULL;
        END $$""")
    old, new = (", ".join(f"{r}.{column}" for column in KEYED) for r in ("OLD", "NEW"))
    op.execute(
        "CREATE TRIGGER problem_counted_in AFTER INSERT ON problem_bank.problem FOR EACH ROW EXECUTE FUNCTION problem_bank.count_problem()"
    )
    op.execute(
        "CREATE TRIGGER problem_recounted AFTER UPDATE ON problem_bank.problem"
        f" FOR EACH ROW WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION problem_bank.count_problem()"
    )
    op.execute(
        "CREATE TRIGGER problem_counted_out AFTER DELETE ON problem_bank.problem FOR EACH ROW EXECUTE FUNCTION problem_bank.count_problem()"
    )
    op.execute(
        "CREATE TRIGGER problem_counts_truncated AFTER TRUNCATE ON problem_bank.problem"
        " FOR EACH STATEMENT EXECUTE FUNCTION problem_bank.forget_counts()"
    )


def downgrade() -> None:
    for trigger in ("problem_counted_in", "problem_recounted", "problem_counted_out", "problem_counts_truncated"):
        op.execute(f"DROP TRIGGER {trigger} ON problem_bank.problem")
    op.execute("DROP FUNCTION problem_bank.count_problem()")
    op.execute("DROP FUNCTION problem_bank.forget_counts()")
    for table in GRAINS:
        op.execute(f"DROP TABLE problem_bank.{table}")
