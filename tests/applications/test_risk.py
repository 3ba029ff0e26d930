"""Naming editors for applicants at risk: only active editors, each change audited, and who
may see a candidate told in one place."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tracker.applications.ratings import add_rating, recuse
from tracker.applications.risk import (
    NeedToKnowError,
    SafetyAnswers,
    has_judged,
    name_for_call,
    name_for_candidate,
    nameable_editors,
    need_to_know,
    safety_problems,
    safety_row,
    unname_for_call,
    unname_for_candidate,
)
from tracker.extensions import db
from tracker.models import ApplicationNeedToKnow, AuditEvent, CallNeedToKnow

SCORES = {
    "regional_expertise": 4,
    "german_writing": 3,
    "sourcing": 4,
    "story_ideas": 5,
    "reliability": 4,
}


@pytest.fixture
def team(make_user):
    return {
        "admin": make_user("boss@example.org", "admin", name="Ada Admin"),
        "ana": make_user("ana@example.org", "editor", name="Ana Editor"),
        "ben": make_user("ben@example.org", "editor", name="Ben Editor"),
        "gia": make_user("gia@example.org", "guest", name="Gia Guest"),
        "old": make_user("old@example.org", "editor", name="Old Editor", active=False),
    }


def audit_rows() -> list[tuple]:
    return db.session.execute(
        select(
            AuditEvent.action, AuditEvent.actor_id, AuditEvent.application_id, AuditEvent.details
        )
        .where(AuditEvent.action.startswith("need_to_know."))
        .order_by(AuditEvent.id)
    ).all()


def test_an_editor_named_for_a_call_is_listed_once_and_audited(team, call):
    admin, ana = team["admin"], team["ana"]
    assert name_for_call(call, ana, by=admin) is True
    assert name_for_call(call, ana, by=admin) is False
    rows = db.session.execute(
        select(CallNeedToKnow.call_id, CallNeedToKnow.user_id, CallNeedToKnow.added_by_id)
    ).all()
    assert rows == [(call.id, ana.id, admin.id)]

    assert unname_for_call(call, ana, by=admin) is True
    assert unname_for_call(call, ana, by=admin) is False
    assert db.session.scalars(select(CallNeedToKnow)).all() == []
    assert audit_rows() == [
        ("need_to_know.named_for_call", admin.id, None, {"call_id": call.id, "user_id": ana.id}),
        ("need_to_know.unnamed_for_call", admin.id, None, {"call_id": call.id, "user_id": ana.id}),
    ]


def test_an_editor_named_for_a_candidate_is_audited_on_the_candidate(team, make_application):
    admin, ben = team["admin"], team["ben"]
    application = make_application(at_risk=True)
    assert name_for_candidate(application, ben, by=admin) is True
    assert name_for_candidate(application, ben, by=admin) is False
    assert db.session.execute(
        select(ApplicationNeedToKnow.application_id, ApplicationNeedToKnow.user_id)
    ).all() == [(application.id, ben.id)]
    assert unname_for_candidate(application, ben, by=admin) is True
    assert unname_for_candidate(application, ben, by=admin) is False
    assert audit_rows() == [
        ("need_to_know.named_for_candidate", admin.id, application.id, {"user_id": ben.id}),
        ("need_to_know.unnamed_for_candidate", admin.id, application.id, {"user_id": ben.id}),
    ]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("admin", "Ada Admin is an admin and sees every applicant at risk already."),
        ("gia", "Guest reviewers never see applicants at risk; Gia Guest cannot be named."),
        ("old", "Old Editor's account is inactive and cannot be named."),
    ],
)
def test_only_active_editors_can_be_named(team, call, make_application, who, message):
    application = make_application(at_risk=True)
    for name in (
        lambda: name_for_call(call, team[who], by=team["admin"]),
        lambda: name_for_candidate(application, team[who], by=team["admin"]),
    ):
        with pytest.raises(NeedToKnowError) as refused:
            name()
        with force_locale("en"):
            assert str(refused.value.message) == message
    assert db.session.scalars(select(CallNeedToKnow)).all() == []
    assert db.session.scalars(select(ApplicationNeedToKnow)).all() == []
    assert audit_rows() == []


def test_need_to_know_lists_admins_and_both_kinds_of_named_editors(team, call, make_application):
    admin, ana, ben = team["admin"], team["ana"], team["ben"]
    application = make_application(at_risk=True)
    name_for_call(call, ana, by=admin)
    name_for_candidate(application, ben, by=admin)
    name_for_candidate(application, ana, by=admin)

    known = need_to_know(application)

    assert [user.name for user in known.admins] == ["Ada Admin"]
    assert [row.user.name for row in known.for_call] == ["Ana Editor"]
    assert [row.user.name for row in known.for_candidate] == ["Ana Editor", "Ben Editor"]
    assert [user.name for user in known.editors()] == ["Ana Editor", "Ben Editor"]
    # Only active editors are offered, without those named already.
    assert [user.name for user in nameable_editors(besides=[ana])] == ["Ben Editor"]


def test_a_rating_or_a_recusal_counts_as_judged(team, make_application):
    application = make_application(at_risk=True)
    ana, ben = team["ana"], team["ben"]
    assert not has_judged(application, ana)
    add_rating(application, by=ana, scores=SCORES, recommendation="yes")
    recuse(application, by=ben, reason="My cousin")
    assert has_judged(application, ana)
    assert has_judged(application, ben)
    assert not has_judged(application, team["admin"])


def test_only_a_yes_makes_a_row_and_its_problems_are_named_per_field(call):
    assert safety_row(call, None) is None
    assert safety_problems(None) == {}
    row = safety_row(call, SafetyAnswers(wants_pseudonym=True, safe_channel="proton"))
    assert (row.call_id, row.wants_pseudonym, row.avoid_work_address) == (call.id, True, False)
    assert (row.safe_channel, row.safe_channel_handle) == ("proton", None)
    with force_locale("en"):
        problems = {
            answers: {name: str(text) for name, text in safety_problems(answers).items()}
            for answers in (
                SafetyAnswers(safe_channel_handle="@nino"),
                SafetyAnswers(safe_channel="other"),
                SafetyAnswers(safe_channel="fax"),
                SafetyAnswers(safe_channel="signal", safe_channel_handle="a\nb"),
                SafetyAnswers(safe_channel="signal"),
            )
        }
    assert list(problems.values()) == [
        {
            "safe_channel": "Please choose the channel your contact is for, or leave the "
            "contact empty."
        },
        {
            "safe_channel_handle": "Please name the channel and how we reach you on it, or "
            "choose another channel."
        },
        {"safe_channel": "Please choose a channel from the list."},
        {
            "safe_channel_handle": "Please write your contact on one line, in at most 200 "
            "characters."
        },
        {},
    ]
