"""Benchmarks. Run with `./dev bench`; figures go to BENCHMARKS.md."""
