"""The applicant's status page: stage, emails, withdrawal, dead links and new links."""

from __future__ import annotations

import html
import re
import time

import pytest
from sqlalchemy import select

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.applications.status_links import STAGES, Stage, make_status_token
from tracker.enums import Status
from tracker.extensions import db, limiter
from tracker.mail.delivery import deliver_pending
from tracker.mail.outbox import queue
from tracker.mail.template_store import seed_templates
from tracker.models import Application, AuditEvent, OutboxEmail, StatusChange, utcnow

NOT_FOUND = "This link does not work"


def token_of(app, application) -> str:
    with app.test_request_context():
        return make_status_token(application)


def status_page(client, app, application, query="") -> str:
    response = client.get(f"/status/{token_of(app, application)}{query}")
    assert response.status_code == 200
    return response.text


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).strip()


def without_csrf(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)


# --- what the page says ----------------------------------------------------------------


def test_stage_mapping_covers_every_status():
    assert {status: STAGES[status] for status in Status} == {
        Status.NEW: Stage.RECEIVED,
        Status.IN_REVIEW: Stage.UNDER_REVIEW,
        Status.SHORTLISTED: Stage.UNDER_REVIEW,
        Status.TRIAL: Stage.UNDER_REVIEW,
        Status.ON_HOLD: Stage.UNDER_REVIEW,
        Status.ACCEPTED: Stage.DECISION_MADE,
        Status.REJECTED: Stage.DECISION_MADE,
        Status.WITHDRAWN: Stage.WITHDRAWN,
    }


@pytest.mark.parametrize(
    ("status", "stage", "explanation"),
    [
        ("new", "Received", "We have received your application. Our editors will read it soon."),
        ("in_review", "Under review", "Our editors are reading your application."),
        ("shortlisted", "Under review", "Our editors are reading your application."),
        ("trial", "Under review", "Our editors are reading your application."),
        ("on_hold", "Under review", "Our editors are reading your application."),
        ("accepted", "Decision made", "We have made a decision about your application"),
        ("rejected", "Decision made", "We have made a decision about your application"),
        ("withdrawn", "Withdrawn", "You have withdrawn your application."),
    ],
)
def test_page_shows_the_applicant_facing_stage_only(
    client, app, make_application, status, stage, explanation
):
    application = make_application(status=status, preferred_language="en")

    page = status_page(client, app, application)

    current = re.search(r'aria-current="step">\s*<strong>(.*?)</strong>', page).group(1)
    assert current == stage
    assert explanation in page
    for internal in ("Shortlisted", "Trial", "On hold", "Accepted", "Rejected"):
        assert internal not in text_of(page)
    assert application.reference in page
    # A rejected application may only go back into review; the pipeline decides.
    assert ("Withdraw my application" in page) is (status not in ("withdrawn", "rejected"))


def test_page_is_in_the_applicants_language_unless_another_is_chosen(client, app, make_application):
    application = make_application(preferred_language="ru")

    russian = status_page(client, app, application)
    english = status_page(client, app, application, "?lang=en")

    assert '<html lang="ru">' in russian
    assert '<html lang="en">' in english
    assert "Your application" in english


def test_page_lists_the_emails_sent_and_nothing_else(client, app, make_application):
    application = make_application(preferred_language="en")
    sent = queue(
        to_address=application.email,
        subject="We have received your application",
        body_text="Hello Nino,\n\nthank you.\n",
        template="acknowledgement",
        language="en",
        application=application,
    )
    for status, subject in (("queued", "Not yet"), ("draft", "A decision"), ("failed", "Bounced")):
        queue(
            to_address=application.email,
            subject=subject,
            body_text="…\n",
            template="request_info",
            language="en",
            application=application,
            status="draft" if status == "draft" else "queued",
        ).status = status
    sent.status, sent.sent_at = "sent", utcnow().replace(year=2026, month=11, day=3)
    db.session.commit()

    page = status_page(client, app, application, "?lang=en")

    assert re.findall(r"<h3>(.*?)</h3>", page) == ["We have received your application"]
    assert "Sent on 3 Nov 2026" in page
    assert '<div class="pre-wrap">Hello Nino,\n\nthank you.\n</div>' in page
    for hidden in ("Not yet", "A decision", "Bounced"):
        assert hidden not in page


