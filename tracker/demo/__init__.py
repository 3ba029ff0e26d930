"""Realistic fake applications with documents, for trying the workflow and for benchmarks."""
