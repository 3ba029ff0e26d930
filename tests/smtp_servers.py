"""Real SMTP servers on loopback for tests: one that records, one that hangs, one refused.

Point the app at one with ``app_config.update(mail_settings(server.port))`` before the
``app`` fixture is built (Flask-Mail reads its settings when the app is created).
"""

from __future__ import annotations

import contextlib
import email
import selectors
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"
# aiosmtpd would otherwise ask the resolver for this machine's name.
SERVER_NAME = "smtp.test.invalid"


def mail_settings(port: int, **extra) -> dict:
    """Return app_config overrides that send real SMTP to 127.0.0.1:*port*."""
    # TESTING turns on Flask-Mail's MAIL_SUPPRESS_SEND; these tests want the real dialogue.
    return {"MAIL_SERVER": LOOPBACK, "MAIL_PORT": port, "MAIL_SUPPRESS_SEND": False, **extra}


@dataclass(frozen=True)
class Received:
    """One message as the server got it: envelope, raw bytes, and the connection's peer."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    peer: tuple

    @property
    def message(self) -> EmailMessage:
        """Parse the raw bytes as a mail client stores them (CRLF line ends become LF)."""
        return email.message_from_bytes(self.content.replace(b"\r\n", b"\n"), policy=policy.default)


@dataclass
class RecordingHandler:
    """An aiosmtpd handler that stores what it accepts and refuses on request.

    ``defer_next`` answers ``421`` to the next N messages after their DATA (the client has
    sent everything; the server then says "try again later"); ``reject`` maps a recipient
    to the permanent answer its RCPT gets, e.g. ``550 5.1.1 No such user``.
    """

    messages: list[Received] = field(default_factory=list)
    deferred: list[Received] = field(default_factory=list)
    defer_next: int = 0
    defer_reply: str = "421 4.3.2 Service busy, try again later"
    reject: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            content=envelope.original_content,
            peer=tuple(session.peer),
        )
        if self.defer_next > 0:
            self.defer_next -= 1
            self.deferred.append(received)
            return self.defer_reply
        self.messages.append(received)
        return "250 OK"


class _BoundSocketController(Controller):
    """An aiosmtpd Controller that listens on a socket bound beforehand.

    Binding first gives a free port without a race, and until ``start()`` that port
    refuses connections — the same address can be "down" and then "up".
    """

    def __init__(self, handler, sock: socket.socket, **kwargs):
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class RecordingSMTPServer:
    """An aiosmtpd server on 127.0.0.1 that records messages; refused until started."""

    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((LOOPBACK, 0))
        self.host = LOOPBACK
        self.port: int = self._sock.getsockname()[1]
        self._controller: _BoundSocketController | None = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self) -> None:
        """Start listening on the port bound at creation."""
        self._controller = _BoundSocketController(
            self.handler, self._sock, server_hostname=SERVER_NAME
        )
        self._controller.start()

    def stop(self) -> None:
        """Stop the server (closing its socket), or just close the socket if never started."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._sock.close()


@contextlib.contextmanager
def recording_smtp_server(*, started: bool = True) -> Iterator[RecordingSMTPServer]:
    """Run a recording SMTP server for the block; ``started=False`` leaves it refusing."""
    server = RecordingSMTPServer()
    try:
        if started:
            server.start()
        yield server
    finally:
        server.stop()


@dataclass
class HangingServer:
    """Address of a server that accepts connections and never says a word."""

    host: str
    port: int
    connections: list[socket.socket]


@contextlib.contextmanager
def hanging_smtp_server() -> Iterator[HangingServer]:
    """Accept TCP connections on 127.0.0.1 in a thread and never send a byte."""
    listener = socket.create_server((LOOPBACK, 0))
    wake_reader, wake_writer = socket.socketpair()
    server = HangingServer(LOOPBACK, listener.getsockname()[1], [])

    def serve() -> None:
        # select() on the listener and a wake-up socket: closing a socket does not
        # interrupt an accept() blocked in another thread, a byte on the pair does.
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(wake_reader, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is wake_reader:
                        return
                    connection, _ = listener.accept()
                    server.connections.append(connection)

    thread = threading.Thread(target=serve, name="hanging-smtp", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        wake_writer.send(b"x")
        thread.join()
        for connection in server.connections:
            connection.close()
        for sock in (listener, wake_reader, wake_writer):
            sock.close()


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """Yield a loopback port that is bound but not listening: connections are refused."""
    # Holding the bound socket keeps any other process from listening there meanwhile.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield sock.getsockname()[1]
