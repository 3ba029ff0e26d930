"""Filed replies on the staff pages: the timeline, the unread marker, the attachments."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests import hostile_files
from tests.conftest import login_as
from tests.reply_mails import reply
from tracker.extensions import db
from tracker.mail import outbox
from tracker.models import ApplicantReply, AuditEvent
from tracker.replies.filing import file_reply
from tracker.replies.message import parse_mail


def file(application, **options) -> ApplicantReply:
    """File a reply of *application*'s applicant, as the fetcher does with a fetched one."""
    outbox.ensure_reply_address(application)
    db.session.commit()
    raw = reply(to=outbox.reply_to_address(application), **options)
    return file_reply(application, parse_mail(raw))


def timeline_entry(page: str, kind: str) -> str:
    return re.search(
        rf'<li class="timeline-entry timeline-{kind}">.*?</li>\s*(?=<li|</ol>)', page, re.S
    ).group(0)


def test_a_reply_is_on_the_timeline_with_its_text_files_and_refusals(
    app, editor_client, make_application
):
    nino = make_application(full_name="Nino Beridze")
    filed = file(
        nino,
        subject="Re: Arbeitsprobe <b>bold</b>",
        body="Hier ist meine Arbeitsprobe.\n<script>alert(1)</script>\n",
        attachments=(
            ("Probe.txt", b"Eine Reportage.\n"),
            ("invoice.pdf", hostile_files.exe_named_pdf()),
        ),
    )

    page = editor_client.get(f"/review/applications/{nino.id}?lang=en").text

    entry = timeline_entry(page, "reply")
    assert "Reply from nino@example.org: “Re: Arbeitsprobe &lt;b&gt;bold&lt;/b&gt;”" in entry
    assert "Hier ist meine Arbeitsprobe.\n&lt;script&gt;alert(1)&lt;/script&gt;</div>" in entry
    (attachment,) = filed.attachments
    assert (
        f'<a href="/review/replies/attachments/{attachment.id}" download><bdi>Probe.txt</bdi></a>'
        in entry
    )
    assert "The attachment “invoice.pdf” was not stored: " in entry
    assert "<script>" not in entry


def test_the_attachment_downloads_like_a_document_and_is_audited(
    app, editor_client, make_application
):
    nino = make_application()
    (attachment,) = file(nino, attachments=(("Probe.txt", b"Eine Reportage.\n"),)).attachments

    response = editor_client.get(f"/review/replies/attachments/{attachment.id}")

    body = response.data
    response.close()
    assert body == b"Eine Reportage.\n"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Probe.txt\"; filename*=UTF-8''Probe.txt"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.downloaded"))
    assert (event.application_id, event.details) == (
        nino.id,
        {"document_id": attachment.id, "kind": "reply_attachment"},
    )


def test_the_attachment_is_for_staff_only(app, client, make_application):
    nino = make_application()
    (attachment,) = file(nino, attachments=(("Probe.txt", b"Eine Reportage.\n"),)).attachments

    response = client.get(f"/review/replies/attachments/{attachment.id}")

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_an_unread_reply_is_marked_until_the_assignee_opens_the_candidate(
    app, editor_client, make_user, make_application
):
    colleague = make_user("ben@example.org", name="Ben Colleague")
    nino = make_application(full_name="Nino Beridze")
    nino.assignee_id = editor_client.user.id
    db.session.commit()
    file(nino)
    file(nino, subject="Noch etwas")
    other = app.test_client()
    login_as(other, colleague)

    inbox = editor_client.get("/review/?lang=en").text
    assert inbox.count('<span class="badge badge-reply">New reply</span>') == 1

    # A colleague sees it, and it stays unread for the assignee.
    page = other.get(f"/review/applications/{nino.id}?lang=en").text
    assert '<a class="badge badge-reply" href="#timeline">2 new replies</a>' in page
    # The assignee sees it once; then it is read.
    page = editor_client.get(f"/review/applications/{nino.id}?lang=en").text
    assert '<a class="badge badge-reply" href="#timeline">2 new replies</a>' in page
    page = editor_client.get(f"/review/applications/{nino.id}?lang=en").text
    assert "badge-reply" not in page
    assert "badge-reply" not in editor_client.get("/review/?lang=en").text
    assert all(r.read_at is not None for r in db.session.scalars(select(ApplicantReply)))


def test_an_unassigned_candidate_s_reply_is_read_by_whoever_opens_it(
    app, editor_client, make_application
):
    nino = make_application()
    file(nino)

    first = editor_client.get(f"/review/applications/{nino.id}?lang=en").text
    second = editor_client.get(f"/review/applications/{nino.id}?lang=en").text

    assert '<a class="badge badge-reply" href="#timeline">1 new reply</a>' in first
    assert "badge-reply" not in second


def test_an_automatic_reply_is_never_unread(app, editor_client, make_application):
    nino = make_application()
    filed = file(nino, headers={"Auto-Submitted": "auto-replied"}, subject="Abwesend")

    page = editor_client.get(f"/review/applications/{nino.id}?lang=en").text

    assert filed.automatic is True
    assert "badge-reply" not in page
    assert "Automatic reply from nino@example.org: “Abwesend”" in timeline_entry(page, "reply")


def test_reconcile_counts_reply_attachments_as_stored_files_not_orphans(app, make_application):
    from tests.storage_backends import age_object
    from tracker.documents.storage import GRACE_SECONDS, has_stored, reconcile

    nino = make_application()
    (attachment,) = file(nino, attachments=(("Probe.txt", b"Eine Reportage.\n"),)).attachments
    age_object(attachment.storage_key, GRACE_SECONDS + 60)

    report = reconcile(delete=True)

    assert (report.orphan_files, report.missing_files) == ([], [])
    assert has_stored(attachment.storage_key)


def test_files_beyond_the_tenth_are_refused_with_a_note(app, make_application):
    nino = make_application()
    files = tuple((f"teil-{n}.txt", f"Teil {n}\n".encode()) for n in range(1, 13))

    filed = file(nino, attachments=files)

    assert [a.filename for a in filed.attachments] == [f"teil-{n}.txt" for n in range(1, 11)]
    assert [note["filename"] for note in filed.refused] == ["teil-11.txt", "teil-12.txt"]
    assert {note["reason"] for note in filed.refused} == {
        "Eine Antwort behält höchstens 10 Dateien; diese wurde nicht gespeichert."
    }


def test_the_subject_access_archive_holds_the_replies_and_their_files(
    app, admin_client, make_application
):
    import io
    import json
    import zipfile

    nino = make_application()
    filed = file(nino, attachments=(("Probe.txt", b"Eine Reportage.\n"),))
    (attachment,) = filed.attachments

    response = admin_client.get(f"/admin/applications/{nino.id}/subject-access")

    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.read("replies/01-Probe.txt") == b"Eine Reportage.\n"
        data = json.loads(archive.read("data.json"))
    assert data["replies"] == [
        {
            "from": "nino@example.org",
            "subject": "Re: Ihre Bewerbung",
            "sent_at": data["replies"][0]["sent_at"],
            "body": "Vielen Dank, anbei mein Nachtrag.",
            "automatic": False,
            "attachments": [{"filename": "Probe.txt", "size": 16, "sha256": attachment.sha256}],
            "refused_attachments": [],
        }
    ]
    assert data["replies"][0]["sent_at"].startswith(filed.sent_at.isoformat()[:16])
