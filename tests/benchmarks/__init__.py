"""Benchmarks for `make bench`: timed against raw baselines, never collected by pytest."""
