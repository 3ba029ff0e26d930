"""Helpers that every page template can call."""

from __future__ import annotations


def field_aria(field, hint: bool = False) -> dict[str, str]:
    """Return the ARIA attributes that tie *field* to its hint and error message."""
    described = []
    if hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
    attributes = {}
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if field.errors:
        attributes["aria-invalid"] = "true"
    return attributes
