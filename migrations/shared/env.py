"""Shared stream: the schemas every tenant shares (registry `tenancy`, `identity`, `problem_bank`, `notify`, `supervision`).

`xuncha db upgrade` passes its connection in `config.attributes["connection"]`; the plain
alembic CLI connects to DATABASE_URL itself.
"""

import asyncio
import os

from alembic import context
from sqlalchemy import text

from backend.accountability.models import UnitRestriction  # noqa: F401 (registers its table)
from backend.feedback.terms import RoundTermsRow  # noqa: F401  (its table is in SupervisionBase.metadata)
from backend.identity.models import IdentityBase
from backend.notifications.models import NotifyBase
from backend.reporting.models import ReportUp  # noqa: F401  (its table is in SupervisionBase.metadata)
from backend.supervision.models import SupervisionBase
from backend.warnings.models import WarningThreshold  # noqa: F401  (its table is in SupervisionBase.metadata)
from problem_bank.models import ProblemBankBase
from tenants.citus import shared_schemas_on_coordinator
from tenants.models import RegistryBase
from tenants.naming import REGISTRY_SCHEMA


def run_migrations(connection) -> None:
    shared_schemas_on_coordinator(connection)
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {REGISTRY_SCHEMA}"))
    context.configure(
        connection=connection,
        target_metadata=[
            RegistryBase.metadata,
            IdentityBase.metadata,
            ProblemBankBase.metadata,
            NotifyBase.metadata,
            SupervisionBase.metadata,
        ],
        version_table_schema=REGISTRY_SCHEMA,
        include_schemas=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine() -> None:
    from backend.db import create_engine

    engine = create_engine(os.environ["DATABASE_URL"])
    async with engine.begin() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("共享迁移不支持离线模式；请运行 xuncha db upgrade")
elif (connection := context.config.attributes.get("connection")) is not None:
    run_migrations(connection)
else:
    asyncio.run(run_with_own_engine())
