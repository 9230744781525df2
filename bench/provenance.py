"""What a benchmark figure was taken at: the checkout's commit, whether its work tree had
uncommitted changes, the migration heads (read from the scripts, not from a database), and the
machine's 1-minute load average when the suite started and when it wrote its results."""

from __future__ import annotations

import os
import subprocess

from backend.resources import checkout
from tenants.streams import MigrationStreams

# Taken when a suite first imports this module (through bench.common): the suite's start.
LOAD_AT_START = round(os.getloadavg()[0], 2)


def heads() -> dict[str, str | None]:
    """The shared and tenant migration heads of this checkout's scripts."""
    streams = MigrationStreams(checkout() / "migrations")
    return {"shared": streams.shared_head, "tenant": streams.tenant_head}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=checkout(), capture_output=True, text=True, check=True).stdout.strip()


def provenance() -> dict:
    """The commit, uncommitted changes (bench/results/ aside), heads and load average, now."""
    return {
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--", ".", ":(exclude)bench/results")),
        "heads": heads(),
        "load_average": {"start": LOAD_AT_START, "end": round(os.getloadavg()[0], 2)},
    }
