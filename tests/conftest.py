"""Test fixtures: real PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are
set), a fresh uniquely named database per test, dropped afterwards. The shared schemas are
migrated once per session into a template database that each test's database copies. The
suite runs on two pytest-xdist workers; each starts its own embedded servers."""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import make_url

from backend.clock import Clock, ShiftedClock
from backend.embedded import ServiceUrls, running_services
from backend.runtime import Runtime, open_runtime
from backend.settings import Settings
from tests import citus, pgbouncer
from tests.factories import add_round, add_unit, seed_round
from tests.helpers import LOG_FINDING, SCENARIO_DAY, Office, configured, create_all, finding_input, fresh_database, on_database
from tests.identity import Api, add_user, token_for

pytest_plugins = ["tests.evidence_stores"]  # the evidence stores: `evidence_url`, and S3 on a moto server


@pytest.fixture(scope="session")
def settings() -> Settings:
    configured = Settings.from_env()
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1: each worker its own embedded servers
    return dataclasses.replace(
        configured,
        data_dir=configured.data_dir / worker if worker else configured.data_dir,
        queue_name=f"xuncha:test:{uuid.uuid4().hex[:8]}",
        spare_pool_size=2,
        lock_timeout="2s",
        webhook_allowed_hosts=frozenset({"127.0.0.1"}),  # the tests' webhook sinks listen here
        behind_pgbouncer=configured.behind_pgbouncer or pgbouncer.ENABLED,
    )


@pytest.fixture(scope="session")
def services(settings: Settings) -> Iterator[ServiceUrls]:
    if citus.ENABLED:
        redis_only = dataclasses.replace(settings, database_url="postgresql://citus-cluster")  # no embedded PostgreSQL
        with running_services(redis_only) as urls, citus.running_cluster() as coordinator:
            yield ServiceUrls(coordinator, urls.redis_url)
        return
    with running_services(settings) as urls:
        if not pgbouncer.ENABLED:
            yield urls
            return
        with pgbouncer.running_pgbouncer(urls.direct_url) as pooled:
            yield ServiceUrls(pooled, urls.redis_url, urls.direct_url)


@pytest.fixture
async def database_url(services: ServiceUrls) -> AsyncIterator[str]:
    """A new, empty database on the server, dropped after the test."""
    async with fresh_database(services) as url:
        yield url


@pytest.fixture(scope="session")
async def migrated_template(settings: Settings, services: ServiceUrls) -> AsyncIterator[str]:
    """The name of a database with the shared schemas at head, built once per session."""
    async with fresh_database(services) as url:
        # Past any PgBouncer: a server connection it kept open would keep the template from being copied.
        direct = on_database(services, url).direct_url
        async with open_runtime(settings, ServiceUrls(direct, services.redis_url)) as runtime:
            await runtime.upgrade_shared()
        name = make_url(url).database or ""  # closed first: a template may have no connections
        if citus.ENABLED:
            await citus.freeze(services.direct_url, name)
        yield name


@pytest.fixture
def clock(settings: Settings) -> ShiftedClock:
    """The test's clock: it starts at XUNCHA_CLOCK if set (`XUNCHA_CLOCK=2027-06-01 ./dev test`
    runs the suite as of that day), else at the machine's time; a test moves it with `set` and
    `advance`."""
    return ShiftedClock(settings.clock_start or Clock().now())


@pytest.fixture
async def runtime(
    settings: Settings, services: ServiceUrls, migrated_template: str, clock: ShiftedClock, evidence_url: str
) -> AsyncIterator[Runtime]:
    """An open runtime on a fresh database with the shared schemas migrated, its evidence in the
    local store unless the test asks for both (tests/evidence_stores.py)."""
    own_keys = dataclasses.replace(settings, redis_prefix=f"xuncha-test-{uuid.uuid4().hex[:8]}", evidence_url=evidence_url)
    async with (
        fresh_database(services, migrated_template) as url,
        open_runtime(own_keys, on_database(services, url), clock) as runtime,
    ):
        yield runtime


