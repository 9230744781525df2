"""Problem bank: an index for Chinese text search that needs no extension.

Chinese has no spaces, so word-based full text search does not apply, and pg_trgm's
trigrams miss two-character terms such as 超编 or 借调 (and find nothing at all under the
C locale). The bank indexes the set of character bigrams of each description instead
(GIN over an expression, nothing stored in the rows): a term of two or more characters
selects the rows holding all its bigrams, and a substring match confirms them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION problem_bank.bigrams(body text) RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
            SELECT coalesce(array_agg(DISTINCT substr(lower(body), i, 2)), '{}')
            FROM generate_series(1, char_length(body) - 1) AS i
        $$
        """
    )
    op.execute("CREATE INDEX problem_text_idx ON problem_bank.problem USING gin (problem_bank.bigrams(description))")


def downgrade() -> None:
    op.execute("DROP INDEX problem_bank.problem_text_idx")
    op.execute("DROP FUNCTION problem_bank.bigrams(text)")
