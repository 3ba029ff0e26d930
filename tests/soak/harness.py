"""Run gunicorn on loopback and submit applications to it from many threads.

Shared by `make bench`, `make soak` and tests/test_faults.py. gunicorn is handed a socket
that is already listening (``--bind fd://N``): there is no free-port race and no waiting
for the server to come up – a connection made at once simply queues in the backlog until
a worker accepts it.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "samples"
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET = "soak-secret-key-that-is-long-enough-0123456789abcdef"
# Three documents per submission, as a real applicant sends them.
DOCUMENTS = (
    ("cv", "cv.pdf", "Lebenslauf.pdf", "application/pdf"),
    (
        "cover_letter_file",
        "cover_letter.docx",
        "Anschreiben.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "writing_sample",
        "writing_sample.odt",
        "Probe.odt",
        "application/vnd.oasis.opendocument.text",
    ),
)


def server_env(database_url: str, storage_root: str | Path, **extra: str) -> dict[str, str]:
    """Return the environment of a bench/soak server: no rate limits, no fill-time check."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_", "GUNICORN_", "PROXY_FIX_", "TRACKER_", "REDIS_"))
    }
    env.update(
        {
            "TRACKER_ENV": "development",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "STORAGE_ROOT": str(storage_root),
            "FORM_MIN_FILL_SECONDS": "0",
            # Limits stay in the code path, set far above what a run sends.
            "APPLY_LIMIT_PER_IP": "1000000 per hour",
            "APPLY_LIMIT_PER_EMAIL": "1000000 per day",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_ACCESS_LOG": "",
        }
    )
    env.update(extra)
    return env


REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextlib.contextmanager
def redis_limits() -> Iterator[dict[str, str] | None]:
    """Yield the environment that makes a server count its rate limits in Redis, under a
    prefix of their own that is cleared afterwards; None if no Redis answers at REDIS_URL.

    Production counts them there once it runs more than one worker (gunicorn.conf.py).
    """
    import redis  # only where limits are counted across workers

    store = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        store.ping()
    except redis.exceptions.ConnectionError:
        store.close()
        yield None
        return
    prefix = f"soak-{secrets.token_hex(6)}"
    try:
        yield {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    finally:
        for key in store.scan_iter(f"LIMITER/{prefix}/*"):
            store.delete(key)
        store.close()


@dataclass
class Server:
    """A running gunicorn: its master process, port and log file."""

    process: subprocess.Popen
    port: int
    log: Path

    def worker_pids(self) -> list[int]:
        """Return the pids of the workers (the master's children)."""
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def log_text(self) -> str:
        """Return what the server logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int | None = None, log: Path) -> Iterator[Server]:
    """Run ``gunicorn tracker.wsgi:app`` on a fresh loopback socket, with *workers* (None:
    as many as gunicorn.conf.py starts by default)."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    listener.set_inheritable(True)
    fd = listener.fileno()
    command = [
        str(GUNICORN),
        "-c",
        str(REPO / "gunicorn.conf.py"),
        "--bind",
        f"fd://{fd}",
        *(["--workers", str(workers)] if workers is not None else []),
        "tracker.wsgi:app",
    ]
    with open(log, "ab") as output:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, pass_fds=[fd], stdout=output, stderr=output
        )
    server = Server(process=process, port=listener.getsockname()[1], log=log)

    def close_when_dead() -> None:
        # If gunicorn dies (bad config, crash), closing the last copy of the listening
        # socket resets the queued connections: clients fail at once instead of hanging.
        process.wait()
        listener.close()

    threading.Thread(target=close_when_dead, name="gunicorn-watch", daemon=True).start()
    try:
        yield server
    finally:
        listener.close()
        if process.poll() is None:
            # SIGINT: quick shutdown; the runs are over, nothing is in flight.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- one applicant ----------------------------------------------------------------------------

_HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")


