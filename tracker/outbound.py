"""The one way tracker sends a request to another server: one POST, a timeout, no redirects.

Used by the machine translations (tracker.translation) and the webhooks (tracker.webhooks).
``http.client`` is used on purpose: it never follows a redirect, so whoever answers cannot
send our request on to another host, and nothing but the one request leaves the server.
https certificates are verified against the system's CAs.

Addresses that people type in (a webhook's URL) are resolved first and every address the
name resolves to is checked (:func:`checked_addresses`); the request then goes to the
address that was checked (*connect_to*), not to a second lookup that a DNS server could
answer differently (DNS rebinding).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

# How much of an answer is read at most; the rest is dropped with the connection.
MAX_RESPONSE_BYTES = 1024 * 1024


class OutboundUrlError(ValueError):
    """An address is not one to send to; *reason* names why (for the caller's message).

    Reasons: ``form`` (not http(s), no host, user info, query or fragment), ``port``,
    ``unresolvable``, and the kinds of :func:`address_kind`.
    """

    def __init__(self, reason: str, address: str | None = None):
        super().__init__(reason if address is None else f"{reason} {address}")
        self.reason = reason
        self.address = address


class OutboundFailed(Exception):
    """The request got no answer: *reason* is ``timeout`` or ``unreachable``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Target(NamedTuple):
    """Where to POST: scheme, host, port (None: the scheme's) and path with query."""

    scheme: str
    host: str
    port: int | None
    path: str

    @property
    def service_host(self) -> str:
        """Return the host (with a port other than the scheme's), as pages and audits name it."""
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def effective_port(self) -> int:
        """Return the port connected to."""
        return self.port or (443 if self.scheme == "https" else 80)


@dataclass(frozen=True)
class Answer:
    """What the server answered: its status, the first bytes of its body, how long it took."""

    status: int
    body: bytes
    truncated: bool
    milliseconds: int


def split_url(url: str, *, allow_query: bool = False) -> Target:
    """Return where *url* points; raise OutboundUrlError if it is no http(s) address.

    A user name or password is refused: it would reach logs and audit events with the host.
    """
    parts: SplitResult = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or (parts.query and not allow_query)
        or parts.fragment
    ):
        raise OutboundUrlError("form")
    try:
        port = parts.port
    except ValueError as error:
        raise OutboundUrlError("port", str(error)) from error
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path)


def is_loopback_host(host: str) -> bool:
    """Tell whether *host* names this machine without a lookup (localhost, 127.x, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_kind(address: str) -> str | None:
    """Return why *address* is not public — ``unspecified``, ``loopback``, ``link-local``,
    ``multicast``, ``private`` or ``reserved`` — or None for a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved or not ip.is_global),
    )
    return next((kind for kind, matches in checks if matches), None)


def checked_addresses(target: Target, *, allow_private: bool = False) -> list[str]:
    """Resolve *target*'s host; return its addresses, each checked to be public.

    :raises OutboundUrlError: the name does not resolve (``unresolvable``), or one of its
        addresses is not public (the reason is its :func:`address_kind`) and
        *allow_private* is off. One bad address refuses the name: a client could be sent
        to any of them.
    """
    try:
        found = socket.getaddrinfo(
            target.host, target.effective_port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (OSError, UnicodeError) as error:
        raise OutboundUrlError("unresolvable", target.host) from error
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not allow_private:
        for address in addresses:
            kind = address_kind(address)
            if kind is not None:
                raise OutboundUrlError(kind, address)
    return addresses


class _Connection(http.client.HTTPConnection):
    """http.client's connection, connected to *address* instead of a new lookup of the host."""

    def __init__(self, host, port, *, address: str | None, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address or self.host, self.port), self.timeout)


class _SecureConnection(http.client.HTTPSConnection):
    """As :class:`_Connection` over TLS; the certificate is checked against the host name."""

    def __init__(self, host, port, *, address: str | None, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address or self.host, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def post(
    target: Target,
    body: bytes,
    *,
    headers: dict[str, str],
    timeout: float,
    connect_to: str | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> Answer:
    """POST *body* to *target* once and return the answer, whatever its status.

    A redirect is returned as it is (3xx), never followed. *timeout* bounds connecting and
    every wait for data; reading the answer's body stops once *timeout* seconds have passed
    in all. At most *max_bytes* of the body are read.

    :param connect_to: the address to connect to (one :func:`checked_addresses` returned);
        None: the host's, looked up now.
    :raises OutboundFailed: no answer within *timeout* (``timeout``), or no connection, a
        broken one or a malformed answer (``unreachable``).
    """
    started = time.monotonic()
    connection_class = _SecureConnection if target.scheme == "https" else _Connection
    connection = connection_class(target.host, target.port, address=connect_to, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw, truncated = _read_bounded(response, max_bytes, started + timeout)
    except TimeoutError as error:
        raise OutboundFailed("timeout", f"no answer within {timeout:g} s") from error
    except (OSError, http.client.HTTPException) as error:
        raise OutboundFailed("unreachable", f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
    return Answer(response.status, raw, truncated, round((time.monotonic() - started) * 1000))


def _read_bounded(
    response: http.client.HTTPResponse, max_bytes: int, deadline: float
) -> tuple[bytes, bool]:
    """Read at most *max_bytes* (+1 to tell a longer body) before *deadline*."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        if time.monotonic() >= deadline:
            raise TimeoutError
        chunk = response.read(min(64 * 1024, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    raw = b"".join(chunks)
    return raw[:max_bytes], len(raw) > max_bytes
