"""The form's signed ticket: a one-time token, and the time the form was shown.

The token makes a double submit find the first application and names the files kept for
the form (documents/kept.py); the time lets us refuse forms sent back faster than a person
can fill them in, without a CAPTCHA.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker import tokens
from tracker.applications.submit import DuplicateSubmission, find_by_form_token
from tracker.models import Call, utcnow


class FormTicketError(Exception):
    """The form's ticket is missing, forged, expired, or came back implausibly fast."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def issue_form_ticket(now: datetime | None = None) -> str:
    """Return a signed ticket holding a one-time form token and the time the form was shown.

    The token makes a double submit find the first application; the time lets us refuse
    forms sent back faster than a person can fill them in, without a CAPTCHA.
    """
    issued = (now or utcnow()).timestamp()
    return tokens.sign(
        tokens.Purpose.FORM_TICKET, {"token": secrets.token_urlsafe(24), "issued": issued}
    )


def _token_and_age(ticket: str | None, now: datetime | None = None) -> tuple[str, float] | None:
    """Return the token of a genuine ticket and its age in seconds, or None if forged."""
    try:
        payload = tokens.load(tokens.Purpose.FORM_TICKET, ticket)
        token, issued = str(payload["token"]), float(payload["issued"])
    except (tokens.TokenInvalid, KeyError, TypeError, ValueError):
        return None
    return token, (now or utcnow()).timestamp() - issued


def check_form_ticket(ticket: str | None, now: datetime | None = None) -> str:
    """Return the form token inside *ticket*, or raise FormTicketError."""
    config = current_app.config
    read = _token_and_age(ticket, now)
    if read is None or read[1] > config["WTF_CSRF_TIME_LIMIT"]:
        raise FormTicketError(
            _l("This form has expired. Please check your answers and send it again.")
        )
    token, age = read
    if age < config["FORM_MIN_FILL_SECONDS"]:
        raise FormTicketError(
            _l("That was very quick! Please check your answers, then send the form again.")
        )
    return token


def form_token_of(ticket: str | None) -> str | None:
    """Return the token of a genuine ticket that has not expired, or None.

    Unlike :func:`check_form_ticket` the fill time is not checked: this names the files
    kept for a form shown again (a language switch), which is no submission.
    """
    read = _token_and_age(ticket)
    if read is None or read[1] > current_app.config["WTF_CSRF_TIME_LIMIT"]:
        return None
    return read[0]


class FormRefused(Exception):
    """The form is refused before its answers are read; say *message* and show it again.

    *fresh_ticket* is a new form ticket for the form shown again, or None when the old one
    stays (the call is closed: nobody can send the form anyway).
    """

    def __init__(self, message, fresh_ticket: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.fresh_ticket = fresh_ticket


def admit_form(call: Call, *, ticket: str | None, honeypot: str | None) -> str:
    """Return the form token of a form that may be read: the call is open, no bot sent it.

    :param ticket: the form's signed ticket (see :func:`issue_form_ticket`).
    :param honeypot: the field people never see; only a bot fills it.
    :raises FormRefused: the call is closed, the honeypot is filled, or the ticket is
        missing, forged, expired or came back implausibly fast. Nothing is stored.
    :raises DuplicateSubmission: this form (by its token) was already stored.
    """
    if not call.accepts_applications():
        raise FormRefused(_l("This call has closed. Thank you for your interest."))
    if honeypot:
        raise FormRefused(
            _l("Please leave the field “Leave this field empty” empty."), issue_form_ticket()
        )
    try:
        token = check_form_ticket(ticket)
    except FormTicketError as error:
        raise FormRefused(error.message, issue_form_ticket()) from error
    existing = find_by_form_token(token)
    if existing is not None:
        raise DuplicateSubmission(existing)
    return token
