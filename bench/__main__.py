"""./dev bench SUITE [options]: SUITE is `tenancy` (issue 2), `identity` (issue 3), `ledger` (issue 4),
`bank` (issue 5), `notifications` (issue 6), `mixed` or `cost` (issue 9), `statements` (issues 24.3, 25.3(a)), `postgraphile`
(issue 25.3), `citus` (issue 24.5: a local Citus cluster against one node), `build` (issue 25.1); `headline` (issue 25.5) rewrites
BENCHMARKS.md's headline table from their results, measuring nothing; `smoke` checks in a minute that they all still run."""

import importlib
import sys

SUITES = (
    "tenancy",
    "identity",
    "ledger",
    "bank",
    "notifications",
    "mixed",
    "cost",
    "statements",
    "postgraphile",
    "citus",
    "build",
    "headline",
    "smoke",
)

if len(sys.argv) < 2 or sys.argv[1] not in SUITES:
    raise SystemExit(f"usage: ./dev bench {{{'|'.join(SUITES)}}} [--help]")
suite = sys.argv.pop(1)
importlib.import_module(f"bench.{suite}").main()
