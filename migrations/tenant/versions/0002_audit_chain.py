"""Hash-chain the audit trail and make it append-only.

Each row gets a contiguous `seq` and `hash = sha256(prev_hash || its content)`, filled by a
trigger under a per-tenant lock, so the application cannot forget it and any edit, deletion
or reordering of history breaks the chain (`xuncha audit verify`). UPDATE, DELETE and
TRUNCATE are refused. The functions find their table through TG_TABLE_SCHEMA, never through
the search_path or a stored schema name: a spare schema is renamed when it is provisioned.

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None

DIGEST = """
CREATE FUNCTION audit_event_digest(
    prev_hash bytea, seq bigint, occurred_at timestamptz, actor text, action text, entity text,
    entity_id text, before jsonb, after jsonb, request_id text
) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(
        coalesce(prev_hash, ''::bytea) || convert_to(
            concat_ws(E'\\x1f', seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, actor, action, entity,
                      entity_id, coalesce(before::text, ''), coalesce(after::text, ''), coalesce(request_id, '')),
            'UTF8'))
$$
"""

CHAIN = """
CREATE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.audit_event'));
    EXECUTE format('SELECT seq, hash FROM %I.audit_event ORDER BY seq DESC LIMIT 1', TG_TABLE_SCHEMA)
        INTO last_seq, last_hash;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := last_hash;
    NEW.occurred_at := date_trunc('microseconds', clock_timestamp());
    EXECUTE format('SELECT %I.audit_event_digest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', TG_TABLE_SCHEMA)
        INTO NEW.hash
        USING NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.actor, NEW.action, NEW.entity, NEW.entity_id,
              NEW.before, NEW.after, NEW.request_id;
    RETURN NEW;
END $$
"""

REFUSE = """
CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审计记录只能追加，不能修改或删除' USING ERRCODE = 'insufficient_privilege';
END $$
"""


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("seq", sa.BigInteger, nullable=True))
    op.add_column("audit_event", sa.Column("request_id", sa.String(64), nullable=True))
    op.add_column("audit_event", sa.Column("prev_hash", sa.LargeBinary, nullable=True))
    op.add_column("audit_event", sa.Column("hash", sa.LargeBinary, nullable=True))
    op.execute(DIGEST)
    # Chain the rows written before this revision, in the order they were written.
    op.execute(
        """
        DO $$
        DECLARE
            r record;
            n bigint := 0;
            previous bytea := NULL;
            current_hash bytea;
        BEGIN
            FOR r IN SELECT * FROM audit_event ORDER BY id LOOP
                n := n + 1;
                current_hash := audit_event_digest(previous, n, r.occurred_at, r.actor, r.action, r.entity,
                                                   r.entity_id, r.before, r.after, NULL);
                UPDATE audit_event SET seq = n, prev_hash = previous, hash = current_hash WHERE id = r.id;
                previous := current_hash;
            END LOOP;
        END $$
        """
    )
    op.alter_column("audit_event", "seq", nullable=False)
    op.alter_column("audit_event", "hash", nullable=False)
    op.create_index("audit_event_seq_key", "audit_event", ["seq"], unique=True)
    op.execute(CHAIN)
    op.execute(REFUSE)
    op.execute("CREATE TRIGGER audit_event_chain BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_chain()")
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
    op.execute("DROP TRIGGER audit_event_chain ON audit_event")
    op.execute("DROP FUNCTION audit_event_refuse()")
    op.execute("DROP FUNCTION audit_event_chain()")
    op.drop_index("audit_event_seq_key", "audit_event")
    op.execute("DROP FUNCTION audit_event_digest(bytea, bigint, timestamptz, text, text, text, text, jsonb, jsonb, text)")
    op.drop_column("audit_event", "hash")
    op.drop_column("audit_event", "prev_hash")
    op.drop_column("audit_event", "request_id")
    op.drop_column("audit_event", "seq")
