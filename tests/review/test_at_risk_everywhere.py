"""An applicant at risk, looked for everywhere by those who may not see them.

One applicant at risk ("Tamriko Qvelidze") is seeded with everything that can name them:
documents, tags, a comment, a rating, an email in the outbox, a reply with an attachment, a
notification, a possible copy of a visible candidate's writing sample, an expert record and
an assignment, and a saved view that would count them. Then an editor who is not on their
need-to-know list and a guest whose scope covers their call and region walk EVERY GET route
of ``app.url_map`` (and the POST routes that name a candidate): a URL naming one of the
applicant's objects answers exactly what a missing one answers, and no page – the inbox in
every tab, search by every detail, the dashboard, the experts, the outbox, notifications,
the visible candidates' pages with their j/k neighbours, relatives and copies – shows any
of the applicant's details or counts them. Admins and the named editor see them.

The routes are read from the url_map, never from a list: a new route is walked as soon as
it exists, and a new kind of URL argument fails the walk until it is given a value here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import hidden_fields, login_as
from tests.guests.conftest import make_guest
from tracker.admin.dashboard_page import dashboard_page
from tracker.applications.people import name_key
from tracker.applications.teamwork import add_comment
from tracker.applications.versions import relatives_of
from tracker.enums import NotificationEvent, Status
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import count_filtered
from tracker.models import (
    ApplicantReply,
    Application,
    ApplicationNeedToKnow,
    Assignment,
    Comment,
    Document,
    Expert,
    Notification,
    OutboxEmail,
    Rating,
    ReplyAttachment,
    SampleFacts,
    SampleMatch,
    SavedView,
    Tag,
    User,
    utcnow,
)
from tracker.notifications import notify
from tracker.review.inbox_page import inbox_page
from tracker.search import index_application
from tracker.web.access import NAMING_ARGUMENTS, Policy, policy_of

MISSING = 999_999
HIDDEN_NAME = "Tamriko Qvelidze"
HIDDEN_EMAIL = "tamriko.q@hidden.example"
HIDDEN_PHONE = "+995 599 313 131"
HIDDEN_CITY = "Sachkhere"
# Words of the hidden applicant's documents, comment, emails, reply, expert record and
# assignment: none may appear on a page of someone outside the need-to-know list.
HIDDEN_WORDS = (
    HIDDEN_NAME,
    HIDDEN_EMAIL,
    HIDDEN_PHONE,
    HIDDEN_CITY,
    "Tkibuli",  # cover letter
    "Chiaturamanganese",  # CV text
    "qvelidze-cv.pdf",
    "Zestaponi",  # comment
    "Kharagauli",  # rating summary
    "Ambrolauri",  # outbox subject
    "Oni-valley",  # reply body
    "tsageri-notes.pdf",  # reply attachment
    "Lentekhi",  # expert notes
    "Mestia mine report",  # assignment title
    "Ushguli passage",  # the hidden side of a possible copy
)


@dataclass
class World:
    """The people and the hidden applicant's objects."""

    visible: Application
    relative: Application
    hidden: Application
    objects: dict[str, int]  # URL argument name -> id of the hidden applicant's object
    admin: User
    named: User
    editor: User
    guest: User

    def forbidden(self) -> list[str]:
        """Return what no page of an outsider may contain: words and links to the objects."""
        return [*HIDDEN_WORDS, self.hidden.reference]

    def forbidden_links(self) -> list[re.Pattern]:
        """Return patterns of links to the hidden applicant's own pages and files."""
        return [
            re.compile(rf"/review/applications/{self.hidden.id}(?!\d)"),
            re.compile(rf"/review/documents/{self.objects['document_id']}(?!\d)"),
            re.compile(rf"/review/experts/{self.objects['expert_id']}(?!\d)"),
            re.compile(rf"/review/assignments/{self.objects['assignment_id']}(?!\d)"),
            re.compile(rf"application={self.hidden.id}(?!\d)"),
        ]


def _document(application, kind, filename, text, key) -> Document:
    return Document(
        application=application,
        kind=kind,
        filename=filename,
        file_type="pdf",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
        storage_key=key,
        flags=[],
        text=text,
        page_count=1,
    )


def _expert(name: str, email: str, application: Application | None, notes: str) -> Expert:
    return Expert(
        full_name=name,
        email=email,
        application=application,
        notes=notes,
        consent_at=utcnow(),
        privacy_version="test",
    )


