"""Absolute links to our own pages, for emails and exports: built from PUBLIC_BASE_URL."""

from __future__ import annotations

from flask import current_app


def base_url() -> str:
    """Return the site's public address without a trailing slash.

    PUBLIC_BASE_URL names the real site; production refuses to start without it. In
    development it falls back to the configured SERVER_NAME, then to localhost — never to
    the Host header of a request, which a client can forge: a reset link mailed to a
    colleague must not point to an attacker's host.
    """
    config = current_app.config
    configured = config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{config.get('SERVER_NAME') or 'localhost'}"


def external_url(endpoint: str, **values) -> str:
    """Return the absolute URL of *endpoint* with *values*, on the public site."""
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    return base_url() + adapter.build(endpoint, values)
