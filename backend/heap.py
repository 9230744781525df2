"""The API process's garbage collector, set once the app is built.

Under the mixed load the collector took 11% of the API's CPU with Python's defaults: a young
collection every 700 allocations (a finding page allocates tens of thousands of objects, so
short-lived ones were promoted and then scanned again), and each full collection walked the
~300,000 objects that live as long as the process (the schema, SQLAlchemy's metadata and
caches, the imported modules). Frozen, those are never scanned again; a threshold of 10,000
lets a request's objects die young. Measured: 2.5% of the CPU, 8% more requests per second
(BENCHMARKS.md)."""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 10_000


def settle() -> None:
    """Collect once, freeze what survives (the process's lasting objects), then collect the
    young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
