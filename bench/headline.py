"""./dev bench headline: issue 25's headline table, kept true (issue 25 item 5). Measures nothing.

Reads the newest result of each suite the table draws on (tenancy, bank, mixed, postgraphile) in
bench/results/, or the files named with --from (in order: a later file of the same suite wins),
takes each row's figure from it, records it in bench/headline.json with what it was taken at
(command, time, commit, migration heads, load average: bench/provenance.py), and rewrites the
table in BENCHMARKS.md between its two markers. A row whose result is missing, or was taken at
another scale than the headline's (a tenancy run with --limit, a bank or mixed run without
1,000,000 rows), keeps its previous entry.

--render only re-renders the table from bench/headline.json against the current heads.
A row taken at other heads than the current ones is marked stale. Heads only: a change of code
without a migration (the write path, say) does not mark a row stale; re-run after it.

Usage: ./dev bench headline [--from FILE ...] | --render
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backend.resources import checkout
from bench.common import RESULTS
from bench.provenance import heads

HEADLINE = checkout() / "bench" / "headline.json"
BENCHMARKS = checkout() / "BENCHMARKS.md"
START, END = "<!-- headline:start -->", "<!-- headline:end -->"
COUNTRY = 3218  # offices in the national register: the headline's tenancy runs provision them all
BANK_ROWS = 1_000_000  # the scale of the bank and mixed-load rows
PROVENANCE = ("command", "when", "commit", "uncommitted_changes", "heads", "load_average")
MEASURED = ("figure", "met", "source", *PROVENANCE)  # what headline.json records of a row's result

# A row's figure from its suite's results, and whether it meets the target; None when the run
# does not measure what the row does (a smaller run).
Figure = Callable[[dict], tuple[str, bool] | None]


@dataclass(frozen=True)
class Row:
    key: str
    measure: str
    target: str
    suite: str
    figure: Figure


def whole_country(results: dict) -> bool:
    return results["provision_country"]["tenants"] == COUNTRY


def country(results: dict) -> tuple[str, bool] | None:
    if not whole_country(results):
        return None
    run = results["provision_country"]
    return f"{run['seconds']} s ({run['per_second']} /s)", run["seconds"] < 180


def one_tenant(results: dict) -> tuple[str, bool] | None:
    if not whole_country(results):
        return None
    one = results["provision_one"]
    return f"build path {one['built_p50_ms']} ms (spare pool {one['spare_p50_ms']} ms)", one["built_p50_ms"] < 100


def catalog(results: dict) -> tuple[str, bool] | None:
    if not whole_country(results):
        return None
    sizes = results["catalog_and_memory"]
    figure = (
        f"{sizes['catalog_mib']:,} MiB catalog ({sizes['database_mib']:,} MiB database), "
        f"{sizes['pg_class_rows']:,} pg_class rows at {sizes['tenant_schemas']:,} schemas"
    )
    return figure, sizes["catalog_mib"] * 2**20 < 10**9


def additive_migration(results: dict) -> tuple[str, bool] | None:
    if not whole_country(results):
        return None
    run = results["additive_migration"]
    return f"{run['seconds']} s over {run['schemas']:,} schemas ({run['per_second']} /s)", run["seconds"] < 60


def logging_slowdown(results: dict) -> tuple[str, bool] | None:
    if results["rows"] != BANK_ROWS:
        return None
    logging = results["as_built"]["logging"]
    mutation, transaction = logging["log_finding_mutation"]["slowdown"], logging["insert_finding_transaction"]["slowdown"]
    figure = (
        f"logFinding: throughput {mutation['throughput']:.1%} / p50 {mutation['p50']:.1%} "
        f"(the transaction alone {transaction['throughput']:.1%} / {transaction['p50']:.1%})"
    )
    return figure, max(mutation["throughput"], mutation["p50"]) <= 0.10


def dashboard(results: dict) -> tuple[str, bool] | None:
    built = results["as_built"]
    if results["rows"] != BANK_ROWS or "dashboard_4_clients" not in built:
        return None
    one, four = built["dashboard_1_client"], built["dashboard_4_clients"]
    figure = f"p95 {one['p95_ms']} / {four['p95_ms']} ms (p50 {one['p50_ms']} / {four['p50_ms']} ms)"
    return figure, one["p95_ms"] < 150 and four["p95_ms"] < 300


def mixed(results: dict) -> tuple[str, bool] | None:
    ratio = results.get("ratio_to_bare", {}).get("xuncha")
    if results["findings"] != BANK_ROWS or ratio is None:
        return None
    rate = results["xuncha"]["overall"]["per_second"], results["bare"]["overall"]["per_second"]
    figure = f"{ratio['throughput']} ({rate[0]} vs {rate[1]} requests/s; rounds {', '.join(map(str, ratio['throughput_by_round']))})"
    return figure, ratio["throughput"] >= 0.8


def postgraphile(results: dict) -> tuple[str, bool] | None:
    ratio = results["ratio_to_postgraphile"]["xuncha"]
    rate = results["xuncha"]["per_second"], results["postgraphile"]["per_second"]
    figure = f"{ratio['throughput']} ({rate[0]} vs {rate[1]} requests/s; rounds {', '.join(map(str, ratio['rounds']))})"
    return figure, ratio["throughput"] >= 1.0


ROWS = (
    Row("country", "provision the whole country, 3,218 tenants", "< 180 s", "tenancy", country),
    Row("one_tenant", "one tenant, build path p50 (spare pool p50)", "< 100 ms", "tenancy", one_tenant),
    Row("catalog", "system catalog at ~3,318 empty tenants", "< 1 GB", "tenancy", catalog),
    Row("additive_migration", "additive migration over all schemas", "< 60 s", "tenancy", additive_migration),
    Row(
        "logging_slowdown",
        "logging a finding, slowdown from the bank projection and counts, 1,000,000 rows",
        "≤ 10%",
        "bank",
        logging_slowdown,
    ),
    Row("dashboard", "bank dashboard p95, 1 client / 4 clients, 1,000,000 rows", "< 150 / < 300 ms", "bank", dashboard),
    Row("mixed", "mixed load, throughput ÷ the bare stack's", "≥ 0.8", "mixed", mixed),
    Row("postgraphile", "50-finding list, throughput ÷ PostGraphile 4.14's, same run", "≥ 1.0", "postgraphile", postgraphile),
)
SUITES = tuple(dict.fromkeys(row.suite for row in ROWS))


def suite_of(path: Path) -> str:
    """A results file's suite, from its name (bench/common.py's write_results: SUITE-WHEN.json)."""
    suite = path.name.partition("-")[0]
    if suite not in SUITES or path.suffix != ".json":
        raise SystemExit(f"{path}：不是 {'、'.join(SUITES)} 的结果文件")
    return suite


def newest_results() -> list[Path]:
    """The newest results file of each suite the table draws on, where there is one."""
    return [files[-1] for suite in SUITES if (files := sorted(RESULTS.glob(f"{suite}-*.json")))]


def updated(entries: list[dict], results: list[tuple[str, dict]]) -> list[dict]:
    """The table's entries with each row's figure taken from the named results (in order, a
    later result of the same suite winning); a row no result measures keeps its entry."""
    previous = {entry["key"]: entry for entry in entries}
    rows = []
    for row in ROWS:
        measured = {key: previous.get(row.key, {}).get(key) for key in MEASURED}
        for source, result in results:
            if suite_of(Path(source)) == row.suite and (found := row.figure(result)) is not None:
                measured = dict(zip(MEASURED, (*found, source, *(result.get(key) for key in PROVENANCE)), strict=True))
        rows.append({"key": row.key, "measure": row.measure, "target": row.target, "suite": row.suite, **measured})
    return rows


def taken_at(entry_heads: dict | None) -> str:
    return f"{entry_heads['shared']}/{entry_heads['tenant']}" if entry_heads else "unknown heads"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(entries: list[dict], current: dict) -> str:
    """The table (with the current heads above it), entries taken at other heads marked stale."""
    lines = [
        f"Current migration heads: {taken_at(current)}.",
        "",
        "| measure | target | figure | met | commit | heads | date (UTC) | load, 1 min (start → end) | command |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in entries:
        if entry["figure"] is None:
            lines.append(f"| {entry['measure']} | {entry['target']} | not measured | — | — | — | — | — | — |")
            continue
        commit = (entry["commit"] or "unknown")[:7] + (" (uncommitted changes)" if entry["uncommitted_changes"] else "")
        at = taken_at(entry["heads"])
        heads_cell = at if entry["heads"] == current else f"**stale** (taken at {at})"
        load = entry["load_average"]
        load_cell = f"{load['start']} → {load['end']}" if load else "—"
        when = entry["when"].replace("T", " ")[:16]
        lines.append(
            f"| {entry['measure']} | {entry['target']} | {cell(entry['figure'])} | {'yes' if entry['met'] else '**no**'} | {commit} "
            f"| {heads_cell} | {when} | {load_cell} | `{cell(entry['command'])}` |"
        )
    return "\n".join(lines)


def between_markers(markdown: str) -> tuple[str, str, str]:
    """BENCHMARKS.md split at the headline's markers: before, the table, after."""
    before, start, rest = markdown.partition(START)
    table, end, after = rest.partition(END)
    if not (start and end):
        raise SystemExit(f"BENCHMARKS.md 缺少标记 {START} … {END}")
    return before, table.strip("\n"), after