def test_status_page_keeps_its_token_to_itself(client, app, make_application):
    application = make_application()
    response = client.get(f"/status/{token_of(app, application)}")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in response.text


# --- withdrawing -------------------------------------------------------------------------


def withdraw(client, app, application, **data):
    token = token_of(app, application)
    page = client.get(f"/status/{token}")
    return client.post(
        f"/status/{token}/withdraw", data={**hidden_fields(page.text), **data}
    ), token


def test_withdrawal_records_no_actor_and_queues_the_confirmation_in_their_language(
    client, app, make_application
):
    seed_templates()
    application = make_application(
        status="in_review", preferred_language="ru", full_name="Анна Петросян"
    )

    response, token = withdraw(
        client, app, application, reason="Я нашла другую работу.", confirm="y"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/status/{token}"
    db.session.expire_all()
    assert application.status == "withdrawn"
    change = db.session.scalar(select(StatusChange))
    assert (change.from_status, change.to_status, change.actor_id, change.note) == (
        "in_review",
        "withdrawn",
        None,
        "Я нашла другую работу.",
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "application.status_changed")
    )
    assert event.actor_id is None
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert (email.status, email.template, email.language, email.to_address) == (
        "queued",
        "withdrawal_confirmation",
        "ru",
        application.email,
    )
    assert email.subject == f"Вы отозвали свою заявку ({application.reference})"
    assert email.body_text.startswith(
        "Здравствуйте, Анна Петросян!\n\nПо вашей просьбе мы отозвали"
    )
    link = re.search(r"http://localhost(/status/[\w.-]+)\n", email.body_text).group(1)
    after = client.get(link)
    assert after.status_code == 200
    assert '<html lang="ru">' in after.text
    assert 'data-stage="withdrawn"' in after.text
    assert "/withdraw" not in after.text


def test_withdrawal_needs_the_confirmation_box(client, app, make_application):
    application = make_application(preferred_language="en")

    response, _ = withdraw(client, app, application, reason="")

    assert response.status_code == 400
    assert (
        "Please tick the box to confirm that you want to withdraw your application."
        in response.text
    )
    assert 'class="error-summary"' in response.text
    db.session.expire_all()
    assert application.status == "new"
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_withdrawing_twice_changes_nothing_more(client, app, make_application):
    application = make_application(preferred_language="en")
    withdraw(client, app, application, confirm="y")

    token = token_of(app, application)
    second = client.post(
        f"/status/{token}/withdraw",
        data={**hidden_fields(client.get("/status/reissue").text), "confirm": "y"},
    )

    assert second.status_code == 302
    assert len(db.session.scalars(select(StatusChange)).all()) == 1
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 1


# --- links that do not work ------------------------------------------------------------


def test_forged_expired_erased_and_rotated_links_get_the_same_page(
    client, app, make_application, monkeypatch
):
    forged_app = make_application()
    good = token_of(app, forged_app)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")

    expired_app = make_application()
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: 1_000_000_000.0)  # in 2001
        expired = token_of(app, expired_app)

    erased_app = make_application()
    erased = token_of(app, erased_app)
    db.session.delete(erased_app)
    db.session.commit()

    rotated_app = make_application()
    rotated = token_of(app, rotated_app)
    rotated_app.access_key = "a-new-key-0123456789"
    db.session.commit()

    pages = [
        client.get(f"/status/{token}?lang=en") for token in (forged, expired, erased, rotated, "x")
    ]

    assert [response.status_code for response in pages] == [404] * 5
    assert len({without_csrf(response.text) for response in pages}) == 1
    assert f"<h1>{NOT_FOUND}</h1>" in pages[0].text
    assert 'action="/status/reissue"' in pages[0].text
    assert client.get(f"/status/{good}").status_code == 200


