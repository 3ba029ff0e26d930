"""One pass over the desk's mailbox: the ``fetch_replies`` job and `flask replies fetch`.

A pass reads at most ``REPLY_BATCH`` messages that it has not looked at before, files
each (tracker.replies.filing) and removes from the mailbox what it filed, what bounced
and what belonged to an erased application; unmatched mail stays where it is, unseen. A
cursor per mailbox (the highest UID looked at, for the folder's UIDVALIDITY) keeps passes
from reading that mail again. A full batch queues the next pass at once, behind the jobs
already waiting: a flood of replies is worked off over passes, never holding up the rest.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from tracker.database import begin_write
from tracker.extensions import db
from tracker.jobs.queue import enqueue
from tracker.jobs.registry import ClaimedJob, KindUnavailable, job_kind
from tracker.models import MailboxCursor
from tracker.replies.filing import REMOVED, Outcome, handle_message
from tracker.replies.mailbox import MailboxUnavailable, mailbox_settings, open_mailbox

log = logging.getLogger(__name__)

FETCH_REPLIES = "fetch_replies"


@dataclass
class FetchReport:
    """What one pass did: messages looked at by outcome, and whether more are waiting."""

    outcomes: Counter = field(default_factory=Counter)
    more: bool = False

    @property
    def examined(self) -> int:
        """How many messages the pass read."""
        return sum(self.outcomes.values())


def fetch_configured() -> bool:
    """Tell whether MAIL_IMAP_URL names a mailbox to fetch replies from."""
    return bool(current_app.config.get("MAIL_IMAP_URL"))


def fetch_replies(*, batch: int | None = None) -> FetchReport:
    """Run one pass over the mailbox of MAIL_IMAP_URL (nothing if unset); see the module.

    :raises MailboxUnavailable: the server cannot be reached, verified or logged in to;
        then nothing was read, filed or removed.
    """
    report = FetchReport()
    settings = mailbox_settings(current_app.config.get("MAIL_IMAP_URL"))
    if settings is None:
        return report
    batch = batch or current_app.config["REPLY_BATCH"]
    with open_mailbox(settings) as mailbox:
        cursor = db.session.get(MailboxCursor, settings.key)
        last = cursor.last_uid if cursor and cursor.uid_validity == mailbox.uid_validity else 0
        db.session.commit()  # no transaction stays open while IMAP talks
        uids = mailbox.uids_after(last)
        todo, report.more = uids[:batch], len(uids) > batch
        removed = []
        for uid in todo:
            raw = mailbox.fetch(uid)
            outcome = Outcome.UNMATCHED if raw is None else handle_message(raw)
            report.outcomes[outcome] += 1
            if outcome in REMOVED:
                removed.append(uid)
        # Filed first, removed after: a pass that stops in between leaves the message,
        # and the next one finds it filed already (a duplicate, removed then).
        mailbox.remove(removed)
        if todo:
            _advance(settings.key, mailbox.uid_validity, todo[-1])
    return report


def _advance(key: str, uid_validity: int, last_uid: int) -> None:
    begin_write()
    cursor = db.session.get(MailboxCursor, key)
    if cursor is None:
        db.session.add(MailboxCursor(mailbox=key, uid_validity=uid_validity, last_uid=last_uid))
    else:
        cursor.uid_validity, cursor.last_uid = uid_validity, last_uid
    db.session.commit()


@job_kind(
    FETCH_REPLIES,
    label=_l("Fetch applicants' replies"),
    every=timedelta(minutes=5),
    enabled=fetch_configured,
)
def fetch_job(job: ClaimedJob, _resource: None) -> bool:
    """Run one pass; queue the next at once if the batch was full.

    An unreachable or unverifiable server makes the kind unavailable: the job is tried
    again later with backoff, its last error says why, and no message was touched.
    """
    if not fetch_configured():
        return False
    try:
        report = fetch_replies()
    except MailboxUnavailable as error:
        raise KindUnavailable(str(error)) from error
    log.info("replies: %s", dict(report.outcomes))
    if report.more:
        begin_write()
        enqueue(FETCH_REPLIES)
        db.session.commit()
    return True


@click.group("replies")
def replies_group() -> None:
    """Applicants' replies in the desk's mailbox."""


@replies_group.command("fetch")
@with_appcontext
def fetch_command() -> None:
    """Fetch one batch of replies from MAIL_IMAP_URL now and say what became of them."""
    if not fetch_configured():
        raise click.ClickException("MAIL_IMAP_URL is not set: there is no mailbox to read.")
    try:
        report = fetch_replies()
    except MailboxUnavailable as error:
        raise click.ClickException(str(error)) from error
    for outcome in Outcome:
        click.echo(f"{outcome.value}: {report.outcomes[outcome]}")
    if report.more:
        click.echo("more messages are waiting: run it again")
