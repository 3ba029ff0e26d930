"""Emails as applicants (and their mail servers) send them, for the reply fetcher's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def reply(
    *,
    to: str,
    body: str | None = "Vielen Dank, anbei mein Nachtrag.\n",
    subject: str = "Re: Ihre Bewerbung",
    sender: str = "Nino Beridze <nino@example.org>",
    in_reply_to: str | None = None,
    html: str | None = None,
    attachments: tuple[tuple[str, bytes], ...] = (),
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
    date: datetime | None = None,
) -> bytes:
    """Return the bytes of a reply to *to*: plain text, HTML, or both, with attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    message["Date"] = format_datetime(date or datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for filename, data in attachments:
        message.add_attachment(
            data, maintype="application", subtype="octet-stream", filename=filename
        )
    return message.as_bytes()


def delivery_failure(
    returned_message_id: str,
    *,
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <nino@example.org>: Recipient address rejected",
) -> bytes:
    """Return a delivery status notification (RFC 3464) for our email *returned_message_id*,
    written as Postfix writes one."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        "To: experts@example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.org')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n'
        "\r\n"
        "--B1\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is the mail system at host mx.example.org. Your message could not be delivered.\r\n"
        "\r\n"
        "--B1\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n"
        "\r\n"
        "Final-Recipient: rfc822; nino@example.org\r\n"
        f"Action: {action}\r\n"
        "Status: 5.1.1\r\n"
        f"Diagnostic-Code: {diagnostic}\r\n"
        "\r\n"
        "--B1\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: experts@example.org\r\n"
        "To: nino@example.org\r\n"
        f"Message-ID: {returned_message_id}\r\n"
        "Subject: Ihre Bewerbung\r\n"
        "\r\n"
        "--B1--\r\n"
    ).encode()
