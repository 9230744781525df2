"""Tables of the shared schema `problem_bank`: the versioned violation taxonomy, one row per
finding of every tenant, problem lists, and typical-case bulletins with the typical-case library."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from problem_bank.rectification import LedgerState
from tenants.labelled import Labelled

PROBLEM_BANK_SCHEMA = "problem_bank"


class TaxonomyLevel(Labelled):
    """The levels of the taxonomy, from the top: 类别 → 种类 → 具体表现."""

    CATEGORY = "category", "类别"
    KIND = "kind", "种类"
    MANIFESTATION = "manifestation", "具体表现"


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
    its legal basis. `province_code` is set on kinds and manifestations a province added for its
    subtree (coded P<province><nn> below their parent)."""

    __tablename__ = "taxonomy_node"
    __table_args__ = (
        ForeignKeyConstraint(["version", "parent_code"], ["problem_bank.taxonomy_node.version", "problem_bank.taxonomy_node.code"]),
        CheckConstraint("level IN ('category', 'kind', 'manifestation')", name="taxonomy_node_level"),
        CheckConstraint("(level = 'category') = (parent_code IS NULL)", name="taxonomy_node_parent"),
        CheckConstraint("province_code IS NULL OR level <> 'category'", name="taxonomy_node_province"),
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
        Index(
            "problem_province_idx",
            "province_code",
            text("found_on DESC"),
            "tenant_code",
            text("finding_id DESC"),
            postgresql_include=["city_code", "taxonomy_code", "unit_type", "state", "deadline"],
        ),
        Index(
            "problem_city_idx",
            "city_code",
            text("found_on DESC"),
            "tenant_code",
            text("finding_id DESC"),
            postgresql_include=["taxonomy_code", "unit_type", "state", "deadline"],
        ),
        Index("problem_open_deadline_idx", "deadline", postgresql_where=text(f"state <> '{LedgerState.CLOSED.value}'")),
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
    round_id: Mapped[int | None] = mapped_column(BigInteger)  # None: a daily-supervision (日常监督) finding
    round_kind: Mapped[str | None] = mapped_column(String(32))
    # A round's, or a channel of 日常监督 (the values of backend.findings.models.FindingSource).
    source: Mapped[str] = mapped_column(String(16), server_default="巡察检查")
    taxonomy_code: Mapped[str] = mapped_column(String(24))
    taxonomy_version: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    fixed_on_spot: Mapped[bool]
    state: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[date]
    closed_at: Mapped[datetime | None]
    found_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    quantities: Mapped[dict[str, dict[str, int]]] = mapped_column(JSONB, server_default="{}")  # the ledger entry's
    sensitivity: Mapped[str] = mapped_column(String(4), server_default="内部")  # the finding's marking (backend/sensitivity.py)
    projected_at: Mapped[datetime] = mapped_column(server_default=func.now())


class QuantityKind(ProblemBankBase):
    """A kind of 整改量化指标 (消化超编, counted in 人): the national ones (no province, seeded by
    migration 0020) and those a province adds for its subtree (problem_bank.quantities)."""

    __tablename__ = "quantity_kind"
    __table_args__ = (UniqueConstraint("province_code", "name", name="quantity_kind_key", postgresql_nulls_not_distinct=True),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    province_code: Mapped[str | None] = mapped_column(String(6))  # references tenancy.tenant (migration)
    name: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(4))  # 人, 名, 个, 项…


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
    open row's deadline, or 'infinity' for a closed one (it never falls due). Kept by the
    statements that write `problem` (problem_bank.counts), read by problem_bank.statistics."""

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
    __table_args__ = (CheckConstraint("state IN ('待签收', '已签收', '无此问题')", name="problem_list_receipt_state"),)

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


BULLETIN_STATES = ("草稿", "待审核", "已审核", "已发布", "已撤回")  # draft, submitted, approved, published, withdrawn


class BulletinCounter(ProblemBankBase):
    """The last issue number a publisher gave in a year: the row lock, taken in the publishing
    transaction, makes 第N期 gapless."""

    __tablename__ = "bulletin_counter"

    publisher_code: Mapped[str] = mapped_column(String(6), primary_key=True)  # references tenancy.tenant (migration)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int]


class Bulletin(ProblemBankBase):
    """典型案例通报: an issue of a publisher (an office), numbered when published. `published_*`
    (here and on its cases) hold the text as its recipients read it, de-identified with one mask
    table for the whole issue; recipients only ever read those."""

    __tablename__ = "bulletin"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    publisher_code: Mapped[str] = mapped_column(String(6))  # references tenancy.tenant (migration)
    state: Mapped[str] = mapped_column(String(8), server_default="草稿")
    title: Mapped[str] = mapped_column(String(200))
    preface: Mapped[str] = mapped_column(Text)
    whole_subtree: Mapped[bool]  # scope: every office below the publisher, or the chosen ones
    year: Mapped[int | None]
    number: Mapped[int | None]
    # The recipients' text (发布口径), rendered with the mask table on every edit, frozen once published.
    published_title: Mapped[str | None] = mapped_column(String(200))
    published_preface: Mapped[str | None] = mapped_column(Text)
    person_style: Mapped[str] = mapped_column(String(8), server_default="surname")  # problem_bank.deidentify.PersonStyle
    masks: Mapped[list[dict[str, str]]] = mapped_column(JSONB, server_default="[]")  # the table used: term, placeholder, kind
    open_terms: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # marked as not identifying: shown as written
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    approved_by: Mapped[str | None] = mapped_column(String(64))
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # the reason of the last return (退回) or of the withdrawal
    version: Mapped[int] = mapped_column(server_default="1")


class BulletinJointOrgan(ProblemBankBase):
    """An organ of the publisher's region that issues the bulletin with it (联合发文), with its
    会签: none until its admin or reviewer approves the text the office approved."""

    __tablename__ = "bulletin_joint_organ"

    bulletin_id: Mapped[int] = mapped_column(ForeignKey(Bulletin.id, ondelete="CASCADE"), primary_key=True)
    organ_id: Mapped[int] = mapped_column(ForeignKey("tenancy.organ.id"), primary_key=True)
    position: Mapped[int]  # the order of the masthead and the signatures
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]


class BulletinScopeOffice(ProblemBankBase):
    """An office chosen as the scope of a bulletin that is not sent to the whole subtree."""

    __tablename__ = "bulletin_scope_office"

    bulletin_id: Mapped[int] = mapped_column(ForeignKey(Bulletin.id, ondelete="CASCADE"), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6), primary_key=True)


class BulletinCase(ProblemBankBase):
    """A typical case of a bulletin: a snapshot of its source (a problem-bank row), editable
    while the bulletin is a draft. De-identified (the default), every name the publisher's
    subtree knows is replaced by a placeholder in everything published; a named case (点名)
    keeps its own unit and persons. Marked shared, the published case joins the typical-case
    library every office reads."""

    __tablename__ = "bulletin_case"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey(Bulletin.id))
    position: Mapped[int]
    # Where the case comes from: 'problem' (a problem-bank row). Accountability cases (追责问责)
    # join when that domain is merged: 'accountability_case' in this column's check constraint
    # (a shared migration), a snapshot function in backend.bulletins.service.SNAPSHOTS and a
    # value of CaseSourceKind in backend.bulletins.service.
    source_kind: Mapped[str] = mapped_column(String(24))
    source_tenant_code: Mapped[str] = mapped_column(String(6))
    source_id: Mapped[int] = mapped_column(BigInteger)
    taxonomy_code: Mapped[str | None] = mapped_column(String(24))
    unit_name: Mapped[str] = mapped_column(String(128))
    unit_placeholder: Mapped[str] = mapped_column(String(32))  # e.g. 某县某局
    persons: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # persons the case names, to be masked
    aliases: Mapped[list[str]] = mapped_column(JSONB, server_default="[]")  # other names of the unit (简称)
    deidentified: Mapped[bool] = mapped_column(server_default=text("true"))
    title: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text)
    handling: Mapped[str] = mapped_column(Text)  # 处理结果
    published_unit: Mapped[str | None] = mapped_column(String(128))
    published_title: Mapped[str | None] = mapped_column(String(200))
    published_facts: Mapped[str | None] = mapped_column(Text)
    published_handling: Mapped[str | None] = mapped_column(Text)
    shared_at: Mapped[datetime | None]
    shared_by: Mapped[str | None] = mapped_column(String(64))


class BulletinRecipient(ProblemBankBase):
    """An office a published bulletin was sent to (its scope, resolved when published)."""

    __tablename__ = "bulletin_recipient"

    bulletin_id: Mapped[int] = mapped_column(ForeignKey(Bulletin.id), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    office_name: Mapped[str] = mapped_column(String(64))


class BulletinRead(ProblemBankBase):
    """A read receipt: a member of a recipient office read the bulletin (the first reading is kept)."""

    __tablename__ = "bulletin_read"
    __table_args__ = (
        ForeignKeyConstraint(
            ["bulletin_id", "office_code"], ["problem_bank.bulletin_recipient.bulletin_id", "problem_bank.bulletin_recipient.office_code"]
        ),
    )

    bulletin_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(server_default=func.now())


class MonthEnd(ProblemBankBase):
    """An office's own findings as they stood at the end of a month (problem_bank/trends.py): the
    series 整改完成率, backlog and 逾期 are read from, month by month, this year against last."""

    __tablename__ = "month_end"
    __table_args__ = (
        Index("month_end_province_idx", "province_code", "month"),
        Index("month_end_city_idx", "city_code", "month"),
    )

    tenant_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)  # the month's first day
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    total: Mapped[int]
    awaiting_close_out: Mapped[int]
    closed: Mapped[int]
    overdue: Mapped[int]
    taken_at: Mapped[datetime] = mapped_column(server_default=func.now())
