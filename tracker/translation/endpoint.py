"""Where machine translations are asked for: TRANSLATION_URL, checked before anything is sent."""

from __future__ import annotations

from tracker.config import ConfigError
from tracker.outbound import OutboundUrlError, Target, is_loopback_host, split_url

# The service's ``/translate``: scheme, host, port and path to POST to (tracker.outbound).
TranslationEndpoint = Target


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
    # A user name or password in the URL would reach the audit log with the host; the key
    # has its own setting.
    try:
        target = split_url(url)
    except OutboundUrlError as error:
        if error.reason == "port":
            raise ConfigError(f"TRANSLATION_URL has an invalid port: {error.address}") from error
        raise ConfigError(
            "TRANSLATION_URL must be an http(s) address such as https://translate.example.org "
            "(no user name: put a key into TRANSLATION_API_KEY)"
        ) from error
    if target.scheme == "http" and not allow_http and not is_loopback_host(target.host):
        raise ConfigError(
            "TRANSLATION_URL must use https unless the service runs on this machine "
            "(127.0.0.1, ::1, localhost); set TRANSLATION_ALLOW_HTTP=on to allow plain http"
        )
    return target._replace(path=target.path.rstrip("/") + "/translate")


def configured_endpoint(config) -> TranslationEndpoint | None:
    """Return the endpoint the app's configuration names, or None when there is none."""
    return translation_endpoint(
        config.get("TRANSLATION_URL"), allow_http=config.get("TRANSLATION_ALLOW_HTTP", False)
    )
