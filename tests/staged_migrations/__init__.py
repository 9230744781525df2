"""Tenant migrations staged on top of the product's head, for tests and benchmarks only."""

from pathlib import Path

from backend.resources import MIGRATIONS
from tenants.streams import MigrationStreams

STAGED = Path(__file__).parent
ADDITIVE = STAGED / "additive"
SLOW = STAGED / "slow"


def product_tenant_head() -> str:
    return MigrationStreams(MIGRATIONS).tenant_head
