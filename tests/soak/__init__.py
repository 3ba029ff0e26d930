"""Soak and fault runs for `make soak`: bounded, loopback only, never collected by pytest."""
