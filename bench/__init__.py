"""Benchmarks: `itpqa bench` (see bench/README.md)."""