@pytest.fixture
async def county_office(runtime):
    """双峰县 (431321) under 娄底 and 湖南 with round 1 over unit 1, its inspector, reviewer,
    liaison of unit 1 and admin, and the city's admin; the runtime on its own quick queue."""
    runtime = configured(runtime)
    await create_all(runtime, "430000", "431300", "431321")
    await seed_round(runtime, "431321")
    people = {"inspector": ("inspector", None), "reviewer": ("reviewer", None), "liaison": ("liaison", 1), "admin": ("admin", None)}
    tokens = {
        who: await token_for(runtime, await add_user(runtime, f"sf.{who}", ("431321", role, unit))) for who, (role, unit) in people.items()
    }
    tokens["city_admin"] = await token_for(runtime, await add_user(runtime, "loudi.admin", ("431300", "admin", None)))
    return runtime, tokens


@pytest.fixture
async def ledger_office(runtime, tmp_path) -> Office:
    """双峰县 and its sibling 新化县, each with units 1 and 2 in round 1, and the people who act
    on a ledger, each as an `Office` with their tokens."""
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321", "431322")
    for code in ("431321", "431322"):
        units = [await add_unit(runtime, code, f"单位{n}", f"UNIT{code}{n}") for n in (1, 2)]
        await add_round(runtime, code, units, name="第十二轮")
    people = {
        "inspector": ("431321", "inspector", None),
        "reviewer": ("431321", "reviewer", None),
        "admin": ("431321", "admin", None),
        "auditor": ("431321", "auditor", None),
        "liaison": ("431321", "liaison", 1),
        "other_liaison": ("431321", "liaison", 2),
        "sibling_reviewer": ("431322", "reviewer", None),
        "city_reviewer": ("431300", "reviewer", None),
    }
    tokens = {name: await token_for(runtime, await add_user(runtime, f"sf.{name}", grant)) for name, grant in people.items()}
    return Office(runtime, tokens)


@pytest.fixture
async def county(runtime, tmp_path):
    """双峰县 and 新化县 under 娄底, each with round 1 over unit 1, and 双峰县's inspector's token."""
    runtime = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, data_dir=tmp_path))
    await create_all(runtime, "430000", "431300", "431321", "431322")
    await seed_round(runtime, "431321", "431322")
    token = await token_for(runtime, await add_user(runtime, "sf.inspector", ("431321", "inspector", None)))
    return runtime, token


@pytest.fixture
async def province(county):
    """Findings in 双峰县 (431321) and its sibling 新化县 (431322), as of SCENARIO_DAY: SF-1 is
    overdue (deadline 2026-01-31), LY-1 not yet (2026-12-31); readers placed around them."""
    runtime, inspector = county
    runtime.clock.set(SCENARIO_DAY)
    await create_all(runtime, "440000")
    sibling = await token_for(runtime, await add_user(runtime, "xinhua.inspector", ("431322", "inspector", None)))
    async with Api(runtime) as api:
        for code, description, taxonomy, deadline, found in (
            ("SF-1", "实有人数超过核定编制 2 名，属超编进人", "C03.K01.M01", "2026-01-31", "2026-01-05"),
            ("SF-2", "借调下级单位人员 3 名超过一年", "C03.K10.M02", "2099-12-31", "2026-02-01"),
            ("SF-3", "内设机构数量超过核定限额", "C04.K02.M01", "2099-12-31", "2026-03-01"),
        ):
            await api.call(
                LOG_FINDING,
                inspector,
                i=finding_input(code=code, description=description, taxonomyCode=taxonomy, deadline=deadline, foundOn=found),
            )
        await api.call(
            LOG_FINDING.replace("431321", "431322"),
            sibling,
            i=finding_input(code="LY-1", description="混编混岗，超编使用事业编制", taxonomyCode="C03.K01.M02"),
        )
    readers = {
        "province": ("430000", "auditor", None),
        "city": ("431300", "inspector", None),
        "other": ("440000", "admin", None),
        "liaison": ("431321", "liaison", 1),
    }
    tokens = {name: await token_for(runtime, await add_user(runtime, f"bank.{name}", grant)) for name, grant in readers.items()}
    return runtime, {**tokens, "county": inspector, "sibling": sibling}