def _assignment(reference: str, title: str, application, expert, editor) -> Assignment:
    return Assignment(
        reference=reference,
        title=title,
        application=application,
        expert=expert,
        editor_id=editor.id,
        fee_minor=25000,
        currency="EUR",
        deadline_at=utcnow() + timedelta(days=1),
        timezone="Europe/Berlin",
    )


@pytest.fixture
def world(call, make_application, make_user) -> World:
    """Seed two visible applicants, the hidden one and everything around them."""
    admin = make_user("boss@example.org", "admin", name="Bea Admin")
    named = make_user("nana@example.org", "editor", name="Nana Named")
    editor = make_user("otar@example.org", "editor", name="Otar Outsider")
    guest = make_guest(make_user, call, regions=("georgia",))
    visible = make_application(
        full_name="Nino Beridze", email="nino@example.org", phone="+995 555 000 111"
    )
    # The same person's name in another order: a relative of the hidden one by name.
    relative = make_application(full_name="Qvelidze Tamriko", email="tq.other@example.org")
    hidden = make_application(
        full_name=HIDDEN_NAME,
        email=HIDDEN_EMAIL,
        phone=HIDDEN_PHONE,
        city=HIDDEN_CITY,
        cover_letter="Ich schreibe über Tkibuli.",
        at_risk=True,
    )
    relative.name_key = hidden.name_key = name_key(HIDDEN_NAME)
    db.session.add(ApplicationNeedToKnow(application_id=hidden.id, user=named))
    visible_sample = _document(visible, "writing_sample", "sample.pdf", "Kutaisi text", "v" * 32)
    hidden_cv = _document(hidden, "cv", "qvelidze-cv.pdf", "Chiaturamanganese", "h" * 32)
    hidden_sample = _document(hidden, "writing_sample", "s.pdf", "Ushguli passage", "s" * 32)
    db.session.add_all([visible_sample, hidden_cv, hidden_sample])
    db.session.flush()
    for document in (visible_sample, hidden_sample):
        db.session.add(
            SampleFacts(
                document_id=document.id,
                application_id=document.application_id,
                word_count=900,
                has_text=True,
                language="de",
                language_confidence=0.9,
            )
        )
    for this, other in ((visible_sample, hidden_sample), (hidden_sample, visible_sample)):
        db.session.add(
            SampleMatch(
                document_id=this.id,
                other_document_id=other.id,
                application_id=this.application_id,
                other_application_id=other.application_id,
                share=0.6,
                passages=[[this.text, other.text]],
            )
        )
    photo = Tag(name="photo")
    visible.tags.append(photo)
    hidden.tags.append(photo)
    db.session.add(Comment(application_id=hidden.id, author_id=named.id, body="Zestaponi contact"))
    db.session.add(
        Rating(
            application_id=hidden.id,
            user_id=named.id,
            regional_expertise=5,
            german_writing=5,
            sourcing=5,
            story_ideas=5,
            reliability=5,
            recommendation="yes",
            summary="Kharagauli sources",
        )
    )
    email = OutboxEmail(
        application=hidden,
        template="custom",
        language="de",
        to_address=HIDDEN_EMAIL,
        subject="Ihre Bewerbung – Ambrolauri",
        body_text="Liebe Tamriko Qvelidze",
        message_id="<hidden-1@tracker.test>",
        status="draft",
    )
    reply = ApplicantReply(
        application_id=hidden.id,
        message_id="<reply-1@hidden.example>",
        from_address=HIDDEN_EMAIL,
        subject="Re: Ihre Bewerbung",
        sent_at=utcnow(),
        body="Greetings from the Oni-valley",
    )
    attachment = ReplyAttachment(
        reply=reply,
        application=hidden,
        filename="tsageri-notes.pdf",
        file_type="pdf",
        content_type="application/pdf",
        size=10,
        sha256="1" * 64,
        storage_key="a" * 32,
    )
    visible_expert = _expert("Levan Visible", "levan@example.org", None, "visible notes")
    hidden_expert = _expert(HIDDEN_NAME, HIDDEN_EMAIL, hidden, "Lentekhi stringer")
    db.session.add_all([email, reply, attachment, visible_expert, hidden_expert])
    db.session.flush()
    db.session.add(_assignment("AS-VISIBL", "Visible piece", None, visible_expert, named))
    assignment = _assignment("AS-HIDDEN", "Mestia mine report", hidden, hidden_expert, named)
    db.session.add(assignment)
    db.session.flush()
    # Told before the list of who may see them was drawn up: the outsider's old notification.
    notification = Notification(
        user_id=editor.id, event=NotificationEvent.NEW_APPLICATION.value, application=hidden
    )
    db.session.add(notification)
    db.session.add(
        SavedView(owner_id=editor.id, name="Alle neuen", query="status=new", shared=True)
    )
    db.session.commit()
    for application in (visible, relative, hidden):
        index_application(application)
    db.session.commit()
    objects = {
        "application_id": hidden.id,
        "document_id": hidden_cv.id,
        "attachment_id": attachment.id,
        "email_id": email.id,
        "notification_id": notification.id,
        "expert_id": hidden_expert.id,
        "assignment_id": assignment.id,
    }
    assert set(objects) == set(NAMING_ARGUMENTS)
    return World(visible, relative, hidden, objects, admin, named, editor, guest)


