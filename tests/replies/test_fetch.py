"""The reply fetcher against a real Dovecot: what is filed, marked, deleted and left alone."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from tests import hostile_files
from tests.reply_mails import delivery_failure, reply
from tracker.documents.storage import open_stored
from tracker.enums import EmailStatus, JobStatus
from tracker.extensions import db
from tracker.insights import first_answer_times
from tracker.jobs.queue import enqueue
from tracker.jobs.runner import run_pending
from tracker.mail import outbox
from tracker.models import (
    ApplicantReply,
    Job,
    MailboxCursor,
    OutboxEmail,
    ReplyAttachment,
    utcnow,
)
from tracker.privacy import erase_applicant
from tracker.replies.fetch import FETCH_REPLIES, fetch_replies
from tracker.replies.mailbox import mailbox_settings


def email_to(application, subject: str = "Ihre Bewerbung") -> OutboxEmail:
    """Queue an email to *application*'s applicant, as the desk does, and commit."""
    email = outbox.queue(
        to_address=application.email,
        subject=subject,
        body_text="Können Sie uns noch eine Arbeitsprobe schicken?\n",
        template="custom",
        language="de",
        application=application,
    )
    db.session.commit()
    return email


def reply_address(application) -> str:
    return outbox.reply_to_address(application)


def outcomes(report) -> dict[str, int]:
    return {outcome.value: count for outcome, count in report.outcomes.items() if count}


def replies() -> list[ApplicantReply]:
    return db.session.scalars(select(ApplicantReply).order_by(ApplicantReply.id)).all()


def test_a_reply_to_the_token_address_is_filed_on_its_candidate_and_leaves_the_mailbox(
    desk_mailbox, app, make_application
):
    nino = make_application(full_name="Nino Beridze", email="nino@example.org")
    nino.created_at -= timedelta(days=2)
    other = make_application(full_name="Anna Petrosyan", email="anna@example.org")
    email_to(other)
    email_to(nino)
    address = reply_address(nino)
    assert re.fullmatch(r"experts\+r-[0-9a-f]{32}@example\.org", address)
    assert address != reply_address(other)
    sent = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    desk_mailbox.deliver(
        reply(to=address, message_id="<answer-1@mail.example.org>", date=sent.replace(tzinfo=UTC)),
        recipient=address,
    )

    report = fetch_replies()

    assert outcomes(report) == {"filed": 1}
    (filed,) = replies()
    assert (filed.application_id, filed.message_id, filed.from_address, filed.subject) == (
        nino.id,
        "<answer-1@mail.example.org>",
        "nino@example.org",
        "Re: Ihre Bewerbung",
    )
    assert filed.body == "Vielen Dank, anbei mein Nachtrag."
    assert filed.sent_at == sent
    assert (filed.automatic, filed.read_at, filed.refused, filed.attachments) == (
        False,
        None,
        [],
        [],
    )
    assert desk_mailbox.messages() == []


def test_a_reply_to_the_plain_desk_address_is_matched_by_in_reply_to(
    desk_mailbox, app, make_application
):
    nino = make_application(email="nino@example.org")
    email = email_to(nino)
    desk_mailbox.deliver(reply(to="experts@example.org", in_reply_to=email.message_id))

    assert outcomes(fetch_replies()) == {"filed": 1}

    assert [(r.application_id, r.body) for r in replies()] == [
        (nino.id, "Vielen Dank, anbei mein Nachtrag.")
    ]
    assert desk_mailbox.messages() == []


def test_unmatched_mail_stays_in_the_mailbox_unseen_and_is_not_read_again(
    desk_mailbox, app, make_application
):
    email_to(make_application())
    newsletter = reply(
        to="experts@example.org", subject="Press release", body="Nothing to do with us.\n"
    )
    desk_mailbox.deliver(newsletter)

    assert outcomes(fetch_replies()) == {"unmatched": 1}
    assert outcomes(fetch_replies()) == {}  # the cursor: looked at once

    (left,) = desk_mailbox.messages()
    assert left[1] is False  # not seen
    assert newsletter.replace(b"\n", b"\r\n") in left[0]  # as it came
    assert replies() == []
    (cursor,) = db.session.scalars(select(MailboxCursor)).all()
    assert cursor.mailbox == f"experts@127.0.0.1:{desk_mailbox.imap_port}/INBOX"


