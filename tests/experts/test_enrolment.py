"""Accepted candidates become experts of the pool: new, matched, and never twice."""

from __future__ import annotations

from sqlalchemy import select

from tracker.applications.pipeline import set_status
from tracker.experts.pool import enrol_accepted
from tracker.extensions import db
from tracker.models import (
    ApplicationLanguage,
    ApplicationTopic,
    AuditEvent,
    Expert,
)


def _experts():
    return db.session.scalars(select(Expert).order_by(Expert.id)).all()


def _expertise(expert):
    return (
        expert.regions,
        [(row.language, row.level) for row in expert.languages],
        sorted(row.topic for row in expert.topics),
    )


def test_accepting_a_candidate_makes_a_new_expert_with_their_data(
    make_application, accept, make_assignment
):
    application = make_application(
        status="shortlisted",
        phone="+995 555 123 456",
        regions=["georgia", "abkhazia"],
        languages=[
            ApplicationLanguage(language="ka", level="native", position=0),
            ApplicationLanguage(language="de", level="B2", position=1),
        ],
        topics=[ApplicationTopic(topic="politics"), ApplicationTopic(topic="culture")],
    )
    trial = make_assignment(application=application, state="published")

    accept(application)

    [expert] = _experts()
    assert (
        expert.full_name,
        expert.email,
        expert.phone,
        expert.country,
        expert.city,
        expert.timezone,
        expert.preferred_language,
        expert.consent_at,
        expert.privacy_version,
        expert.source,
        expert.application_id,
    ) == (
        "Nino Beridze",
        "nino@example.org",
        "+995 555 123 456",
        "georgia",
        "Kutaisi",
        "Asia/Tbilisi",
        "de",
        application.consent_at,
        "test",
        "application",
        application.id,
    )
    assert _expertise(expert) == (
        ["georgia", "abkhazia"],
        [("ka", "native"), ("de", "B2")],
        ["culture", "politics"],
    )
    db.session.refresh(trial)
    assert trial.expert_id == expert.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "expert.enrolled"))
    assert (event.application_id, event.details) == (
        application.id,
        {"expert": expert.id, "matched": None},
    )


def test_an_expert_with_the_address_is_linked_and_gets_the_union_of_coverage(
    make_application, accept, make_expert
):
    expert = make_expert(
        full_name="N. Beridze",
        email="NINO@example.org",
        regions=["abkhazia"],
        languages=[("ru", "C1"), ("de", "B1")],
        topics=["economy"],
        notes="Knows the port of Poti.",
    )
    application = make_application(status="shortlisted", regions=["georgia"])

    accept(application)

    assert _experts() == [expert]
    db.session.refresh(expert)
    assert expert.application_id == application.id
    assert expert.full_name == "N. Beridze"  # the pool's record is kept, not overwritten
    assert expert.notes == "Knows the port of Poti."
    assert _expertise(expert) == (
        ["abkhazia", "georgia"],
        [("ru", "C1"), ("de", "B2")],  # the application's level, the newer one
        ["economy", "politics"],
    )


def test_an_expert_is_found_by_the_name_written_in_cyrillic(make_application, accept, make_expert):
    expert = make_expert(full_name="Нино Беридзе", email="n.beridze@example.net")
    application = make_application(status="shortlisted", email="nino@example.org")

    accept(application)

    assert _experts() == [expert]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "expert.enrolled"))
    assert event.details == {"expert": expert.id, "matched": "name"}
    assert expert.email == "n.beridze@example.net"


def test_accepting_twice_makes_no_second_expert(make_application, accept):
    application = make_application(status="shortlisted")
    accept(application)
    set_status(application, "on_hold", by=None)
    set_status(application, "shortlisted", by=None)

    accept(application)

    [expert] = _experts()
    assert expert.application_id == application.id
    assert _expertise(expert) == (["georgia"], [("de", "B2")], ["politics"])


def test_enrol_command_enrols_accepted_applications_once(app, runner, make_application):
    accepted = make_application(status="accepted", email="early@example.org")
    make_application(status="rejected", email="other@example.org", full_name="Tamar Gelashvili")

    result = runner.invoke(args=["experts", "enrol"])
    again = runner.invoke(args=["experts", "enrol"])

    assert result.output == "Enrolled 1 accepted applications into the expert pool.\n"
    assert again.output == "Enrolled 0 accepted applications into the expert pool.\n"
    assert [(expert.email, expert.application_id) for expert in _experts()] == [
        ("early@example.org", accepted.id)
    ]
    assert enrol_accepted() == 0
