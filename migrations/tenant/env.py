"""Tenant stream: the tables every tenant schema holds.

It only renders SQL (offline mode): `xuncha db upgrade` renders each version step once and
applies it to every tenant schema in that schema's own transaction, with search_path set to
the schema, so revisions here use unqualified names and must not read data from Python.
"""

from alembic import context

if not context.is_offline_mode():
    raise SystemExit("机构迁移由 xuncha db upgrade 逐个 schema 执行，请勿直接用 alembic upgrade")

context.configure(
    dialect_name="postgresql",
    literal_binds=True,
    # "named" keeps a literal % as it is (the default pyformat style would double it).
    dialect_opts={"paramstyle": "named"},
    transactional_ddl=False,
)
with context.begin_transaction():
    context.run_migrations()
