"""The desk's mailbox over IMAP (the standard library's imaplib), always over verified TLS.

``MAIL_IMAP_URL`` names it: ``imaps://user:password@host:993/INBOX`` (TLS from the first
byte) or ``imap://user:password@host:143/INBOX`` (STARTTLS, required: a server that does
not offer it is refused before the password is sent). The server's certificate is
verified against the system's CAs, or against ``MAIL_IMAP_CA_FILE`` for a private CA, and
must name the host. Messages are read with ``BODY.PEEK[]``, so reading marks nothing seen.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import current_app

DEFAULT_PORTS = {"imaps": 993, "imap": 143}


class MailboxUnavailable(Exception):
    """The mailbox cannot be read now: the server is down, refuses us, or is not who it
    claims to be (its certificate). Say which, in words an administrator can act on."""


@dataclass(frozen=True)
class MailboxSettings:
    """Where the desk's mailbox is and how to log in (from MAIL_IMAP_URL)."""

    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """Name the mailbox without its password (the fetcher's cursor is kept under it)."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:300]


def mailbox_settings(url: str | None) -> MailboxSettings | None:
    """Return the settings MAIL_IMAP_URL gives, or None if it is empty.

    :raises ValueError: not an imaps:// or imap:// URL with a user, a password and a host,
        or a folder name beyond ASCII (IMAP writes those in its own UTF-7).
    """
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError("MAIL_IMAP_URL must start with imaps:// or imap:// (with STARTTLS)")
    if not (parts.hostname and parts.username and parts.password):
        raise ValueError("MAIL_IMAP_URL must name a user, a password and a host")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not folder.isascii() or any(char in folder for char in '"\\\r\n\0'):
        raise ValueError("MAIL_IMAP_URL's folder must be an ASCII name without quotes")
    return MailboxSettings(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=folder,
    )


class Mailbox:
    """One logged-in IMAP session on the folder, with the few commands the fetcher needs."""

    def __init__(self, imap: imaplib.IMAP4, uid_validity: int) -> None:
        self.imap = imap
        self.uid_validity = uid_validity

    def command(self, *args) -> list:
        """Send ``UID`` *args*; return the data. Every failure is MailboxUnavailable."""
        try:
            status, data = self.imap.uid(*args)
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxUnavailable(f"the IMAP server failed during {args[0]}: {error}") from error
        if status != "OK":
            raise MailboxUnavailable(f"the IMAP server refused {args[0]}: {data}")
        return data

    def uids_after(self, last_uid: int) -> list[int]:
        """Return the UIDs above *last_uid*, oldest first."""
        data = self.command("SEARCH", None, f"UID {last_uid + 1}:*")
        # "n:*" always includes the newest message, even one below n.
        return sorted(uid for uid in map(int, (data[0] or b"").split()) if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """Return the whole message *uid* without marking it seen; None if it is gone."""
        data = self.command("FETCH", str(uid), "(BODY.PEEK[])")
        for item in data or ():
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def remove(self, uids: list[int]) -> None:
        """Delete the messages *uids* (and only those) from the folder."""
        if not uids:
            return
        numbers = ",".join(str(uid) for uid in uids)
        self.command("STORE", numbers, "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self.imap.capabilities:
            self.command("EXPUNGE", numbers)
        else:  # without UIDPLUS, EXPUNGE also removes what another client marked deleted
            try:
                self.imap.expunge()
            except (imaplib.IMAP4.error, OSError) as error:
                raise MailboxUnavailable(f"the IMAP server failed to expunge: {error}") from error


def tls_context() -> ssl.SSLContext:
    """Return the TLS context that verifies the server: system CAs or MAIL_IMAP_CA_FILE."""
    return ssl.create_default_context(cafile=current_app.config.get("MAIL_IMAP_CA_FILE") or None)


@contextmanager
def open_mailbox(settings: MailboxSettings) -> Iterator[Mailbox]:
    """Connect, verify, log in and select the folder; log out at the end.

    :raises MailboxUnavailable: for every failure of the connection or the server.
    """
    timeout = current_app.config["MAIL_TIMEOUT"]
    try:
        if settings.scheme == "imaps":
            imap = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=tls_context(), timeout=timeout
            )
        else:
            imap = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
    except ssl.SSLCertVerificationError as error:
        raise MailboxUnavailable(_unverified(settings, error)) from error
    except OSError as error:
        raise MailboxUnavailable(
            f"the IMAP server {settings.host}:{settings.port} cannot be reached: {error}"
        ) from error
    try:
        try:
            mailbox = _log_in(imap, settings)
        except (imaplib.IMAP4.error, OSError) as error:
            raise MailboxUnavailable(f"the IMAP server {settings.host} failed: {error}") from error
        yield mailbox
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            imap.shutdown()


def _unverified(settings: MailboxSettings, error: ssl.SSLCertVerificationError) -> str:
    return (
        f"the IMAP server {settings.host}:{settings.port} could not be verified "
        f"({error.verify_message or error}); nothing was read. For a private CA, set "
        "MAIL_IMAP_CA_FILE"
    )


def _log_in(imap: imaplib.IMAP4, settings: MailboxSettings) -> Mailbox:
    try:
        if settings.scheme == "imap":
            # Refused by imaplib if the server does not offer STARTTLS: the password
            # never goes out in clear.
            imap.starttls(ssl_context=tls_context())
        imap.login(settings.user, settings.password)
    except ssl.SSLCertVerificationError as error:
        raise MailboxUnavailable(_unverified(settings, error)) from error
    except imaplib.IMAP4.error as error:
        raise MailboxUnavailable(
            f"the IMAP server {settings.host} refused the login of {settings.user}: {error}"
        ) from error
    quoted = '"' + settings.folder + '"'
    status, data = imap.select(quoted)
    if status != "OK":
        raise MailboxUnavailable(f"the IMAP folder {settings.folder!r} cannot be opened: {data}")
    _, validity = imap.response("UIDVALIDITY")
    return Mailbox(imap, int((validity or [b"0"])[0] or 0))