def test_a_delivery_failure_marks_our_email_bounced_and_is_not_filed_as_a_reply(
    desk_mailbox, app, make_application
):
    nino = make_application()
    email = email_to(nino)
    email.status = EmailStatus.SENT.value
    db.session.commit()
    desk_mailbox.deliver(delivery_failure(email.message_id))
    # A notice that the server still tries is no bounce: it stays for people to read.
    desk_mailbox.deliver(delivery_failure(email.message_id, action="delayed"))

    assert outcomes(fetch_replies()) == {"bounced": 1, "unmatched": 1}

    db.session.refresh(email)
    assert (email.status, email.last_error) == (
        "bounced",
        "smtp; 550 5.1.1 <nino@example.org>: Recipient address rejected",
    )
    assert replies() == []
    (left,) = desk_mailbox.messages()
    assert b"Action: delayed" in left[0]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "auto_reply"},
        {"Subject": "Out of Office: Re: Ihre Bewerbung"},
    ],
)
def test_an_automatic_reply_is_filed_flagged_read_and_is_no_answer(
    desk_mailbox, app, make_application, headers
):
    nino = make_application()
    email_to(nino).status = EmailStatus.DRAFT.value  # a draft: no answer of the desk's
    db.session.commit()
    subject = headers.pop("Subject", "Re: Ihre Bewerbung")
    desk_mailbox.deliver(
        reply(
            to=reply_address(nino),
            subject=subject,
            body="Ich bin bis 3. Januar weg.\n",
            headers=headers,
        )
    )

    assert outcomes(fetch_replies()) == {"automatic": 1}

    (filed,) = replies()
    assert (filed.automatic, filed.body) == (True, "Ich bin bis 3. Januar weg.")
    assert filed.read_at is not None  # nobody is told of it
    assert first_answer_times().answered == 0
    assert desk_mailbox.messages() == []


def test_a_real_reply_counts_as_an_answer(desk_mailbox, app, make_application):
    nino = make_application()
    email_to(nino).status = EmailStatus.DRAFT.value
    db.session.commit()
    desk_mailbox.deliver(reply(to=reply_address(nino)))

    fetch_replies()

    assert (first_answer_times().answered, first_answer_times().waiting) == (1, 0)


def test_a_reply_to_an_erased_application_is_deleted_and_nothing_is_stored(
    desk_mailbox, app, make_application
):
    nino = make_application()
    email_to(nino)
    address = reply_address(nino)
    erase_applicant(nino, by=None, reason="admin")
    desk_mailbox.deliver(reply(to=address, attachments=(("cv.txt", b"Lebenslauf\n"),)))

    assert outcomes(fetch_replies()) == {"erased": 1}

    assert replies() == []
    assert db.session.scalars(select(ReplyAttachment)).all() == []
    assert desk_mailbox.messages() == []


def test_a_hostile_attachment_is_refused_with_a_note_and_the_good_one_is_kept(
    desk_mailbox, app, make_application
):
    nino = make_application()
    email_to(nino)
    desk_mailbox.deliver(
        reply(
            to=reply_address(nino),
            attachments=(
                ("Arbeitsprobe.txt", b"Eine Reportage aus Kutaissi.\n"),
                ("invoice.pdf", hostile_files.exe_named_pdf()),
                ("bomb.docx", hostile_files.zip_bomb_docx(size=20 * 1024 * 1024)),
            ),
        )
    )

    assert outcomes(fetch_replies()) == {"filed": 1}

    (filed,) = replies()
    (kept,) = filed.attachments
    assert (kept.filename, kept.file_type, kept.content_type, kept.application_id) == (
        "Arbeitsprobe.txt",
        "txt",
        "text/plain",
        nino.id,
    )
    with open_stored(kept.storage_key) as stored:
        assert stored.read() == b"Eine Reportage aus Kutaissi.\n"
    # In the site's default language (the worker has no reader's): the form's own words.
    assert filed.refused == [
        {
            "filename": "invoice.pdf",
            "reason": "Diese Datei muss eine PDF-, Word- (DOCX), OpenDocument- (ODT), RTF- oder "
            "Textdatei (TXT) sein. Bitte speichern Sie sie in einem dieser Formate und laden Sie "
            "sie erneut hoch.",
        },
        {
            "filename": "bomb.docx",
            "reason": "Dieses Dokument ist zu groß oder zu komplex, um es sicher zu öffnen. Bitte "
            "speichern Sie es als PDF und laden Sie die neue Kopie hoch.",
        },
    ]
    assert len(db.session.scalars(select(ReplyAttachment)).all()) == 1


