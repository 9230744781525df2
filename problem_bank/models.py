"""Tables of the shared schema `problem_bank`: the versioned violation taxonomy and one row
per finding of every tenant."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger, CheckConstraint, DateTime, ForeignKey, ForeignKeyConstraint, Index, MetaData, String, Text, func, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PROBLEM_BANK_SCHEMA = "problem_bank"
LEVELS = ("category", "kind", "manifestation")  # 类别 → 种类 → 具体表现


class ProblemBankBase(DeclarativeBase):
    metadata = MetaData(schema=PROBLEM_BANK_SCHEMA)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class TaxonomyVersion(ProblemBankBase):
    """A published edition of the taxonomy; findings record the edition they were coded with."""

    __tablename__ = "taxonomy_version"

    version: Mapped[str] = mapped_column(String(16), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(server_default=func.now())
    note: Mapped[str] = mapped_column(Text, server_default="")


class TaxonomyNode(ProblemBankBase):
    """A category (Cnn), kind (Cnn.Knn) or manifestation (Cnn.Knn.Mnn) of one edition, with
    its legal basis. `province_code` is set on manifestations a province added for its subtree."""

    __tablename__ = "taxonomy_node"
    __table_args__ = (
        ForeignKeyConstraint(["version", "parent_code"], ["problem_bank.taxonomy_node.version", "problem_bank.taxonomy_node.code"]),
        CheckConstraint("level IN ('category', 'kind', 'manifestation')", name="taxonomy_node_level"),
        CheckConstraint("(level = 'category') = (parent_code IS NULL)", name="taxonomy_node_parent"),
        CheckConstraint("province_code IS NULL OR level = 'manifestation'", name="taxonomy_node_province"),
    )

    version: Mapped[str] = mapped_column(ForeignKey(TaxonomyVersion.version), primary_key=True)
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(128))
    legal_basis: Mapped[str] = mapped_column(Text, server_default="")
    province_code: Mapped[str | None] = mapped_column(String(6))


class TaxonomyMapping(ProblemBankBase):
    """Where a code of an older edition went in the current one (one target per code: publishing
    an edition rewrites the older mappings to lead to it; see problem_bank.projection)."""

    __tablename__ = "taxonomy_mapping"

    from_version: Mapped[str] = mapped_column(ForeignKey(TaxonomyVersion.version), primary_key=True)
    from_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    to_version: Mapped[str] = mapped_column(ForeignKey(TaxonomyVersion.version), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(24))


class Problem(ProblemBankBase):
    """A finding of some tenant as the bank holds it (written by problem_bank.projection).
    逾期 is derived from `deadline` and `state` when read, as in the ledger."""

    __tablename__ = "problem"
    __table_args__ = (
        # Region, newest first, covering what the statistics read (migration 0010).
        Index("problem_province_idx", "province_code", text("found_on DESC"), "tenant_code", text("finding_id DESC"),
              postgresql_include=["city_code", "taxonomy_code", "unit_type", "state", "deadline"]),
        Index("problem_city_idx", "city_code", text("found_on DESC"), "tenant_code", text("finding_id DESC"),
              postgresql_include=["taxonomy_code", "unit_type", "state", "deadline"]),
        Index("problem_open_deadline_idx", "deadline", postgresql_where=text("state <> '已销号'")),
    )

    # References tenancy.tenant (in the migration; the registry's metadata is not this one's).
    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    finding_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    tenant_level: Mapped[str] = mapped_column(String(16))
    finding_code: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(BigInteger)
    unit_name: Mapped[str] = mapped_column(String(128))
    unit_type: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(BigInteger)
    round_kind: Mapped[str] = mapped_column(String(32))
    taxonomy_code: Mapped[str] = mapped_column(String(24))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    fixed_on_spot: Mapped[bool]
    state: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[date]
    closed_at: Mapped[datetime | None]
    found_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    projected_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BankUnit(ProblemBankBase):
    """An inspected unit of some tenant as the bank knows it (written by problem_bank.projection
    with the unit): what lets a shared question (an approval system's "is this unit under a
    freeze?") find a unit by its credit code without visiting tenant schemas. Credit codes are
    unique within a tenant only."""

    __tablename__ = "unit"
    __table_args__ = (Index("unit_credit_code_idx", "credit_code"),)

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)  # references tenancy.tenant (migration)
    unit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(128))
    unit_type: Mapped[str] = mapped_column(String(32))


class _Counted:
    """Bank rows counted per office, one breakdown dimension, ledger state and deadline: an
    open row's deadline, or 'infinity' for a closed one (it never falls due). Kept by triggers
    on `problem` (migration 0011), read by problem_bank.statistics, recounted by problem_bank.counts."""

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(8), primary_key=True)
    deadline: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int]


class CountByTaxonomy(_Counted, ProblemBankBase):
    __tablename__ = "problem_count_by_taxonomy"

    taxonomy_code: Mapped[str] = mapped_column(String(24), primary_key=True)


class CountByUnitType(_Counted, ProblemBankBase):
    __tablename__ = "problem_count_by_unit_type"

    unit_type: Mapped[str] = mapped_column(String(32), primary_key=True)


class CountByMonth(_Counted, ProblemBankBase):
    __tablename__ = "problem_count_by_month"

    found_on: Mapped[date] = mapped_column(primary_key=True)  # the first day of the month found


RECEIPT_STATES = ("待签收", "已签收", "无此问题")  # awaiting, acknowledged, nil return


class ProblemList(ProblemBankBase):
    """问题清单: a province or city office turns a common problem (a taxonomy node, a period)
    into a list of the bank's findings and pushes it to offices or units below it."""

    __tablename__ = "problem_list"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    issuer_code: Mapped[str] = mapped_column(String(6))  # references tenancy.tenant (migration)
    title: Mapped[str] = mapped_column(String(128))
    taxonomy_code: Mapped[str] = mapped_column(String(24))
    found_from: Mapped[date]
    found_to: Mapped[date]
    note: Mapped[str] = mapped_column(Text)
    respond_by: Mapped[date]  # 反馈期限
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ProblemListItem(ProblemBankBase):
    __tablename__ = "problem_list_item"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_code", "finding_id"], ["problem_bank.problem.tenant_code", "problem_bank.problem.finding_id"]),
    )

    list_id: Mapped[int] = mapped_column(ForeignKey(ProblemList.id), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    finding_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class ProblemListReceipt(ProblemBankBase):
    """One recipient of a list: an office below the issuer, or an inspected unit of the
    issuer itself (then `recipient_code` is the issuer and `unit_id` the unit). It must
    acknowledge (签收) and may file a stamped nil return (无此问题)."""

    __tablename__ = "problem_list_receipt"
    __table_args__ = (
        CheckConstraint("state IN ('待签收', '已签收', '无此问题')", name="problem_list_receipt_state"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey(ProblemList.id))
    recipient_code: Mapped[str] = mapped_column(String(6))  # references tenancy.tenant (migration)
    unit_id: Mapped[int | None] = mapped_column(BigInteger)
    recipient_name: Mapped[str] = mapped_column(String(128))  # the office's or unit's name when pushed
    state: Mapped[str] = mapped_column(String(8), server_default="待签收")
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    nil_statement: Mapped[str | None] = mapped_column(Text)
    nil_scan_sha256: Mapped[str | None] = mapped_column(String(64))  # the stamped statement, in the recipient's evidence
    version: Mapped[int] = mapped_column(server_default="1")
