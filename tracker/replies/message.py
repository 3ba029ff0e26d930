"""Read one fetched email: who sent it, what it says as text, what it answers, what it is.

Everything here is a stranger's input. Headers are decoded by the standard library's
``email`` package and cut to the columns' sizes; HTML is never kept or shown, only turned
into text (:class:`_TextOfHtml`); attachments are handed on as bytes for the same checks
as the public form's uploads (tracker.replies.filing).
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

# The reply address's token: experts+r-<32 hex digits>@… (tracker.mail.outbox).
TOKEN = re.compile(r"\+r-([0-9a-f]{32})@")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,290}>")
# Where a reply address can be read: the headers the sender wrote, and those the
# delivering server adds with the envelope's recipient.
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
# Subjects of automatic answers, for senders that set none of the headers (lower case).
_AUTOMATIC_SUBJECTS = (
    "out of office",
    "out-of-office",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "abwesenheitsnotiz",
    "automatische antwort",
    "автоответ",
    "вне офиса",
)
MAX_BODY_CHARACTERS = 200_000


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification: the Message-IDs it returns and the server's words."""

    message_ids: list[str]
    failed: bool
    diagnostic: str


@dataclass(frozen=True)
class IncomingMail:
    """What filing needs of one fetched email."""

    message_id: str
    from_address: str
    subject: str
    sent_at: datetime | None
    body: str
    automatic: bool
    tokens: list[str]
    references: list[str]
    bounce: Bounce | None = None
    # (the sender's file name, the bytes), in the order of the message.
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def parse_mail(raw: bytes) -> IncomingMail:
    """Return what *raw* (one message as the IMAP server holds it) says, never raising."""
    message = email.message_from_bytes(raw, policy=policy.default)
    body_part = _body_part(message)
    return IncomingMail(
        message_id=_own_message_id(message, raw),
        from_address=_clean(parseaddr(_header(message, "From"))[1], 320),
        subject=_clean(_header(message, "Subject"), 300),
        sent_at=_date(_header(message, "Date")),
        body=_text_of(body_part)[:MAX_BODY_CHARACTERS] if body_part is not None else "",
        automatic=is_automatic(message),
        tokens=_tokens(message),
        references=_MESSAGE_ID.findall(
            f"{_header(message, 'In-Reply-To')} {_header(message, 'References')}"
        ),
        bounce=_bounce(message),
        attachments=_attachments(message, body_part),
    )


def is_automatic(message: Message) -> bool:
    """Tell whether *message* is an automatic answer (out of office, a list, a robot).

    RFC 3834's Auto-Submitted (anything but "no"), the X-Autoreply and X-Autorespond
    headers of common mail servers, Precedence auto_reply, bulk or junk, and, as a last
    resort for senders that set none of these, an "out of office" subject.
    """
    submitted = _header(message, "Auto-Submitted").strip().lower()
    if submitted and submitted != "no":
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    if _header(message, "Precedence").strip().lower() in {"auto_reply", "bulk", "junk"}:
        return True
    subject = _header(message, "Subject").lower()
    return any(words in subject for words in _AUTOMATIC_SUBJECTS)


def _header(message: Message, name: str) -> str:
    """Return header *name* as text ("" if missing or beyond repair)."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a header the parser cannot decode
        value = None
    return "" if value is None else str(value)


def _clean(text: str, limit: int) -> str:
    """Return *text* on one line without control characters, at most *limit* characters."""
    text = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(text.split())[:limit]


def _own_message_id(message: Message, raw: bytes) -> str:
    """Return the message's Message-ID, or one made from its bytes if it has none."""
    found = _MESSAGE_ID.search(_header(message, "Message-ID"))
    if found:
        return found.group(0)
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _date(value: str) -> datetime | None:
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is None:
        return sent
    return sent.astimezone(UTC).replace(tzinfo=None)


def _tokens(message: Message) -> list[str]:
    found = []
    for name in _RECIPIENT_HEADERS:
        try:
            values = message.get_all(name) or []
        except (ValueError, TypeError, IndexError):
            values = []
        for value in values:
            found += [token for token in TOKEN.findall(str(value).lower()) if token not in found]
    return found


def _body_part(message: Message) -> Message | None:
    """Return the part that holds the text: plain text first, else HTML."""
    if not isinstance(message, EmailMessage):
        return None
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, TypeError):
        return None


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, TypeError, AssertionError):  # an unknown charset
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return str(content)


def _text_of(part: Message) -> str:
    text = _decoded(part)
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").replace("\x00", "")
    return text.strip()


def _attachments(message: Message, body_part: Message | None) -> list[tuple[str, bytes]]:
    """Return every file part except the text of the message itself."""
    found = []
    for part in message.walk():
        if part is body_part or part.is_multipart():
            continue
        if part.get_content_type() in {"message/delivery-status", "text/rfc822-headers"}:
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_disposition() != "attachment":
            continue
        found.append((str(filename or "attachment"), part.get_payload(decode=True) or b""))
    return found


def _bounce(message: Message) -> Bounce | None:
    """Return the delivery status notification *message* is, or None if it is none.

    RFC 3464: multipart/report with report-type delivery-status; the returned message
    (or its headers) carries our Message-ID. Only "failed" recipients make a bounce; a
    "delayed" notice says the server is still trying.
    """
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type", "")).lower() != "delivery-status":
        return None
    message_ids: list[str] = []
    actions: list[str] = []
    diagnostics: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload() or []:
                action = _header(block, "Action").strip().lower()
                if action:
                    actions.append(action)
                for name in ("Diagnostic-Code", "Status"):
                    value = _clean(_header(block, name), 500)
                    if value and action == "failed":
                        diagnostics.append(value)
                        break
        elif kind == "message/rfc822":
            returned = part.get_payload()
            returned = returned[0] if isinstance(returned, list) and returned else returned
            if isinstance(returned, Message):
                message_ids += _MESSAGE_ID.findall(_header(returned, "Message-ID"))
        elif kind == "text/rfc822-headers":
            headers = BytesHeaderParser(policy=policy.default).parsebytes(
                part.get_payload(decode=True) or b""
            )
            message_ids += _MESSAGE_ID.findall(_header(headers, "Message-ID"))
    return Bounce(
        message_ids=message_ids,
        failed="failed" in actions,
        diagnostic="; ".join(diagnostics)[:1000],
    )


def html_to_text(html: str) -> str:
    """Return the text of *html* with its paragraphs and line breaks, and nothing else.

    No tag, attribute, script, style or link target survives: the result is shown as
    plain text, escaped like any other.
    """
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _TextOfHtml(HTMLParser):
    """Collect the text of an HTML document: blocks become lines, hidden parts vanish."""

    _SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
    _BLOCKS = frozenset(
        {"p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)