def test_an_html_only_reply_is_kept_as_text_without_any_markup(desk_mailbox, app, make_application):
    nino = make_application()
    email_to(nino)
    html = (
        "<html><head><title>x</title><style>p {color: red}</style>"
        "<script>alert('owned')</script></head><body>"
        "<p>Hallo <b>Team</b>,</p><p>hier <a href='javascript:alert(1)'>mein Link</a>."
        "<br>Gruß &amp; Dank<img src='https://tracker.example/pixel.gif'></p>"
        "<ul><li>eins</li><li>zwei</li></ul></body></html>"
    )
    desk_mailbox.deliver(reply(to=reply_address(nino), body=None, html=html))

    fetch_replies()

    (filed,) = replies()
    assert filed.body == "Hallo Team,\n\nhier mein Link.\nGruß & Dank\n\n- eins\n- zwei"


def test_fetching_the_same_reply_again_never_files_it_twice(desk_mailbox, app, make_application):
    nino = make_application()
    email_to(nino)
    raw = reply(to=reply_address(nino), message_id="<same@mail.example.org>")
    desk_mailbox.deliver(raw)
    assert outcomes(fetch_replies()) == {"filed": 1}
    # The same message again (a pass stopped after filing, or the sender's server retried).
    desk_mailbox.deliver(raw)

    assert outcomes(fetch_replies()) == {"duplicate": 1}

    assert len(replies()) == 1
    assert desk_mailbox.messages() == []


def test_a_flood_is_worked_off_in_batches_and_other_jobs_run_in_between(
    desk_mailbox, app_config, make_application, app
):
    app.config["REPLY_BATCH"] = 5
    nino = make_application()
    email_to(nino)
    for number in range(12):
        desk_mailbox.deliver(
            reply(to=reply_address(nino), message_id=f"<flood-{number}@mail.example.org>")
        )
    db.session.execute(Job.__table__.delete())
    first = enqueue(FETCH_REPLIES)
    db.session.commit()
    waiting = enqueue("deliver_email", email_id=0)  # another kind, queued after it
    db.session.commit()

    report = run_pending(limit=2, kinds={FETCH_REPLIES, "deliver_email"})

    # The first pass read five and queued the next behind the job already waiting,
    # which ran before any more replies were read.
    assert (report.attempted, len(replies()), len(desk_mailbox.messages())) == (2, 5, 7)
    jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
    assert [(job.id, job.kind, job.status) for job in jobs] == [
        (first.id, FETCH_REPLIES, JobStatus.DONE.value),
        (waiting.id, "deliver_email", JobStatus.DONE.value),
        (waiting.id + 1, FETCH_REPLIES, JobStatus.QUEUED.value),
    ]

    # Five more, then the last two.
    assert run_pending(kinds={FETCH_REPLIES, "deliver_email"}).attempted == 2
    assert len(replies()) == 12
    assert desk_mailbox.messages() == []
    assert [job.status for job in db.session.scalars(select(Job).order_by(Job.id))] == [
        JobStatus.DONE.value
    ] * 4