# Values for the URL variables that name no candidate (a route of its own kind: its own
# tests). A new kind of variable fails the walk until it is given a value here.
NEUTRAL_ARGUMENTS = {
    "call_id": 1,
    "token_id": 1,
    "endpoint_id": 1,
    "delivery_id": 1,
    "job_id": 1,
    "user_id": 1,
    "view_id": 1,
    "number": 1,
    "key": "acknowledgement",
    "language": "de",
    "slug": "local-experts",
    "token": "x",
    # The applicant's thanks page echoes the reference of its URL, whoever asks.
    "reference": "x",
    "filename": "css/site.css",
    "name": "photo",
}


def _query_strings(world: World) -> dict[str, list[str]]:
    """Return the query strings each listing is asked with, besides none at all."""
    hidden = world.hidden
    searches = [HIDDEN_NAME, "Qvelidze", hidden.reference, HIDDEN_EMAIL, HIDDEN_PHONE, "Tkibuli"]
    inbox = [f"status={status.value}" for status in Status]
    inbox += [f"q={quote(term)}" for term in searches]
    inbox += [f"q={quote(term)}&jump=1" for term in searches]
    inbox += ["tag=photo", "sort=name", "per_page=100", "region=georgia"]
    return {
        "review.inbox": inbox,
        "review.outbox": [f"tab={tab}" for tab in ("draft", "queued", "sent", "failed")]
        + [f"application={hidden.id}", f"application={hidden.id}&tab=draft"],
        "review.experts": ["q=Qvelidze", f"q={quote(HIDDEN_EMAIL)}", "q=Lentekhi", "call=1"],
        "review.invite_preview": ["invite_to=1"],
        "review.new_assignment": [
            f"application={hidden.id}",
            f"expert={world.objects['expert_id']}",
        ],
        "admin.dashboard": ["call=1"],
        "review.notifications": ["page=1"],
    }


def _visible_pages(world: World) -> list[str]:
    """Return the pages of visible candidates where a hidden one could be named: the
    candidate page (relatives, copies, j/k neighbours in every order) and its audit."""
    pages = []
    for application in (world.visible, world.relative):
        base = f"/review/applications/{application.id}"
        pages.append(base)
        for order in ("name", "-name", "received", "-received", "status"):
            pages.append(f"{base}?from={quote(f'sort={order}')}")
    return pages


def _url(rule, values: dict) -> str:
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


def _arguments(rule, world: World, hidden: bool) -> dict:
    values = {}
    for name in rule.arguments:
        if name in NAMING_ARGUMENTS:
            values[name] = world.objects[name] if hidden else MISSING
        else:
            assert name in NEUTRAL_ARGUMENTS, f"{rule.rule}: give <{name}> a value here"
            values[name] = NEUTRAL_ARGUMENTS[name]
    return values