def test_withdrawing_with_a_dead_link_changes_nothing(client, app, make_application):
    application = make_application()
    token = token_of(app, application)
    application.access_key = "rotated-rotated-rotated"
    db.session.commit()

    response = client.post(f"/status/{token}/withdraw", data={"confirm": "y"})

    assert response.status_code == 404
    db.session.expire_all()
    assert application.status == "new"


# --- a new link -----------------------------------------------------------------------


def reissue(client, address: str):
    page = client.get("/status/reissue?lang=en")
    return client.post("/status/reissue", data={**hidden_fields(page.text), "email": address})


def test_reissue_answers_the_same_for_known_and_unknown_addresses(client, app, make_application):
    known = make_application(email="nino.beridze@example.org")
    old_key = known.access_key

    for_known = reissue(client, "nino.beridze@EXAMPLE.org")
    for_unknown = reissue(client, "nobody@example.org")

    assert for_known.status_code == for_unknown.status_code == 302
    assert (
        for_known.headers["Location"] == for_unknown.headers["Location"] == "/status/reissue?sent=1"
    )
    answer = client.get("/status/reissue?sent=1&lang=en")
    assert (
        "If we have an application from this address, we have sent a new link to it." in answer.text
    )
    db.session.expire_all()
    assert known.access_key != old_key
    (email,) = db.session.scalars(select(OutboxEmail)).all()
    assert (email.to_address, email.template, email.status) == (
        "nino.beridze@example.org",
        "status_link",
        "queued",
    )
    assert email.subject == f"Ihr neuer Link zu Ihrer Bewerbung ({known.reference})"


class WorkCounter:
    """Count, for one request, the status-link renders and the commits that wrote rows."""

    def __init__(self, monkeypatch):
        from tracker.mail import compose

        self.renders = 0
        self.writing_commits = 0
        self._wrote = False
        real_render = compose.render

        def counting_render(*args, **kwargs):
            self.renders += 1
            return real_render(*args, **kwargs)

        monkeypatch.setattr(compose, "render", counting_render)

    def statement(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            self._wrote = True

    def commit(self, _conn):
        self.writing_commits += self._wrote
        self._wrote = False

    def rollback(self, _conn):
        self._wrote = False


def work_of_a_reissue(client, monkeypatch, address: str) -> tuple[int, int]:
    """Return (renders, commits that wrote) of one POST /status/reissue for *address*."""
    from sqlalchemy import event

    page = client.get("/status/reissue?lang=en")
    counter = WorkCounter(monkeypatch)
    hooks = [("before_cursor_execute", counter.statement), ("commit", counter.commit)]
    hooks.append(("rollback", counter.rollback))
    for name, hook in hooks:
        event.listen(db.engine, name, hook)
    try:
        response = client.post(
            "/status/reissue", data={**hidden_fields(page.text), "email": address}
        )
    finally:
        for name, hook in hooks:
            event.remove(db.engine, name, hook)
    assert response.headers["Location"] == "/status/reissue?sent=1"
    return counter.renders, counter.writing_commits


def test_reissue_does_the_same_work_for_known_and_unknown_addresses(
    client, app, make_application, monkeypatch
):
    # Timing told who applied (a known address took twice as long): the email was
    # rendered and a write committed only for a known address. Tests measure no time, so
    # this checks the costly steps instead: one render and one writing commit for both.
    make_application(email="nino.beridze@example.org")
    known = work_of_a_reissue(client, monkeypatch, "nino.beridze@example.org")
    unknown = work_of_a_reissue(client, monkeypatch, "nobody@example.org")
    assert known == unknown == (1, 1)
    assert len(db.session.scalars(select(OutboxEmail)).all()) == 1  # nothing to nobody
    requested = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "status_link.requested")
    ).all()
    assert [(event.application_id, event.actor_id, event.details) for event in requested] == [
        (None, None, {}),
        (None, None, {}),
    ]


def test_head_on_the_reissue_page_answers_like_get_without_a_body(client, app):
    response = client.head("/status/reissue?lang=en")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) > 0
    assert db.session.scalar(select(OutboxEmail)) is None


