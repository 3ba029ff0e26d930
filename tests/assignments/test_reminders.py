"""Reminders: the editor of a piece due in two days or waiting three days for an edit, the
author before the deadline – each once, however many runs or workers."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import hidden_fields
from tracker.assignments import reminders
from tracker.assignments.reminders import send_reminders
from tracker.assignments.states import advance_assignment
from tracker.enums import Delivery, NotificationEvent
from tracker.extensions import db
from tracker.jobs.registry import KINDS
from tracker.jobs.runner import run_pending
from tracker.models import Assignment, Notification, NotificationChoice, OutboxEmail, utcnow
from tracker.notifications.digest import send_digest

DEADLINE = datetime(2099, 12, 20, 14, 0)  # 18:00 in Tbilisi and Yerevan
DAY_BEFORE = DEADLINE - timedelta(days=1)


def told() -> list[tuple[int, str, int | None]]:
    """Return (user, event, assignment) of every notification, oldest first."""
    rows = db.session.execute(
        select(Notification.user_id, Notification.event, Notification.assignment_id).order_by(
            Notification.id
        )
    )
    return [tuple(row) for row in rows]


def mails(template: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id)
        )
    )


def test_the_editor_is_told_once_when_the_deadline_is_two_days_away(
    on_trial, editor, make_assignment
):
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    assert send_reminders(DEADLINE - timedelta(hours=49)).total == 0
    assert told() == []
    first = send_reminders(DEADLINE - timedelta(hours=47))
    second = send_reminders(DEADLINE - timedelta(hours=46))
    assert (first.deadlines, second.deadlines) == (1, 0)
    assert told() == [(editor.id, "deadline_near", assignment.id)]
    assert db.session.get(Assignment, assignment.id).deadline_reminded_at == DEADLINE - timedelta(
        hours=47
    )


def test_a_finished_or_cancelled_piece_is_not_reminded_of(on_trial, editor, make_assignment):
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    advance_assignment(assignment, "cancelled", by=editor)
    assert send_reminders(DAY_BEFORE).total == 0
    assert told() == []


def test_a_delivered_piece_waiting_three_days_is_reminded_of_once(
    on_trial, editor, make_assignment
):
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    advance_assignment(assignment, "accepted", by=editor)
    advance_assignment(assignment, "delivered", by=editor)
    delivered = db.session.get(Assignment, assignment.id).delivered_at
    assert send_reminders(delivered + timedelta(days=2, hours=23)).edits == 0
    assert send_reminders(delivered + timedelta(days=3)).edits == 1
    assert send_reminders(delivered + timedelta(days=4)).edits == 0
    assert told() == [(editor.id, "edit_waiting", assignment.id)]


def test_the_expert_gets_one_reminder_email_in_their_language(editor, expert, make_assignment):
    assignment = make_assignment(
        expert=expert, timezone="Asia/Yerevan", deadline_at=DEADLINE, remind_expert=True
    )
    assert send_reminders(DAY_BEFORE).experts == 1
    assert send_reminders(DAY_BEFORE + timedelta(hours=1)).experts == 0
    (email,) = mails("deadline_reminder")
    assert (email.to_address, email.language, email.expert_id, email.application_id) == (
        "arman@example.org",
        "en",
        expert.id,
        None,
    )
    assert (
        email.subject == "Reminder: “Winter in Gudauri” is due on 20 Dec 2099, 18:00 (Yerevan time)"
    )
    assert email.body_text.startswith("Hello Arman Petrosyan,\n\na friendly reminder: your piece")
    assert f"({assignment.reference}) is due on 20 Dec 2099, 18:00 (Yerevan time)." in (
        email.body_text
    )


def test_a_candidate_is_reminded_in_german_only_when_asked(on_trial, make_assignment):
    make_assignment(application=on_trial, deadline_at=DEADLINE)
    reminded = make_assignment(application=on_trial, deadline_at=DEADLINE, remind_expert=True)
    assert send_reminders(DAY_BEFORE).experts == 1
    (email,) = mails("deadline_reminder")
    assert (email.to_address, email.application_id, email.expert_id) == (
        "nino@example.org",
        on_trial.id,
        None,
    )
    assert (
        email.subject
        == "Erinnerung: „Winter in Gudauri“ ist fällig am 20. Dez. 2099, 18:00 (Ortszeit Tiflis)"
    )
    assert f"Ihr Beitrag „Winter in Gudauri“ ({reminded.reference}) ist fällig" in email.body_text


def test_no_author_reminder_after_the_deadline(on_trial, make_assignment):
    make_assignment(application=on_trial, deadline_at=DEADLINE, remind_expert=True)
    assert send_reminders(DEADLINE + timedelta(minutes=1)).experts == 0
    assert mails("deadline_reminder") == []


def test_a_reminder_another_worker_claimed_is_not_sent_again(
    monkeypatch, on_trial, editor, make_assignment
):
    """The second worker found the piece due, but the first set the marker before its
    claim: its UPDATE … WHERE marker IS NULL changes no row, and it sends nothing."""
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE, remind_expert=True)
    real_begin_write = reminders.begin_write

    def other_worker_first():
        db.session.execute(
            update(Assignment)
            .where(Assignment.id == assignment.id)
            .values(deadline_reminded_at=DAY_BEFORE, expert_reminded_at=DAY_BEFORE)
        )
        db.session.commit()
        real_begin_write()

    monkeypatch.setattr(reminders, "begin_write", other_worker_first)
    assert send_reminders(DAY_BEFORE).total == 0
    assert told() == []
    assert mails("deadline_reminder") == []


def test_a_guest_is_never_told(on_trial, make_user, make_assignment):
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    guest = make_user("gayane@partner.example", "guest", name="Gayane Guest")
    assignment.editor_id = guest.id
    db.session.commit()
    send_reminders(DAY_BEFORE)
    assert told() == []


def test_the_editor_who_chose_at_once_gets_an_email_with_the_assignments_link(
    on_trial, editor, make_assignment
):
    db.session.add(
        NotificationChoice(
            user_id=editor.id,
            event=NotificationEvent.DEADLINE_NEAR.value,
            delivery=Delivery.AT_ONCE.value,
        )
    )
    editor.language = "en"
    db.session.commit()
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    send_reminders(DAY_BEFORE)
    (email,) = mails("notification")
    assert email.to_address == "ana@example.org"
    assert (
        f"The deadline of “Winter in Gudauri” ({assignment.reference}) is in less than two "
        "days: 20 Dec 2099, 18:00 (Tbilisi time)"
    ) in email.body_text
    assert f"http://localhost/review/assignments/{assignment.id}\n" in email.body_text


def test_the_digest_lists_the_reminder_with_its_link(on_trial, editor, make_assignment):
    editor.language = "en"
    db.session.commit()
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE)
    send_reminders(DAY_BEFORE)
    send_digest(editor, utcnow() + timedelta(minutes=1))
    (email,) = mails("digest")
    assert (
        f"- The deadline of “Winter in Gudauri” ({assignment.reference}) is in less than two "
        f"days: 20 Dec 2099, 18:00 (Tbilisi time)\n  http://localhost/review/assignments/{assignment.id}\n"
    ) in email.body_text


def test_the_notification_list_names_the_piece_and_leads_to_it(
    editor_client, on_trial, make_assignment
):
    assignment = make_assignment(application=on_trial, deadline_at=DEADLINE, by=editor_client.user)
    advance_assignment(assignment, "accepted", by=editor_client.user)
    advance_assignment(assignment, "delivered", by=editor_client.user)
    delivered = db.session.get(Assignment, assignment.id).delivered_at
    send_reminders(delivered + timedelta(days=3))
    page = editor_client.get("/review/notifications").get_data(as_text=True)
    assert (
        f"“Winter in Gudauri” ({assignment.reference}) was delivered three days ago and waits "
        "for an edit"
    ) in html.unescape(page)
    (row,) = db.session.scalars(select(Notification))
    response = editor_client.post(
        f"/review/notifications/{row.id}/open",
        data={"csrf_token": hidden_fields(page)["csrf_token"]},
    )
    assert response.headers["Location"] == f"/review/assignments/{assignment.id}"


def test_the_settings_page_lists_the_two_reminders(editor_client):
    page = html.unescape(editor_client.get("/review/settings").get_data(as_text=True))
    assert "An assignment you are responsible for is due in two days" in page
    assert "A piece you are responsible for has waited three days for an edit" in page


def test_the_worker_runs_the_reminders_every_hour(on_trial, editor, make_assignment):
    make_assignment(application=on_trial, deadline_at=DEADLINE)
    assert KINDS["assignment_reminders"].every == timedelta(hours=1)
    report = run_pending(now=DAY_BEFORE, kinds={"assignment_reminders"})
    assert (report.attempted, report.done) == (1, 1)
    assert [event for _user, event, _id in told()] == ["deadline_near"]


@pytest.mark.usefixtures("on_trial")
def test_the_command_sends_the_reminders_due_now(runner, on_trial, make_assignment):
    from tests.assignments.conftest import in_days

    make_assignment(application=on_trial, deadline_at=in_days(1), remind_expert=True)
    result = runner.invoke(args=["assignments", "remind"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Deadline reminders: 1; edit reminders: 0; reminder emails to authors: 1.\n"
    )
    assert runner.invoke(args=["assignments", "remind"]).output == (
        "Deadline reminders: 0; edit reminders: 0; reminder emails to authors: 0.\n"
    )
