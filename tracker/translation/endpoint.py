"""Where machine translations are asked for: TRANSLATION_URL, checked before anything is sent."""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

from tracker.config import ConfigError


class TranslationEndpoint(NamedTuple):
    """The service's ``/translate``: scheme, host, port and path to POST to."""

    scheme: str
    host: str
    port: int | None
    path: str

    @property
    def service_host(self) -> str:
        """Return the host (with a port other than the scheme's), as pages and audits name it."""
        return self.host if self.port is None else f"{self.host}:{self.port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def translation_endpoint(
    url: str | None, *, allow_http: bool = False
) -> TranslationEndpoint | None:
    """Return where TRANSLATION_URL's ``/translate`` is, or None when it is unset.

    :raises ConfigError: for anything but an http(s) address without user info, query or
        fragment; and for plain http to another machine unless *allow_http*
        (TRANSLATION_ALLOW_HTTP): the applicants' texts would cross the network readable.
    """
    if not url:
        return None
    parts = urlsplit(url)
    # A user name or password in the URL would reach the audit log with the host; the key
    # has its own setting.
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            "TRANSLATION_URL must be an http(s) address such as https://translate.example.org "
            "(no user name: put a key into TRANSLATION_API_KEY)"
        )
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        raise ConfigError(
            "TRANSLATION_URL must use https unless the service runs on this machine "
            "(127.0.0.1, ::1, localhost); set TRANSLATION_ALLOW_HTTP=on to allow plain http"
        )
    try:
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"TRANSLATION_URL has an invalid port: {error}") from error
    return TranslationEndpoint(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        path=parts.path.rstrip("/") + "/translate",
    )


def configured_endpoint(config) -> TranslationEndpoint | None:
    """Return the endpoint the app's configuration names, or None when there is none."""
    return translation_endpoint(
        config.get("TRANSLATION_URL"), allow_http=config.get("TRANSLATION_ALLOW_HTTP", False)
    )
