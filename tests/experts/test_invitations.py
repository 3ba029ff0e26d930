"""Inviting the experts a filter matches to an open call: a preview, then one email each."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import hidden_fields
from tracker.extensions import db
from tracker.models import AuditEvent, ExpertInvitation, Job, OutboxEmail
from tracker.ui_languages import localized


@pytest.fixture
def experts(make_expert, call):
    return {
        "nino": make_expert("Nino Beridze", "nino@example.org", preferred_language="de"),
        "giorgi": make_expert("Giorgi Tsereteli", "giorgi@example.org", preferred_language="en"),
        "tamar": make_expert(
            "Tamar Gelashvili", "tamar@example.org", preferred_language="ru", availability="paused"
        ),
        "armen": make_expert("Armen Sargsyan", "armen@example.org", regions=["armenia"]),
    }


def outbox() -> list[tuple]:
    return [
        (email.to_address, email.expert_id, email.language, email.subject, email.body_text)
        for email in db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.to_address))
    ]


def invite(client, call, query="region=georgia"):
    preview = client.get(f"/review/experts/invite?{query}&invite_to={call.id}")
    html = preview.get_data(as_text=True)
    response = client.post(f"/review/experts/invite?{query}", data=hidden_fields(html))
    return html, response


def test_the_preview_says_who_is_invited_and_who_is_skipped_and_sends_nothing(
    editor_client, experts, call
):
    html = editor_client.get(f"/review/experts/invite?region=georgia&invite_to={call.id}").get_data(
        as_text=True
    )

    assert '<p class="invite-count">2 experts will get an invitation:</p>' in html
    assert re.findall(r"<li><bdi>([^<]*)</bdi> &lt;([^&]*)&gt;</li>", html) == [
        ("Giorgi Tsereteli", "giorgi@example.org"),
        ("Nino Beridze", "nino@example.org"),
    ]
    assert "Paused, not written to: <bdi>Tamar Gelashvili</bdi>" in html
    assert outbox() == []


def test_each_matching_expert_gets_one_email_in_their_language(editor_client, experts, call):
    _, response = invite(editor_client, call)

    assert response.headers["Location"] == "/review/experts?region=georgia"
    title_de, title_en = localized(call.title, "de"), localized(call.title, "en")
    link = f"http://localhost/apply/{call.slug}"
    assert outbox() == [
        (
            "giorgi@example.org",
            experts["giorgi"].id,
            "en",
            f"New call: {title_en}",
            "Hello Giorgi Tsereteli,\n\nYou are part of our network of local experts. We have "
            f"published a new call that matches your regions and topics: “{title_en}”.\n\n"
            f"If you would like to take part, please apply here:\n{link}\n\n"
            "Kind regards\nAna Editor\nThe editorial team of Caucasus Watch\n",
        ),
        (
            "nino@example.org",
            experts["nino"].id,
            "de",
            f"Neue Ausschreibung: {title_de}",
            "Hallo Nino Beridze,\n\nSie gehören zu unserem Netzwerk lokaler Expertinnen und "
            "Experten. Wir haben eine neue Ausschreibung veröffentlicht, die zu Ihren Regionen "
            f"und Themen passt: „{title_de}“.\n\nWenn Sie mitmachen möchten, bewerben Sie sich "
            f"bitte hier:\n{link}\n\nMit freundlichen Grüßen\nAna Editor\n"
            "Die Redaktion von Caucasus Watch\n",
        ),
    ]
    assert sorted(
        db.session.execute(select(ExpertInvitation.expert_id, ExpertInvitation.call_id)).all()
    ) == sorted([(experts["nino"].id, call.id), (experts["giorgi"].id, call.id)])
    assert db.session.scalar(select(Job.id).where(Job.kind == "deliver_email").limit(1))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "expert.invited"))
    assert event.details == {
        "call": call.id,
        "experts": [experts["giorgi"].id, experts["nino"].id],
    }
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 invitations queued." in page


def test_an_expert_is_invited_to_a_call_once(editor_client, experts, call, make_expert):
    invite(editor_client, call)
    make_expert("Levan Kobakhidze", "levan@example.org")

    html, _ = invite(editor_client, call)

    assert "1 expert will get an invitation:" in html
    assert "Invited to this call before, not written to again:" in html
    assert [row[0] for row in outbox()] == [
        "giorgi@example.org",
        "levan@example.org",
        "nino@example.org",
    ]


def test_nothing_is_sent_without_a_filter_or_to_a_closed_call(editor_client, experts, call):
    response = editor_client.get(f"/review/experts/invite?invite_to={call.id}")
    assert response.headers["Location"] == "/review/experts"
    page = editor_client.get("/review/experts").get_data(as_text=True)
    assert "Please filter the directory before inviting experts." in page

    call.is_open = False
    db.session.commit()
    response = editor_client.get(f"/review/experts/invite?region=georgia&invite_to={call.id}")
    assert response.headers["Location"] == "/review/experts?region=georgia"
    page = editor_client.get("/review/experts?region=georgia").get_data(as_text=True)
    assert "Please choose a call that is open for applications." in page
    assert "Invite to call" not in page
    assert outbox() == []


def test_a_post_for_a_closed_call_writes_nothing(editor_client, experts, call):
    html = editor_client.get(f"/review/experts/invite?region=georgia&invite_to={call.id}").get_data(
        as_text=True
    )
    call.is_open = False
    db.session.commit()

    response = editor_client.post("/review/experts/invite?region=georgia", data=hidden_fields(html))

    assert response.headers["Location"] == "/review/experts?region=georgia"
    assert outbox() == []
    assert db.session.scalars(select(ExpertInvitation)).all() == []


def test_invitations_written_meanwhile_by_a_colleague_stop_the_whole_send(
    editor_client, experts, call, monkeypatch
):
    from tracker.experts import invitations
    from tracker.experts.filter import ExpertFilter

    real_plan = invitations.plan_invitations

    def plan_before_the_colleague(f, call_, *, by):
        plan = real_plan(f, call_, by=by)
        # The colleague's invitation of Nino commits between the preview and this send.
        db.session.add(ExpertInvitation(expert_id=experts["nino"].id, call_id=call_.id))
        db.session.flush()
        return plan

    monkeypatch.setattr(invitations, "plan_invitations", plan_before_the_colleague)
    with force_locale("en"), pytest.raises(invitations.InvitationError) as raised:
        invitations.invite_experts(ExpertFilter(region="georgia"), call, by=editor_client.user)

    assert str(raised.value) == (
        "Some of these experts were invited meanwhile. Please check the preview again."
    )
    assert outbox() == []
    assert db.session.scalars(select(ExpertInvitation)).all() == []


def test_the_outbox_lists_the_queued_invitations(editor_client, experts, call):
    invite(editor_client, call)

    html = editor_client.get("/review/outbox?tab=queued").get_data(as_text=True)

    rows = re.findall(
        r'<tr id="email-\d+">\s*<td>([^<]*)</td>\s*<td>\s*<bdi>([^<]*)</bdi>.*?'
        r'<a href="/review/experts/(\d+)">Expert of the pool</a>',
        html,
        re.S,
    )
    title_de, title_en = localized(call.title, "de"), localized(call.title, "en")
    assert sorted(rows) == [
        ("giorgi@example.org", f"New call: {title_en}", str(experts["giorgi"].id)),
        ("nino@example.org", f"Neue Ausschreibung: {title_de}", str(experts["nino"].id)),
    ]