def test_an_unverifiable_server_fails_the_pass_with_a_clear_error_and_loses_nothing(
    desk_mailbox, app, make_application
):
    nino = make_application()
    email_to(nino)
    raw = reply(to=reply_address(nino))
    desk_mailbox.deliver(raw)
    app.config["MAIL_IMAP_CA_FILE"] = str(desk_mailbox.wrong_ca_file)
    db.session.execute(Job.__table__.delete())
    job = enqueue(FETCH_REPLIES)
    db.session.commit()

    report = run_pending(kinds={FETCH_REPLIES})

    assert (report.attempted, report.deferred, report.stopped) == (1, 1, {FETCH_REPLIES})
    db.session.refresh(job)
    assert job.status == JobStatus.QUEUED.value
    assert job.last_error == (
        f"the IMAP server 127.0.0.1:{desk_mailbox.imap_port} could not be verified "
        "(unable to get local issuer certificate); nothing was read. For a private CA, set "
        "MAIL_IMAP_CA_FILE"
    )
    assert replies() == []
    assert [seen for _, seen in desk_mailbox.messages()] == [False]

    # With the right CA the retry files it.
    app.config["MAIL_IMAP_CA_FILE"] = str(desk_mailbox.ca_file)
    retried = run_pending(now=job.next_attempt_at + timedelta(seconds=1), kinds={FETCH_REPLIES})
    assert retried.done == 1
    assert len(replies()) == 1
    assert desk_mailbox.messages() == []


def test_the_command_runs_one_pass_and_says_what_became_of_each_message(
    desk_mailbox, app, runner, make_application
):
    nino = make_application()
    email_to(nino)
    desk_mailbox.deliver(reply(to=reply_address(nino)))
    desk_mailbox.deliver(reply(to="experts@example.org", subject="Hello"))

    result = runner.invoke(args=["replies", "fetch"])

    assert result.exit_code == 0, result.output
    assert result.output == (
        "filed: 1\nautomatic: 0\nduplicate: 0\nbounced: 0\nerased: 0\nunmatched: 1\n"
    )


def test_the_command_refuses_without_a_mailbox(app, runner):
    result = runner.invoke(args=["replies", "fetch"])

    assert result.exit_code == 1
    assert "MAIL_IMAP_URL is not set: there is no mailbox to read." in result.output


def test_the_worker_fetches_every_five_minutes_once_a_mailbox_is_configured(app):
    from tracker.jobs.runner import queue_recurring

    now = utcnow()
    assert FETCH_REPLIES not in queue_recurring(now)
    app.config["MAIL_IMAP_URL"] = "imaps://experts:secret@127.0.0.1:1/INBOX"
    # Then every five minutes.
    assert FETCH_REPLIES in queue_recurring(now)
    assert FETCH_REPLIES not in queue_recurring(now + timedelta(minutes=4))
    assert FETCH_REPLIES in queue_recurring(now + timedelta(minutes=5, seconds=1))


def test_imap_with_starttls_reads_the_mailbox_too(desk_mailbox, app, make_application):
    app.config["MAIL_IMAP_URL"] = desk_mailbox.imap_url(starttls=True)
    nino = make_application()
    email_to(nino)
    desk_mailbox.deliver(reply(to=reply_address(nino)))

    assert outcomes(fetch_replies()) == {"filed": 1}


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("pop3://a:b@host/INBOX", "MAIL_IMAP_URL must start with imaps:// or imap://"),
        ("imaps://host/INBOX", "MAIL_IMAP_URL must name a user, a password and a host"),
        ("imaps://a:b@host/Entw%C3%BCrfe", "MAIL_IMAP_URL's folder must be an ASCII name"),
    ],
)
def test_a_mailbox_url_that_cannot_work_is_refused(url, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        mailbox_settings(url)


def test_a_mailbox_url_gives_its_parts_and_a_name_without_the_password():
    settings = mailbox_settings("imaps://desk%40example.org:p%2Fss@mail.example.org/Replies")

    assert (settings.user, settings.password, settings.port, settings.folder) == (
        "desk@example.org",
        "p/ss",
        993,
        "Replies",
    )
    assert settings.key == "desk@example.org@mail.example.org:993/Replies"