def _get_routes(app):
    """Yield every GET rule but the static files (Flask's own) and the JSON API's, which
    take a bearer token acting for its admin, never a session (tests/api walks them)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if policy_of(rule.endpoint) is Policy.TOKEN:
            continue
        yield rule


def _leaks(text: str, world: World, typed: str = "") -> list[str]:
    """Return the hidden applicant's words and links in *text*, but what the user *typed*
    (a search box shows it again)."""
    text = text.replace(typed, "") if typed else text
    found = [word for word in world.forbidden() if word in text]
    found += [pattern.pattern for pattern in world.forbidden_links() if pattern.search(text)]
    return found


def request_args(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _fresh_get(client, url: str):
    """GET *url* without the messages an earlier request flashed (they would differ)."""
    with client.session_transaction() as session:
        session.pop("_flashes", None)
    return client.get(url)


def walk(client, world: World) -> dict[str, list[str]]:
    """GET every route as *client*'s account; return what leaked where (nothing, we hope)."""
    leaks: dict[str, list[str]] = {}
    queries = _query_strings(world)
    with client.application.test_request_context():
        rules = list(_get_routes(client.application))
    for rule in rules:
        if rule.arguments & set(NAMING_ARGUMENTS):
            names_hidden = _fresh_get(client, _url(rule, _arguments(rule, world, hidden=True)))
            names_missing = _fresh_get(client, _url(rule, _arguments(rule, world, hidden=False)))
            # The same answer, byte for byte, as for an id that does not exist.
            assert (names_hidden.status_code, names_hidden.get_data()) == (
                names_missing.status_code,
                names_missing.get_data(),
            ), rule.rule
            assert names_hidden.status_code in (403, 404), rule.rule
            continue
        path = _url(rule, _arguments(rule, world, hidden=False))
        for query in ["", *queries.get(rule.endpoint, [])]:
            url = f"{path}?{query}" if query else path
            response = client.get(url)
            assert response.status_code < 500, url
            text = response.get_data().decode("utf-8", "replace") + response.headers.get(
                "Location", ""
            )
            typed = request_args(url).get("q", "")
            if found := _leaks(text, world, typed):
                leaks[url] = found
    for url in _visible_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        if found := _leaks(response.get_data(as_text=True), world):
            leaks[url] = found
    return leaks


@pytest.fixture
def outsider(app, world):
    client = app.test_client()
    login_as(client, world.editor)
    return client


@pytest.fixture
def guest(app, world):
    client = app.test_client()
    login_as(client, world.guest)
    return client


def test_an_editor_not_named_finds_the_applicant_at_risk_nowhere(outsider, world):
    leaks = walk(outsider, world)
    for url, found in leaks.items():
        print(url, found)
    assert leaks == {}


def test_a_guest_of_their_call_and_region_finds_them_nowhere(guest, world):
    assert walk(guest, world) == {}


@pytest.mark.parametrize("who", ["admin", "named"])
def test_admins_and_the_named_editor_see_them(app, world, who):
    client = app.test_client()
    login_as(client, getattr(world, who))
    page = client.get(f"/review/applications/{world.hidden.id}").text
    assert HIDDEN_NAME in page
    assert "Zestaponi contact" in page
    inbox = client.get(f"/review/?q={quote(HIDDEN_EMAIL)}").text
    assert HIDDEN_NAME in inbox
    experts = client.get("/review/experts?q=Qvelidze").text
    assert "Lentekhi" in experts or HIDDEN_NAME in experts
    assert client.get(f"/review/assignments/{world.objects['assignment_id']}").status_code == 200
    sample_page = client.get(f"/review/applications/{world.visible.id}").text
    assert "Ushguli passage" in sample_page


def test_counts_leave_them_out_for_outsiders_only(app, world):
    def numbers(user):
        page = dashboard_page(None, language="en", now=utcnow(), viewer=user)
        new = page.statuses[0][1]  # in pipeline order: "new" first
        return page.totals.received, new, page.calls[0][2]

    with app.test_request_context():
        assert numbers(world.editor) == (2, 2, 2)
        assert numbers(world.named) == (3, 3, 3)
        assert numbers(world.admin) == (3, 3, 3)


def test_the_saved_views_count_only_what_the_viewer_may_see(outsider, world):
    page = outsider.get("/review/").text
    counted = re.search(r"Alle neuen.*?(\d+)", page, re.S)
    assert counted is not None
    assert counted.group(1) == "2"