def hidden_fields(html: str) -> dict[str, str]:
    """Return the hidden inputs of a page (CSRF token, form ticket) by name."""
    fields = {}
    for tag in _HIDDEN.findall(html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def check_page_fields(page: str) -> list[tuple[str, str]]:
    """Return the answers the check page carries in hidden fields, as (name, value) pairs."""
    fields = []
    for tag in _HIDDEN.findall(page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields.append(
                (html.unescape(name.group(1)), html.unescape(value.group(1) if value else ""))
            )
    return fields


def answers(number: int, email: str | None = None) -> list[tuple[str, str]]:
    """Return the text fields of a complete application, with an address of its own."""
    # Names are letters only (the form refuses digits): 27 becomes "Nino Beridze-Ch".
    suffix = "".join("abcdefghij"[int(digit)] for digit in str(number)).capitalize()
    return [
        ("full_name", f"Nino Beridze-{suffix}"),
        ("email", email or f"nino.{number}.{secrets.token_hex(3)}@example.org"),
        ("phone", "+995 555 123 456"),
        ("home_country", "georgia"),
        ("city", "Kutaisi"),
        ("regions", "georgia"),
        ("german_level", "B2"),
        ("other_languages-0-language", "ka"),
        ("other_languages-0-level", "native"),
        ("topics", "politics"),
        ("topics", "environment"),
        ("links", "https://example.org/kutaisi"),
        # A letter of its own: one address sending the same documents to a call again
        # within a day is a repeat, not a new application (applications/versions.py).
        ("cover_letter", f"Bewerbung Nummer {number}."),
        ("preferred_language", "de"),
        ("heard_about", "colleague"),
        ("consent", "y"),
    ]


_SAMPLE_BYTES: dict[str, bytes] = {}


def multipart(fields: list[tuple[str, str]], with_files: bool = True) -> tuple[bytes, str]:
    """Encode *fields* and the three sample documents as multipart/form-data."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    if with_files:
        for name, sample, filename, content_type in DOCUMENTS:
            if sample not in _SAMPLE_BYTES:
                _SAMPLE_BYTES[sample] = (SAMPLES / sample).read_bytes()
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
                ).encode()
                + _SAMPLE_BYTES[sample]
                + b"\r\n"
            )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Outcome:
    """How one submission ended."""

    number: int
    status: int | None = None
    location: str = ""
    retry_after: str | None = None
    error: str | None = None
    body: str = ""

    @property
    def stored(self) -> bool:
        """Whether the server answered with the redirect to the thanks page."""
        return self.status == 303 or (self.status == 302 and "/thanks" in self.location)


def submit(
    port: int,
    slug: str,
    number: int,
    *,
    timeout: float = 30,
    email: str | None = None,
    source: str | None = None,
    complete: bool = True,
) -> Outcome:
    """GET the form, then POST it with three documents, as one applicant would.

    *email* replaces the applicant's own address; *source* is the client address to send
    from (any of 127.0.0.0/8: one "IP" per applicant on loopback); an incomplete form
    (*complete* false) has no documents and is refused by the form.
    """
    outcome = Outcome(number)
    try:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
        )
        connection.request("GET", f"/apply/{slug}", headers={"Accept-Language": "de"})
        response = connection.getresponse()
        html = response.read().decode()
        if response.status != 200:
            outcome.status, outcome.body = response.status, html[:2000]
            outcome.retry_after = response.getheader("Retry-After")
            return outcome
        cookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
        cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())
        body, content_type = multipart(
            list(hidden_fields(html).items()) + answers(number, email), with_files=complete
        )
        connection.request(
            "POST",
            f"/apply/{slug}",
            body=body,
            headers={"Content-Type": content_type, "Cookie": cookies, "Accept-Language": "de"},
        )
        response = connection.getresponse()
        outcome.status = response.status
        outcome.location = response.getheader("Location") or ""
        outcome.retry_after = response.getheader("Retry-After")
        outcome.body = response.read().decode(errors="replace")
        if outcome.status == 200 and 'name="send"' in outcome.body:
            # A valid form is shown to check first; send it from there, as a person would:
            # its form has no enctype, so a browser sends it URL-encoded.
            connection.request(
                "POST",
                f"/apply/{slug}",
                body=urlencode(check_page_fields(outcome.body) + [("send", "1")]),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookies,
                },
            )
            response = connection.getresponse()
            outcome.status = response.status
            outcome.location = response.getheader("Location") or ""
            outcome.retry_after = response.getheader("Retry-After")
            outcome.body = response.read().decode(errors="replace")
        connection.close()
    except (OSError, http.client.HTTPException) as error:
        outcome.error = f"{type(error).__name__}: {error}"
    return outcome


@dataclass
class Run:
    """The outcomes of a batch of concurrent submissions."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stored(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.stored]

    @property
    def failed(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.stored]


def submit_many(
    port: int, slug: str, count: int, *, clients: int, on_done=None, start: int = 0
) -> Run:
    """Send *count* submissions from *clients* threads; *on_done* sees each outcome."""
    import time

    lock = threading.Lock()
    run = Run()

    def one(number: int) -> Outcome:
        outcome = submit(port, slug, number)
        with lock:
            run.outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome, len(run.outcomes))
        return outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(start, start + count)))
    run.seconds = time.perf_counter() - started
    return run


def sign_in(port: int, email: str, password: str, *, source: str | None = None) -> int:
    """GET the sign-in page, then POST *email* and *password*; return the POST's status."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None
    )
    connection.request("GET", "/auth/login", headers={"Accept-Language": "de"})
    response = connection.getresponse()
    html = response.read().decode()
    cookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    fields = {**hidden_fields(html), "email": email, "password": password}
    connection.request(
        "POST",
        "/auth/login",
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items()),
            "Accept-Language": "de",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


_ACCESS_LINE = re.compile(r'"POST" (\d{3}) .* <(\d+)>$', re.M)


def served_by(log: str) -> list[tuple[int, int]]:
    """Return (status, worker pid) of each POST in a gunicorn access log, in order.

    The server must run with GUNICORN_ACCESS_LOG=- (gunicorn.conf.py ends each line with
    the worker's pid).
    """
    return [(int(status), int(pid)) for status, pid in _ACCESS_LINE.findall(log)]
