"""An outage of a dependency the service carries on without (Redis for rate limits and
notifications, PostgreSQL for the outbox relay's polling), logged when it starts (with the
error) and when it ends, not on every failed call: under load a line per request, or one a
second per process from the relay, buries the log."""

from __future__ import annotations

import logging
import time


class OutageLog:
    def __init__(self, log: logging.Logger, what: str, dependency: str = "Redis") -> None:
        self.log, self.what, self.dependency = log, what, dependency
        self.since: float | None = None  # monotonic time of the first failure of this outage
        self.failures = 0

    def failed(self) -> None:
        """Called in the `except` block of the failed call."""
        if self.since is None:
            self.since = time.monotonic()
            self.log.warning("%s: %s unreachable", self.what, self.dependency, exc_info=True)
        self.failures += 1

    def succeeded(self) -> None:
        if self.since is None:
            return
        self.log.warning(
            "%s: %s reachable again after %.0f s (%d calls failed meanwhile)",
            self.what,
            self.dependency,
            time.monotonic() - self.since,
            self.failures,
        )
        self.since, self.failures = None, 0
