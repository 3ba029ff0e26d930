"""Logging that helps an operator without leaking applicants' or staff members' data.

Named ``log_setup`` so that it never shadows the standard library's ``logging``.

What we log and what we never log (OWASP ASVS V7, SecureDrop's habit of logging as little
personal data as possible):

- Never passwords, tokens (reset links, CSRF tokens, session cookies), cover letters or
  document content. Those rules are kept where the log calls are written; this module
  cannot recognise such values after the fact.
- Email addresses are the personal data most likely to slip into a message (an SMTP
  refusal quoting the recipient, a rate-limit key, an exception text), so every record is
  masked on its way in: ``nino.beridze@example.org`` becomes ``n***@example.org``. The
  domain stays, because it is what an operator needs ("every address at one provider
  bounces"); the mailbox does not.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask
from flask.logging import default_handler

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Characters that cannot be part of an address as it appears in running text or in the
# usual wrappers around one: "<nino@example.org>", "(…)", quotes, commas.
_ATOM = r"[^\s@<>()\[\]{}\"',;:]"
EMAIL_PATTERN = re.compile(rf"({_ATOM}){_ATOM}*@({_ATOM}+\.{_ATOM}+)")


def mask_emails(text: str) -> str:
    """Return *text* with every email address reduced to its first letter and its domain."""
    return EMAIL_PATTERN.sub(r"\1***@\2", text)


def _masked(value: Any) -> Any:
    """Return *value* unchanged unless its text holds an address; then its masked text."""
    if isinstance(value, str):
        return mask_emails(value)
    if isinstance(value, int | float | bool) or value is None:
        return value  # keeps %d and %.1f placeholders working
    try:
        text = str(value)
    except Exception:  # a broken __str__ must not break the caller's log call
        return value
    return mask_emails(text) if EMAIL_PATTERN.search(text) else value


class EmailMaskingFilter(logging.Filter):
    """Mask email addresses in a record's message, arguments, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite *record* in place; never drop it."""
        record.msg = _masked(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text once it is set, so the masked traceback is the one
            # every handler prints (exception messages quote values, addresses included).
            record.exc_text = mask_emails(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_emails(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_emails(record.stack_info)
        return True


_MASK = EmailMaskingFilter()


def _install_masking_record_factory() -> None:
    """Mask every record the process creates, whichever logger and handler it meets.

    A filter on a logger sees only the records logged on that very logger, not those
    propagated from its children (``tracker.mail.outbox``) or from libraries (Flask-Limiter
    logs its keys, which may be addresses); a filter on a handler misses the handlers that
    gunicorn, ``flask run`` or pytest attach. The record factory is the one place every
    record passes through, so the filter runs there. Installed once per process.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "masks_emails", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _MASK.filter(record)
        return record

    factory.masks_emails = True
    logging.setLogRecordFactory(factory)


def configure_logging(app: Flask) -> None:
    """Give the app's log lines one format and level, and mask addresses in every record.

    Flask attaches its ``default_handler`` to ``app.logger`` (the ``tracker`` logger, parent
    of every ``tracker.*`` module logger) unless a handler is configured already (gunicorn
    ``--log-config``, pytest); that handler gets our format. Calling this again for another
    app changes nothing.
    """
    _install_masking_record_factory()
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    app.logger.setLevel(app.config["LOG_LEVEL"])
    # pypdf logs a warning for each broken object of a hostile or sloppy PDF; what becomes
    # of the upload (accepted, flagged, refused) is what the log needs, and tracker says
    # that itself. Set once: a level set and reset around each upload clears the logging
    # module's cache of every logger's level, twice per PDF.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
