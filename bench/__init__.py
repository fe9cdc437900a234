"""Benchmarks: `make bench` runs `python -m bench.run_all` (prints numbers, asserts nothing)."""
