"""BENCHMARKS.md's headline table (bench/headline.py): what it shows is bench/headline.json rendered
against the current migration heads, so a new migration marks the rows taken before it stale;
each row's figure comes from the keys its suite writes. No database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.headline import BENCHMARKS, HEADLINE, ROWS, between_markers, render, suite_of, updated, with_table
from bench.provenance import heads, provenance

AT = {"shared": "0036", "tenant": "t0029"}


def taken(results: dict, suite: str, at: dict = AT) -> tuple[str, dict]:
    """A results file as bench/common.py's write_results leaves it."""
    written = {
        **results,
        "machine": {"cpus": 2, "memory_gib": 24, "platform": "Linux"},
        "command": f"./dev bench {suite}",
        "commit": "3882f352ad0407c8fb26422e5fb72131d5ba8212",
        "uncommitted_changes": False,
        "heads": at,
        "load_average": {"start": 1.5, "end": 2.25},
        "when": "2026-12-06T01:02:03+00:00",
    }
    return f"{suite}-{written['when'].replace(':', '')}.json", written


def latency(p50: float, p95: float, per_second: float = 10.0) -> dict:
    """bench/identity.py's latency_stats."""
    return {"requests": 100, "per_second": per_second, "p50_ms": p50, "p95_ms": p95, "p99_ms": p95 * 1.2, "errors": 0}


def tenancy(tenants: int = 3218) -> dict:
    return {
        "postgres": "15.20",
        "provision_country": {"tenants": tenants, "seconds": 85.2, "per_second": 37.8},
        "provision_one": {
            "samples_each": 50,
            "spare_p50_ms": 4.34,
            "spare_p95_ms": 5.77,
            "built_p50_ms": 84.38,
            "built_p95_ms": 111.28,
            "built_over_spare_p50": 19.4,
        },
        "additive_migration": {"schemas": 3318, "seconds": 12.6, "per_second": 263.3, "concurrency": 4, "peak_backend_private_mib": 238.9},
        "catalog_and_memory": {
            "database_mib": 1096.0,
            "catalog_mib": 1200.5,
            "pg_class_rows": 123220,
            "tenant_schemas": 3318,
            "one_connection_touching_all_private_mib": {"before": 3.0, "after": 96.9},
            "python_peak_rss_mib": 75.0,
        },
    }


def logging_variant(slowdown: dict) -> dict:
    """bench/bank.py's with_and_without."""
    variant = {"calls": 200, "per_second": 50.0, "p50_ms": 19.3, "p95_ms": 25.0, "p99_ms": 30.0}
    return {"with_projection": variant, "without_projection": variant, "slowdown": slowdown}


def bank(rows: int = 1_000_000, concurrency: int = 4) -> dict:
    return {
        "rows": rows,
        "today": "2026-12-06",
        "as_built": {
            "dashboard_1_client": latency(32.0, 44.0),
            f"dashboard_{concurrency}_clients": latency(151.0, 220.0),
            "search_1_client": latency(28.0, 49.0),
            "logging": {
                "log_finding_mutation": logging_variant({"throughput": 0.098, "p50": 0.089}),
                "insert_finding_transaction": logging_variant({"throughput": 0.265, "p50": 0.235}),
            },
        },
    }


def mixed(only: str | None = None) -> dict:
    def server(per_second: float) -> dict:
        return {"seconds": 300.0, "concurrency": 8, "overall": latency(30.0, 90.0, per_second), "per_second_by_round": [per_second] * 2}

    results = {"findings": 1_000_000, "tenants": 500, "xuncha": server(120.0), "bare": server(150.0)}
    if only is None:
        results["ratio_to_bare"] = {"xuncha": {"throughput": 0.8, "p50": 1.1, "p95": 1.2, "p99": 1.3, "throughput_by_round": [0.79, 0.81]}}
    return results


def postgraphile(ratio: float) -> dict:
    return {
        "findings": 20_000,
        "postgraphile_version": "4.14.1",
        "xuncha": {**latency(20.0, 40.0, 300.0), "rounds_per_second": [300.0, 300.0]},
        "postgraphile": {**latency(22.0, 45.0, 250.0), "rounds_per_second": [250.0, 250.0]},
        "ratio_to_postgraphile": {"xuncha": {"throughput": ratio, "rounds": [ratio, ratio], "p50": 0.91}},
    }


def by_key(entries: list[dict]) -> dict[str, dict]:
    return {entry["key"]: entry for entry in entries}


def test_benchmarks_md_shows_headline_json_rendered_at_the_current_heads() -> None:
    _, table, _ = between_markers(BENCHMARKS.read_text())
    expected = render(json.loads(HEADLINE.read_text()), heads())
    assert table == expected, (
        "BENCHMARKS.md's headline table is not bench/headline.json at the current heads: run ./dev bench headline --render"
    )