def test_the_new_link_works_and_the_old_one_does_not(client, app, make_application):
    application = make_application(preferred_language="en")
    old = token_of(app, application)

    reissue(client, application.email)

    email = db.session.scalar(select(OutboxEmail))
    new = re.search(r"http://localhost(/status/[\w.-]+)\n", email.body_text).group(1)
    assert client.get(new).status_code == 200
    assert client.get(f"/status/{old}").status_code == 404
    assert email.body_text.startswith(
        "Hello,\n\nYou asked for a new link to your application to our call “Local experts wanted”."
    )


def test_every_application_of_the_address_gets_its_own_new_link(client, app, make_application):
    first = make_application(email="nino@example.org")
    second = make_application(email="nino@example.org", preferred_language="ru")
    make_application(email="someone@example.org")

    reissue(client, "Nino@Example.org")

    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert [(email.application_id, email.language) for email in emails] == [
        (first.id, "de"),
        (second.id, "ru"),
    ]


def test_reissue_refuses_what_is_not_an_address(client, app):
    response = reissue(client, "not an address\r\nBcc: x@example.org")
    assert response.status_code == 400
    assert db.session.scalars(select(OutboxEmail)).all() == []


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, STATUS_REISSUE_LIMIT_PER_IP="2 per hour")


def test_reissue_is_rate_limited_per_address(limited, app, client):
    limiter.reset()
    answers = [reissue(client, f"person{n}@example.org") for n in range(3)]
    assert [answer.status_code for answer in answers] == [302, 302, 429]
    # Only the refusal says when to try again (tracker.web.errors.tell_when_to_retry); the
    # limit's state is not sent with every answer.
    assert 0 < int(answers[2].headers["Retry-After"]) <= 3600
    assert [
        name for answer in answers[:2] for name, _ in answer.headers if "ratelimit" in name.lower()
    ] == []
    assert [answer.headers.get("Retry-After") for answer in answers[:2]] == [None, None]
    assert client.get("/status/reissue").status_code == 200  # only asking counts
    limiter.reset()


# --- end to end -----------------------------------------------------------------------


@pytest.fixture
def smtp_server(app_config):
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port))
        yield server


def test_the_acknowledgement_carries_a_working_status_link(smtp_server, app, client, call):
    seed_templates()
    response = post(client, call, application_form(client, call, preferred_language="en"))
    assert response.status_code == 302
    application = db.session.scalar(select(Application))

    deliver_pending()

    (received,) = smtp_server.messages
    body = received.message.get_content()
    assert (
        "You can see where your application stands at any time on this page, and withdraw it "
        "there if you wish. Please do not share the link:\nhttp://localhost/status/"
    ) in body
    link = re.search(r"http://localhost(/status/[\w.-]+)\n", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert application.reference in page.text
    assert "We have received your application" in page.text  # the email, listed


def test_a_new_link_points_to_the_configured_site_whatever_the_host_header(
    client, app, make_application
):
    app.config["PUBLIC_BASE_URL"] = "https://experts.example.org/"
    application = make_application()
    page = client.get("/status/reissue", headers={"Host": "evil.example"})

    client.post(
        "/status/reissue",
        data={**hidden_fields(page.text), "email": application.email},
        headers={"Host": "evil.example"},
    )

    email = db.session.scalar(select(OutboxEmail))
    assert "evil.example" not in email.body_text
    link = re.search(r"https://experts\.example\.org(/status/[\w.-]+)\n", email.body_text).group(1)
    assert client.get(link).status_code == 200


def test_the_withdrawal_reason_is_never_cut_and_a_long_one_is_refused_with_the_numbers(
    client, app, make_application
):
    application = make_application(preferred_language="en")
    assert "maxlength" not in status_page(client, app, application, "?lang=en")
    assert "maxlength" not in client.get("/status/reissue").text

    response, _token = withdraw(client, app, application, reason="x" * 2001, confirm="y")

    assert response.status_code == 400
    assert "This has 2,001 characters. Please shorten it to 2,000." in response.text
    assert db.session.get(Application, application.id).status == "new"
