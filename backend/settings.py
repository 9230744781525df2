"""Settings read from the environment, with defaults that work on a fresh machine."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from backend.clock import Clock, ShiftedClock, parse_instant
from backend.evidence.location import parse_evidence_url
from backend.resources import CHECKOUT, MIGRATIONS
from backend.sensitivity import ORDER, Sensitivity


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"环境变量 {name} 必须是整数，当前值为 {raw!r}") from None


def _lock_timeout() -> str:
    value = os.environ.get("XUNCHA_LOCK_TIMEOUT", "5s")
    if not re.fullmatch(r"\d+(ms|s|min)?", value):
        raise SystemExit(f"XUNCHA_LOCK_TIMEOUT 应形如 5s、500ms 或 1min，当前值为 {value!r}")
    return value


def _clock_start(production: bool) -> datetime | None:
    value = os.environ.get("XUNCHA_CLOCK", "")
    if not value:
        return None
    if production:
        raise SystemExit("生产环境不能设置 XUNCHA_CLOCK（系统时间须取自服务器时钟）")
    try:
        return parse_instant(value)
    except ValueError:
        raise SystemExit(f"XUNCHA_CLOCK 应为日期或时间，如 2027-06-01 或 2027-06-01T09:00:00+08:00，当前值为 {value!r}") from None


def _evidence_url() -> str:
    url = os.environ.get("XUNCHA_EVIDENCE_URL", "")
    try:
        parse_evidence_url(url)
    except ValueError as error:
        raise SystemExit(str(error)) from None
    return url


def _sensitivity_names() -> tuple[str, str, str]:
    names = [name.strip() for name in os.environ.get("XUNCHA_SENSITIVITY_NAMES", "公开,内部,敏感").split(",")]
    if len(names) != 3 or not all(names) or len(set(names)) != 3:
        raise SystemExit("XUNCHA_SENSITIVITY_NAMES 须为三个不同的名称，以逗号分隔，由宽到严，如“公开,内部,敏感”")
    return names[0], names[1], names[2]


TRACING_EXPORTERS = ("off", "otlp", "console")


def _tracing() -> str:
    exporter = os.environ.get("XUNCHA_TRACING", "off").strip().lower()
    if exporter not in TRACING_EXPORTERS:
        raise SystemExit(f"XUNCHA_TRACING 须为 {'、'.join(TRACING_EXPORTERS)} 之一，收到 {exporter!r}")
    return exporter


def _default_data_dir() -> Path:
    """.xuncha/ in a source checkout; an installed package's is the user's data directory (XDG)."""
    if CHECKOUT is not None:
        return CHECKOUT / ".xuncha"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "xuncha"


def _secret_key(data_dir: Path, production: bool) -> str:
    """The signing secret: from XUNCHA_SECRET_KEY (required in production, where several API
    processes must share it), else generated once and kept in the data directory."""
    configured = os.environ.get("XUNCHA_SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise SystemExit("XUNCHA_SECRET_KEY 至少需要 32 个字符（它签发登录令牌）")
        return configured
    if production:
        raise SystemExit("生产环境必须设置 XUNCHA_SECRET_KEY（至少 32 个字符，所有 API 进程相同）")
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class EdgeLimits:
    """What the GraphQL edge accepts: query shape, body size, request rates, introspection."""

    max_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 2000
    max_page_size: int = 100
    max_body_bytes: int = 256 * 1024
    introspection: bool = True
    login_attempts_per_minute: int = 10  # per username and per source IP
    mutations_per_minute: int = 120  # per user
    max_query_cost: int = 60  # the declared costs of one request's operations (backend/cost.py)
    costly_per_minute: int = 120  # cost units of costly operations per user and minute
    # 12310 reports, sent without an account: per source address and office (three times as many
    # per address over all offices), and their status queries per source address.
    reports_per_minute: int = 3
    report_queries_per_minute: int = 20
    trusted_proxies: frozenset[str] = frozenset()  # whose X-Forwarded-For is believed
    allowed_origins: tuple[str, ...] = ()  # browser origins allowed to open the subscriptions websocket
    # XUNCHA_PERSISTED_ONLY: run only the persisted operations of graphql/operations/ (backend/persisted.py).
    persisted_only: bool = False

    @classmethod
    def from_env(cls, production: bool) -> EdgeLimits:
        return cls(
            introspection=os.environ.get("XUNCHA_GRAPHQL_INTROSPECTION", "false" if production else "true") == "true",
            login_attempts_per_minute=_env_int("XUNCHA_LOGIN_ATTEMPTS_PER_MINUTE", cls.login_attempts_per_minute),
            mutations_per_minute=_env_int("XUNCHA_MUTATIONS_PER_MINUTE", cls.mutations_per_minute),
            max_query_cost=_env_int("XUNCHA_MAX_QUERY_COST", cls.max_query_cost),
            costly_per_minute=_env_int("XUNCHA_COSTLY_PER_MINUTE", cls.costly_per_minute),
            reports_per_minute=_env_int("XUNCHA_REPORTS_PER_MINUTE", cls.reports_per_minute),
            report_queries_per_minute=_env_int("XUNCHA_REPORT_QUERIES_PER_MINUTE", cls.report_queries_per_minute),
            trusted_proxies=frozenset(p.strip() for p in os.environ.get("XUNCHA_TRUSTED_PROXIES", "").split(",") if p.strip()),
            allowed_origins=tuple(o.strip() for o in os.environ.get("XUNCHA_ALLOWED_ORIGINS", "").split(",") if o.strip()),
            persisted_only=os.environ.get("XUNCHA_PERSISTED_ONLY", "") in {"1", "true"},
        )


@dataclass(frozen=True)
class Settings:
    """Everything configurable. `database_url`/`redis_url` empty means: start embedded servers."""

    database_url: str
    redis_url: str
    data_dir: Path
    secret_key: str
    environment: str
    migrations_dir: Path
    spare_pool_size: int
    migration_concurrency: int
    lock_timeout: str
    pool_size: int
    pool_recycle_seconds: int
    queue_name: str
    edge: EdgeLimits
    # A pooled connection idle this long is pinged before use (0: before every use).
    pool_ping_after_idle_seconds: float = 5.0
    # XUNCHA_PGBOUNCER=1: `database_url` is a PgBouncer in transaction mode (backend/db.py
    # create_engine); XUNCHA_DIRECT_DATABASE_URL then names the server itself, for LISTEN and
    # for creating the database (empty: `database_url`).
    behind_pgbouncer: bool = False
    direct_database_url: str = ""
    redis_prefix: str = "xuncha"  # namespaces this deployment's Redis keys (rate limits, arq job ids)
    evidence_max_bytes: int = 20 * 1024 * 1024  # one evidence file (and one Excel import)
    # Where evidence content lives (XUNCHA_EVIDENCE_URL: backend/evidence/location.py); empty: `evidence_dir`.
    evidence_url: str = ""
    reopen_window_days: int = 365  # how long after 销号 an entry may be reopened (回头看)
    # 12310 reports' time limits in working days: the handling opinion (受理 or not) after receipt,
    # 办结 after 受理 (docs/decisions.md).
    report_triage_workdays: int = 10
    report_answer_workdays: int = 60
    # 共性问题: a kind counts as common when this many offices found it within this many days.
    common_problem_min_offices: int = 3
    common_problem_window_days: int = 365
    # Notifications: SMTP server (empty: no e-mail is sent), sender, attempts per delivery
    # (with doubling delays from the base), the arq jobs' timeout (a dead worker's jobs rerun
    # after it), how often the relay polls besides LISTEN, and when it re-sends lost work.
    smtp_url: str = ""
    mail_from: str = "xuncha@localhost"
    delivery_max_attempts: int = 5
    # Webhook hosts trusted without the public-address check (an intranet deployment's robots).
    webhook_allowed_hosts: frozenset[str] = frozenset()
    retry_base_seconds: float = 30.0
    job_timeout_seconds: int = 30
    outbox_poll_seconds: float = 2.0
    sweep_after_seconds: int = 60
    # Deadlines and 督办: remind this many working days before a deadline; escalate an office
    # to its parent, then to its province, at these numbers of overdue findings.
    reminder_workdays: int = 3
    escalate_to_parent_at: int = 10
    escalate_to_province_at: int = 30
    # Extra tenant-migration version folders (tests and benchmarks stage migrations there).
    extra_tenant_migrations: tuple[Path, ...] = ()
    # What the deployment calls the three sensitivity markings (XUNCHA_SENSITIVITY_NAMES, comma
    # separated, least restricted first), in exports and printed documents.
    sensitivity_names: tuple[str, str, str] = ("公开", "内部", "敏感")
    metrics_token: str = ""  # XUNCHA_METRICS_TOKEN: the bearer token of GET /metrics (required in production)
    # OpenTelemetry spans (XUNCHA_TRACING, backend/tracing.py): off, otlp (to the collector the
    # standard OTEL_EXPORTER_OTLP_* variables name) or console.
    tracing: str = "off"
    # Where the clock starts (XUNCHA_CLOCK, an ISO date or instant; it runs on from there):
    # tests and demos as of a given day. None: the machine's clock. Refused in production.
    clock_start: datetime | None = None

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url

    @property
    def uses_embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def evidence_dir(self) -> Path:
        """Evidence content without XUNCHA_EVIDENCE_URL; with S3, where uploads wait while checked."""
        return self.data_dir / "evidence"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("XUNCHA_DATA_DIR") or _default_data_dir()).resolve()
        environment = os.environ.get("XUNCHA_ENV", "development")
        return cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            redis_url=os.environ.get("REDIS_URL", ""),
            data_dir=data_dir,
            secret_key=_secret_key(data_dir, production=environment == "production"),
            environment=environment,
            migrations_dir=Path(os.environ.get("XUNCHA_MIGRATIONS_DIR", MIGRATIONS)),
            spare_pool_size=_env_int("XUNCHA_SPARE_POOL_SIZE", 8),
            migration_concurrency=_env_int("XUNCHA_MIGRATION_CONCURRENCY", 4),
            lock_timeout=_lock_timeout(),
            pool_size=_env_int("XUNCHA_POOL_SIZE", 10),
            pool_recycle_seconds=_env_int("XUNCHA_POOL_RECYCLE_SECONDS", 900),
            pool_ping_after_idle_seconds=float(os.environ.get("XUNCHA_POOL_PING_AFTER_IDLE_SECONDS", "5")),
            behind_pgbouncer=os.environ.get("XUNCHA_PGBOUNCER", "") in {"1", "true"},
            direct_database_url=os.environ.get("XUNCHA_DIRECT_DATABASE_URL", ""),
            queue_name=os.environ.get("XUNCHA_QUEUE_NAME", "xuncha:queue"),
            redis_prefix=os.environ.get("XUNCHA_REDIS_PREFIX", "xuncha"),
            edge=EdgeLimits.from_env(production=environment == "production"),
            evidence_max_bytes=_env_int("XUNCHA_EVIDENCE_MAX_MB", 20) * 1024 * 1024,
            evidence_url=_evidence_url(),
            reopen_window_days=_env_int("XUNCHA_REOPEN_WINDOW_DAYS", 365),
            report_triage_workdays=_env_int("XUNCHA_REPORT_TRIAGE_WORKDAYS", 10),
            report_answer_workdays=_env_int("XUNCHA_REPORT_ANSWER_WORKDAYS", 60),
            common_problem_min_offices=_env_int("XUNCHA_COMMON_PROBLEM_MIN_OFFICES", 3),
            common_problem_window_days=_env_int("XUNCHA_COMMON_PROBLEM_WINDOW_DAYS", 365),
            smtp_url=os.environ.get("XUNCHA_SMTP_URL", ""),
            mail_from=os.environ.get("XUNCHA_MAIL_FROM", "xuncha@localhost"),
            delivery_max_attempts=_env_int("XUNCHA_DELIVERY_MAX_ATTEMPTS", 5),
            webhook_allowed_hosts=frozenset(
                host.strip().lower() for host in os.environ.get("XUNCHA_WEBHOOK_ALLOWED_HOSTS", "").split(",") if host.strip()
            ),
            retry_base_seconds=float(_env_int("XUNCHA_RETRY_BASE_SECONDS", 30)),
            job_timeout_seconds=_env_int("XUNCHA_JOB_TIMEOUT_SECONDS", 30),
            sweep_after_seconds=_env_int("XUNCHA_SWEEP_AFTER_SECONDS", 60),
            reminder_workdays=_env_int("XUNCHA_REMINDER_WORKDAYS", 3),
            escalate_to_parent_at=_env_int("XUNCHA_ESCALATE_TO_PARENT_AT", 10),
            escalate_to_province_at=_env_int("XUNCHA_ESCALATE_TO_PROVINCE_AT", 30),
            extra_tenant_migrations=tuple(Path(p) for p in os.environ.get("XUNCHA_EXTRA_TENANT_MIGRATIONS", "").split(os.pathsep) if p),
            clock_start=_clock_start(production=environment == "production"),
            sensitivity_names=_sensitivity_names(),
            metrics_token=os.environ.get("XUNCHA_METRICS_TOKEN", ""),
            tracing=_tracing(),
        )

    def marking_name(self, marking: str) -> str:
        """A sensitivity marking (公开 / 内部 / 敏感) as this deployment names it."""
        return self.sensitivity_names[ORDER.index(Sensitivity(marking))]

    def clock(self) -> Clock:
        return ShiftedClock(self.clock_start) if self.clock_start else Clock()
