"""Prometheus metrics at GET /metrics, in the text exposition format (no client library: a
handful of series). Per API process: requests and their latency per operation (a GraphQL
operation's name or first field; a route's path template) and result. Read when scraped: the
outbox backlog and its oldest event's age, deliveries retrying and dead, the connection
pool's use, and whether the database and Redis answer.

In production the endpoint wants `Authorization: Bearer $XUNCHA_METRICS_TOKEN` (and is
refused without a token configured); in development it is open."""

from __future__ import annotations

import asyncio
import hmac
from collections import defaultdict
from collections.abc import Callable, Iterable

from litestar import Request, get
from litestar.response import Response
from sqlalchemy import text

from backend.permissions import anyone, permitted
from backend.runtime import Runtime
from tenants.access import forbidden

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # seconds
PROBE_TIMEOUT_SECONDS = 2.0
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RequestMetrics:
    """Counts and latency histograms of this process's requests."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self.sums: dict[str, float] = defaultdict(float)
        self.totals: dict[str, int] = defaultdict(int)

    def observe(self, operation: str, result: str, seconds: float) -> None:
        self.counts[(operation, result)] += 1
        counts = self.buckets[operation]
        for index, bound in enumerate(BUCKETS):
            if seconds <= bound:
                counts[index] += 1
        self.sums[operation] += seconds
        self.totals[operation] += 1

    def lines(self) -> Iterable[str]:
        yield "# HELP xuncha_requests_total Requests answered, by operation and result code."
        yield "# TYPE xuncha_requests_total counter"
        for (operation, result), count in sorted(self.counts.items()):
            yield f'xuncha_requests_total{{operation="{_label(operation)}",result="{_label(result)}"}} {count}'
        yield "# HELP xuncha_request_duration_seconds Time to answer a request, by operation."
        yield "# TYPE xuncha_request_duration_seconds histogram"
        for operation in sorted(self.totals):
            name = _label(operation)
            for bound, count in zip(BUCKETS, self.buckets[operation], strict=True):
                yield f'xuncha_request_duration_seconds_bucket{{operation="{name}",le="{bound}"}} {count}'
            yield f'xuncha_request_duration_seconds_bucket{{operation="{name}",le="+Inf"}} {self.totals[operation]}'
            yield f'xuncha_request_duration_seconds_sum{{operation="{name}"}} {self.sums[operation]:.6f}'
            yield f'xuncha_request_duration_seconds_count{{operation="{name}"}} {self.totals[operation]}'


METRICS = RequestMetrics()

# Gauges read when scraped: (name, help, SQL answering one number).
GAUGES = (
    ("xuncha_outbox_backlog", "Outbox events not yet relayed.", "SELECT count(*) FROM notify.outbox WHERE processed_at IS NULL"),
    (
        "xuncha_outbox_oldest_age_seconds",
        "Age of the oldest outbox event not yet relayed (0 when none).",
        "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM notify.outbox WHERE processed_at IS NULL",
    ),
    (
        "xuncha_deliveries_retrying",
        "E-mails and webhooks waiting for another attempt.",
        "SELECT count(*) FROM notify.delivery WHERE state = 'retrying'",
    ),
    (
        "xuncha_deliveries_dead",
        "E-mails and webhooks given up on (dead letters).",
        "SELECT count(*) FROM notify.delivery WHERE state = 'dead'",
    ),
)


async def exposition(runtime: Runtime) -> str:
    lines = list(METRICS.lines())
    database_up = 1
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), runtime.engine.connect() as connection:
            for name, description, query in GAUGES:
                value = (await connection.execute(text(query))).scalar_one()
                lines += [f"# HELP {name} {description}", f"# TYPE {name} gauge", f"{name} {float(value)}"]
    except Exception:  # unreachable or too slow: reported as down, never an error page
        database_up = 0
    redis_up = await _answers(runtime.redis.ping)
    pool = runtime.engine.pool
    checked_out: Callable[[], int] = getattr(pool, "checkedout", lambda: 0)
    size: Callable[[], int] = getattr(pool, "size", lambda: 0)
    for name, description, value in (
        ("xuncha_database_up", "Whether PostgreSQL answered.", database_up),
        ("xuncha_redis_up", "Whether Redis answered.", redis_up),
        ("xuncha_db_pool_checked_out", "Connections of this process's pool in use.", checked_out()),
        ("xuncha_db_pool_size", "The pool's size (overflow aside).", size()),
    ):
        lines += [f"# HELP {name} {description}", f"# TYPE {name} gauge", f"{name} {value}"]
    return "\n".join(lines) + "\n"


async def _answers(probe) -> int:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            await probe()
        return 1
    except Exception:  # any failure means down
        return 0


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


@get("/metrics", guards=[permitted], opt={"access": anyone()})
async def metrics(request: Request) -> Response[str]:
    """The metrics (a bearer token in production, see above)."""
    runtime: Runtime = request.app.state.runtime
    expected = runtime.settings.metrics_token
    if expected or runtime.settings.is_production:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise forbidden("需要监控令牌（XUNCHA_METRICS_TOKEN）")
    return Response(await exposition(runtime), media_type=CONTENT_TYPE)
