"""Benchmarks of the portal at volume: `make bench` (see bench/README.md)."""