def _post(client, url: str, data: dict):
    token = hidden_fields(client.get("/review/").text)["csrf_token"]
    return client.post(url, data={"csrf_token": token, **data})


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("status", {"status": "rejected", "expected_version": "1"}),
        ("rating", {"recommendation": "no"}),
        ("comments", {"body": "hello"}),
        ("tags", {"name": "gone"}),
        ("tags/remove", {"name": "photo"}),
        ("assignee", {"assignee": "", "expected_version": "1"}),
        ("recusal", {}),
        ("email", {"subject": "x", "body": "y"}),
    ],
)
def test_a_post_naming_them_answers_404_and_changes_nothing(outsider, world, path, data):
    before = db.session.execute(
        select(Application.status, Application.version_id, func.count(Comment.id))
        .outerjoin(Comment, Comment.application_id == Application.id)
        .where(Application.id == world.hidden.id)
        .group_by(Application.id)
    ).one()
    hidden = _post(outsider, f"/review/applications/{world.hidden.id}/{path}", data)
    missing = _post(outsider, f"/review/applications/{MISSING}/{path}", data)
    assert (hidden.status_code, hidden.get_data()) == (404, missing.get_data())
    db.session.expire_all()
    after = db.session.execute(
        select(Application.status, Application.version_id, func.count(Comment.id))
        .outerjoin(Comment, Comment.application_id == Application.id)
        .where(Application.id == world.hidden.id)
        .group_by(Application.id)
    ).one()
    assert after == before


@pytest.mark.parametrize(
    "action", [{"action": "status", "status": "on_hold"}, {"action": "tag", "tag": "gone"}]
)
def test_bulk_actions_with_the_hidden_id_in_the_selection_leave_it_untouched(
    outsider, world, action
):
    token = hidden_fields(outsider.get("/review/").text)["csrf_token"]
    outsider.post(
        "/review/bulk",
        data={
            "csrf_token": token,
            "scope": "selected",
            "ids": [str(world.hidden.id), str(world.visible.id)],
            "filter": "",
            **action,
        },
    )
    db.session.expire_all()
    hidden = db.session.get(Application, world.hidden.id)
    visible = db.session.get(Application, world.visible.id)
    assert hidden.status == Status.NEW.value
    assert [tag.name for tag in hidden.tags] == ["photo"]
    # The visible one in the same selection was changed.
    assert Status.ON_HOLD.value == visible.status or "gone" in [t.name for t in visible.tags]


def test_nobody_who_may_not_see_them_is_told_about_them(app, world):
    add_comment(world.hidden, "@Otar Outsider and @Nana Named, please look", by=world.admin)
    told = db.session.scalars(
        select(Notification.user_id).where(
            Notification.application_id == world.hidden.id,
            Notification.event == NotificationEvent.MENTIONED.value,
        )
    ).all()
    assert told == [world.named.id]
    rows = notify(
        NotificationEvent.REPLIED,
        users=[world.editor, world.named, world.admin],
        application=world.hidden,
    )
    assert sorted(row.user_id for row in rows) == sorted([world.named.id, world.admin.id])
    # A deadline of the assignment given to the expert they became: the candidate is theirs.
    assignment = db.session.get(Assignment, world.objects["assignment_id"])
    assignment.application = None
    rows = notify(
        NotificationEvent.DEADLINE_NEAR, users=[world.editor, world.named], assignment=assignment
    )
    assert [row.user_id for row in rows] == [world.named.id]
    db.session.rollback()


def test_a_copy_of_their_sample_is_no_copy_to_outsiders(app, world):
    copies = InboxFilter.from_args({"possible_copy": "yes"})
    originals = InboxFilter.from_args({"possible_copy": "no"})
    with app.test_request_context():
        assert count_filtered(copies, user=world.editor) == 0
        assert count_filtered(originals, user=world.editor) == 2
        assert count_filtered(copies, user=world.admin) == 2
        flags = {
            row.id: row.possible_copy for row in inbox_page(InboxFilter(), user=world.editor).rows
        }
        assert flags == {world.visible.id: False, world.relative.id: False}
        flags = {
            row.id: row.possible_copy for row in inbox_page(InboxFilter(), user=world.admin).rows
        }
        assert flags[world.visible.id] is True


def test_relatives_and_versions_leave_them_out_for_outsiders(app, world):
    assert relatives_of(world.relative, viewer=world.editor).related == []
    assert [a.id for a in relatives_of(world.relative, viewer=world.named).related] == [
        world.hidden.id
    ]
    assert [a.id for a in relatives_of(world.relative).related] == [world.hidden.id]


def test_releasing_every_draft_leaves_theirs_to_those_who_may_see_them(outsider, world):
    token = hidden_fields(outsider.get("/review/outbox").text)["csrf_token"]
    outsider.post("/review/outbox/release-drafts", data={"csrf_token": token})
    email = db.session.get(OutboxEmail, world.objects["email_id"], populate_existing=True)
    assert email.status == "draft"