def with_table(markdown: str, table: str) -> str:
    before, _, after = between_markers(markdown)
    return f"{before}{START}\n{table}\n{END}{after}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="./dev bench headline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="sources", nargs="+", type=Path, metavar="FILE", help="results files to read (default: the newest)")
    parser.add_argument("--render", action="store_true", help="only re-render the table from bench/headline.json")
    args = parser.parse_args()
    if args.render and args.sources:
        parser.error("--render 不读取结果文件，不能与 --from 同用")
    entries = json.loads(HEADLINE.read_text())
    if not args.render:
        sources = args.sources or newest_results()
        for path in sources:
            suite_of(path)
        results = [(path.name, json.loads(path.read_text())) for path in sources]
        entries = updated(entries, results)
        HEADLINE.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n")
        taken = {entry["source"] for entry in entries if entry["figure"] is not None}
        for path in sources:
            print(f"{path.name}：{'已采用' if path.name in taken else '未采用（不是标题表的规模，或同一套件有其后的文件）'}")
    BENCHMARKS.write_text(with_table(BENCHMARKS.read_text(), render(entries, heads())))
    print(f"已更新 BENCHMARKS.md 的标题表（{sum(entry['figure'] is not None for entry in entries)}/{len(entries)} 行有数据）")


if __name__ == "__main__":
    main()
