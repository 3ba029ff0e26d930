"""File one fetched email: a reply on its candidate, a bounce on its email, or nothing.

:func:`file_reply` is the one function that files a reply (notifications are called from
there); :func:`mark_bounced` the one that marks an email bounced. Both commit.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from tracker.database import begin_write, keep_loaded
from tracker.documents.storage import delete_stored, store_staged
from tracker.documents.validate import StagedFile, UploadError, stage_upload, stored_columns
from tracker.enums import NotificationEvent
from tracker.extensions import db
from tracker.mail.outbox import show_bounced
from tracker.models import (
    ApplicantReply,
    Application,
    OutboxEmail,
    ReplyAddress,
    ReplyAttachment,
    User,
    utcnow,
)
from tracker.notifications import notify
from tracker.notifications.core import assignee_and_raters, notify_bounce
from tracker.replies.message import Bounce, IncomingMail, parse_mail

log = logging.getLogger(__name__)

# A reply's files beyond this many are refused with a note (a mail bomb of attachments).
MAX_ATTACHMENTS = 10


class Outcome(StrEnum):
    """What became of one fetched email; the first five leave the mailbox."""

    FILED = "filed"
    AUTOMATIC = "automatic"
    DUPLICATE = "duplicate"
    BOUNCED = "bounced"
    ERASED = "erased"
    UNMATCHED = "unmatched"


REMOVED = frozenset(
    {Outcome.FILED, Outcome.AUTOMATIC, Outcome.DUPLICATE, Outcome.BOUNCED, Outcome.ERASED}
)


def handle_message(raw: bytes) -> Outcome:
    """Parse *raw*, file it where it belongs, and say what became of it (committed)."""
    mail = parse_mail(raw)
    if mail.bounce is not None:
        return Outcome.BOUNCED if mark_bounced(mail.bounce) else Outcome.UNMATCHED
    application, token_unknown = match_application(mail)
    if application is None:
        # A token that belongs to no application was an erased one's (or never ours):
        # nothing of it may be stored, and nobody needs it in the mailbox.
        return Outcome.ERASED if token_unknown else Outcome.UNMATCHED
    if db.session.scalar(
        select(ApplicantReply.id).where(ApplicantReply.message_id == mail.message_id)
    ):
        db.session.commit()
        return Outcome.DUPLICATE
    reply = file_reply(application, mail, by=None)
    if reply is None:
        return Outcome.DUPLICATE
    return Outcome.AUTOMATIC if reply.automatic else Outcome.FILED


def match_application(mail: IncomingMail) -> tuple[Application | None, bool]:
    """Return the application *mail* answers, and whether it named a token we do not know.

    The reply address's token decides; failing that, the Message-ID of one of our emails
    in In-Reply-To or References (a reply sent to the desk's plain address).
    """
    keys = [
        (ReplyAddress, ReplyAddress.token.in_(mail.tokens)) if mail.tokens else None,
        (OutboxEmail, OutboxEmail.message_id.in_(mail.references)) if mail.references else None,
    ]
    for model, condition in filter(None, keys):
        found = db.session.scalar(
            select(Application)
            .join(model, model.application_id == Application.id)
            .where(condition)
            .limit(1)
        )
        if found is not None:
            return found, False
    db.session.commit()
    return None, bool(mail.tokens)


def mark_bounced(bounce: Bounce) -> bool:
    """Mark the emails a failed delivery notice returns as bounced, with its diagnostic.

    :returns: whether it named an email of ours (a notice that names none, or only says
        delivery is delayed, is left for people to read).
    """
    if not bounce.failed or not bounce.message_ids:
        return False
    begin_write()
    emails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.message_id.in_(bounce.message_ids))
    ).all()
    for email in emails:
        show_bounced(email, bounce.diagnostic)
        notify_bounce(email)
    db.session.commit()
    return bool(emails)


@dataclass(frozen=True)
class _Checked:
    kept: list[StagedFile]
    refused: list[dict[str, str]]


def too_many_attachments(limit: int):
    """Say why a reply's file beyond the first *limit* was not stored."""
    return lazy_gettext("A reply keeps at most %(num)d files; this one was not stored.", num=limit)


def _check_attachments(attachments: list[tuple[str, bytes]]) -> _Checked:
    """Put each attachment through the public form's checks; staged or refused with why."""
    kept, refused = [], []
    for number, (filename, data) in enumerate(attachments):
        shown = " ".join("".join(c if c.isprintable() else " " for c in filename).split())[:120]
        if number >= MAX_ATTACHMENTS:
            refused.append(
                {"filename": shown, "reason": str(too_many_attachments(MAX_ATTACHMENTS))}
            )
            continue
        try:
            kept.append(stage_upload(FileStorage(io.BytesIO(data), filename=filename)))
        except UploadError as error:
            refused.append({"filename": shown, "reason": str(error.message)})
    return _Checked(kept, refused)


def file_reply(
    application: Application, mail: IncomingMail, *, by: User | None = None
) -> ApplicantReply | None:
    """File *mail* on *application*'s timeline with its accepted files, and commit.

    The one place a reply is filed: the assignee and the raters are notified ("replied"). An
    automatic reply (out of office) is filed read and notifies no one.
    Files that fail the public form's checks are not stored; the reply says which and why.

    :param by: None: the worker files what the applicant sent.
    :returns: the reply, or None if the same message was filed meanwhile (by another pass).
    """
    checked = _check_attachments(mail.attachments)
    keys: list[str] = []
    try:
        for staged in checked.kept:
            keys.append(store_staged(staged.path))
        begin_write()
        now = utcnow()
        # A Date from the future or from before the application is the sender's clock.
        sent_at = mail.sent_at or now
        sent_at = min(max(sent_at, application.created_at), now)
        reply = ApplicantReply(
            application_id=application.id,
            message_id=mail.message_id,
            from_address=mail.from_address,
            subject=mail.subject,
            sent_at=sent_at,
            body=mail.body,
            automatic=mail.automatic,
            refused=checked.refused,
            read_at=now if mail.automatic else None,
            attachments=[
                ReplyAttachment(application_id=application.id, **stored_columns(staged, key))
                for staged, key in zip(checked.kept, keys, strict=True)
            ],
        )
        db.session.add(reply)
        if not mail.automatic:  # an out-of-office answer tells no one
            notify(
                NotificationEvent.REPLIED,
                users=assignee_and_raters(application),
                application=application,
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _discard(checked.kept, keys)
        return None
    except BaseException:
        db.session.rollback()
        _discard(checked.kept, keys)
        raise
    log.info("reply %s filed on application %s", reply.id, application.id)
    return reply


def _discard(staged: list[StagedFile], keys: list[str]) -> None:
    for key in keys:
        delete_stored(key)
    for file in staged:
        file.path.unlink(missing_ok=True)


# --- unread replies --------------------------------------------------------------------


def open_replies(application: Application, replies: list[ApplicantReply], *, by: User) -> int:
    """Return how many of *application*'s *replies* (all of them, loaded) are unread, and
    mark them read (committed) if *by* is the assignee, or anyone of the team while nobody
    is assigned: they have now seen them (a guest reviewer is shown no replies). The loaded
    objects stay as they are."""
    unread = sum(1 for reply in replies if reply.read_at is None)
    if unread and not by.is_guest and application.assignee_id in (None, by.id):
        with keep_loaded():
            begin_write()
            db.session.execute(
                update(ApplicantReply)
                .where(
                    ApplicantReply.application_id == application.id,
                    ApplicantReply.read_at.is_(None),
                )
                .values(read_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
    return unread