def test_every_row_takes_its_figure_from_its_suites_results() -> None:
    results = [taken(tenancy(), "tenancy"), taken(bank(), "bank"), taken(mixed(), "mixed"), taken(postgraphile(0.9), "postgraphile")]
    entries = by_key(updated([], results))
    assert [entries[row.key]["figure"] for row in ROWS] == [
        "85.2 s (37.8 /s)",
        "build path 84.38 ms (spare pool 4.34 ms)",
        "1,200.5 MiB catalog (1,096.0 MiB database), 123,220 pg_class rows at 3,318 schemas",
        "12.6 s over 3,318 schemas (263.3 /s)",
        "logFinding: throughput 9.8% / p50 8.9% (the transaction alone 26.5% / 23.5%)",
        "p95 44.0 / 220.0 ms (p50 32.0 / 151.0 ms)",
        "0.8 (120.0 vs 150.0 requests/s; rounds 0.79, 0.81)",
        "0.9 (300.0 vs 250.0 requests/s; rounds 0.9, 0.9)",
    ]
    assert [entries[row.key]["met"] for row in ROWS] == [True, True, False, True, True, True, True, False]
    country = entries["country"]
    assert country["source"] == results[0][0]
    assert (country["commit"], country["heads"], country["load_average"]) == (results[0][1]["commit"], AT, {"start": 1.5, "end": 2.25})


def test_a_slowdown_over_ten_percent_in_either_measure_misses() -> None:
    results = bank()
    results["as_built"]["logging"]["log_finding_mutation"]["slowdown"] = {"throughput": 0.05, "p50": 0.101}
    assert by_key(updated([], [taken(results, "bank")]))["logging_slowdown"]["met"] is False


def test_a_run_at_another_scale_keeps_the_rows_previous_entry() -> None:
    before = updated([], [taken(tenancy(), "tenancy"), taken(bank(), "bank"), taken(mixed(), "mixed")])
    smaller = [
        taken(tenancy(tenants=400), "tenancy", {"shared": "0037", "tenant": "t0030"}),
        taken(bank(rows=10_000), "bank"),
        taken(bank(concurrency=8), "bank"),
        taken(mixed(only="xuncha"), "mixed"),
    ]
    assert updated(before, smaller) == before


def test_a_later_result_of_the_same_suite_wins() -> None:
    results = [taken(postgraphile(0.9), "postgraphile"), taken(postgraphile(1.25), "postgraphile")]
    assert by_key(updated([], results))["postgraphile"]["met"] is True


def test_rows_taken_at_other_heads_are_marked_stale() -> None:
    entries = updated([], [taken(mixed(), "mixed", {"shared": "0035", "tenant": "t0029"}), taken(postgraphile(1.1), "postgraphile")])
    table = render(entries, AT)
    lines = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert "**stale** (taken at 0035/t0029)" in lines["mixed load, throughput ÷ the bare stack's"]
    assert "| 0036/t0029 |" in lines["50-finding list, throughput ÷ PostGraphile 4.14's, same run"]
    assert "stale" not in lines["50-finding list, throughput ÷ PostGraphile 4.14's, same run"]
    assert "| not measured | — |" in lines["provision the whole country, 3,218 tenants"]
    assert table.splitlines()[0] == "Current migration heads: 0036/t0029."
    assert "stale" in render(entries, {"shared": "0036", "tenant": "t0030"}).split("PostGraphile 4.14's")[1]


def test_the_table_is_replaced_between_its_markers_only() -> None:
    markdown = "# B\n\nintro\n<!-- headline:start -->\nold\n<!-- headline:end -->\n\n## Next\n"
    assert with_table(markdown, "new") == "# B\n\nintro\n<!-- headline:start -->\nnew\n<!-- headline:end -->\n\n## Next\n"
    with pytest.raises(SystemExit, match="缺少标记"):
        with_table("# B\n", "new")


def test_only_the_tables_suites_results_are_read() -> None:
    assert suite_of(Path("bench/results") / taken({}, "mixed")[0]) == "mixed"
    for other in (taken({}, "identity")[0], "mixed-profile-20261206T010203.txt"):
        with pytest.raises(SystemExit, match="不是"):
            suite_of(Path("bench/results") / other)


def test_provenance_names_the_commit_and_the_heads_of_the_scripts() -> None:
    found = provenance()
    assert re.fullmatch(r"[0-9a-f]{40}", found["commit"])
    assert isinstance(found["uncommitted_changes"], bool)
    assert re.fullmatch(r"\d{4}", found["heads"]["shared"]) and re.fullmatch(r"t\d{4}", found["heads"]["tenant"])
    assert set(found["load_average"]) == {"start", "end"}
