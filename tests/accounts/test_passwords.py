"""Staff password rules (ASVS level 2): not easy to guess, not the account's own name or
address, none of its last 5 passwords; refused with a reason on every page that sets one."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tests.conftest import PASSWORD, hidden_fields, login_as
from tracker.accounts import invitations, password_rules, passwords
from tracker.accounts.common import PASSWORD_HISTORY
from tracker.extensions import db
from tracker.models import PasswordHistoryEntry, User

ADDRESS = "ana.schmidt@example.org"
STRONG = "violet harbour lantern"
# Five strong passwords, chosen one after another after the fixture's PASSWORD.
LATER = [
    "copper meadow thistle",
    "quiet glacier orchard",
    "amber tunnel pelican",
    "silver quarry lagoon",
    "banana bread for breakfast",
]

COMMON = (
    "This password is too easy to guess: it is one of the most common passwords or close to one."
)
REPEATS = "This password is too easy to guess: it repeats a character or a group of characters."
PERSONAL = "Your password must not contain your name or your email address."
USED = (
    "You have used this password before. Please choose one that differs from your last 5 passwords."
)
# The examples of the issue that were accepted before, and why each is refused now.
WEAK = [
    ("aaaaaaaaaaaa", REPEATS),
    ("password1234", COMMON),
    ("123456789012", COMMON),
    (ADDRESS, PERSONAL),
]


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Hash with one PBKDF2 round: these tests check which passwords are refused, not how
    hard they are hashed (checking the history costs a hash per remembered password)."""

    def quick(password):
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    monkeypatch.setattr(passwords, "generate_password_hash", quick)


@pytest.fixture
def ana(make_user):
    return make_user(ADDRESS, name="Ana Schmidt")


def field_error(page: str) -> str:
    """Return the error shown at the new-password field of *page*."""
    match = re.search(
        r'<p class="field-error" id="new_password-error">'
        r'<span class="visually-hidden">[^<]*</span> (.*?)</p>',
        page,
        re.S,
    )
    assert match, page
    return html.unescape(match.group(1))


def history_of(user: User) -> list[str]:
    """Return the remembered password hashes of *user*, newest first."""
    return list(
        db.session.scalars(
            select(PasswordHistoryEntry.password_hash)
            .where(PasswordHistoryEntry.user_id == user.id)
            .order_by(PasswordHistoryEntry.id.desc())
        )
    )


def current_hash(user: User) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


# --- through the three pages where a password is chosen --------------------------------------


def change_on_page(client, new: str, *, current: str = PASSWORD):
    page = client.get("/auth/password?lang=en")
    return client.post(
        "/auth/password?lang=en",
        data={
            **hidden_fields(page.text),
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
        },
    )


def reset_on_page(client, user: User, new: str, *, lang: str = "en"):
    link = f"/auth/reset/{passwords.make_password_reset_token(user)}?lang={lang}"
    page = client.get(link)
    return client.post(
        link, data={**hidden_fields(page.text), "new_password": new, "confirm_password": new}
    )


def join_on_page(client, user: User, new: str):
    link = f"/team/join/{invitations.make_invitation_token(user)}?lang=en"
    page = client.get(link)
    return client.post(
        link, data={**hidden_fields(page.text), "new_password": new, "confirm_password": new}
    )


@pytest.fixture
def invitee(app):
    return invitations.invite_user(
        "lela.reporter@example.org", name="Lela Reporter", role="editor", by=None, language="en"
    )


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_change_password_page_refuses_weak_passwords(app, ana, password, reason):
    client = app.test_client()
    login_as(client, ana)
    before = current_hash(ana)

    response = change_on_page(client, password)

    assert response.status_code == 400
    assert field_error(response.text) == reason
    assert current_hash(ana) == before
    assert history_of(ana) == []


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_reset_page_refuses_weak_passwords(app, ana, password, reason):
    before = current_hash(ana)

    response = reset_on_page(app.test_client(), ana, password)

    assert response.status_code == 400
    assert field_error(response.text) == reason
    assert current_hash(ana) == before


@pytest.mark.parametrize(
    ("password", "reason"),
    [*WEAK[:3], ("lela.reporter@example.org", PERSONAL), ("Lela Reporter 2026", PERSONAL)],
)
def test_invitation_page_refuses_weak_passwords(app, invitee, password, reason):
    before = current_hash(invitee)

    response = join_on_page(app.test_client(), invitee, password)

    assert response.status_code == 400
    assert field_error(response.text) == reason
    assert current_hash(invitee) == before


def test_change_password_page_refuses_a_previous_password(app, ana):
    passwords.change_password(ana, PASSWORD, STRONG, by=ana)
    client = app.test_client()
    login_as(client, db.session.get(User, ana.id))

    response = change_on_page(client, PASSWORD, current=STRONG)

    assert response.status_code == 400
    assert field_error(response.text) == USED
    assert check_password_hash(current_hash(ana), STRONG)


def test_reset_page_refuses_the_current_password(app, ana):
    response = reset_on_page(app.test_client(), ana, PASSWORD)

    assert response.status_code == 400
    assert field_error(response.text) == USED


def test_reset_page_gives_the_reason_in_german(app, ana):
    response = reset_on_page(app.test_client(), ana, "aaaaaaaaaaaa", lang="de")

    assert field_error(response.text) == (
        "Dieses Passwort ist zu leicht zu erraten: Es wiederholt ein Zeichen oder eine "
        "Zeichenfolge."
    )
    response = reset_on_page(app.test_client(), ana, PASSWORD, lang="de")
    assert field_error(response.text) == (
        "Sie haben dieses Passwort schon einmal verwendet. Bitte wählen Sie eines, das sich "
        "von Ihren letzten 5 Passwörtern unterscheidet."
    )


def test_every_page_accepts_a_strong_password(app, ana, invitee):
    client = app.test_client()
    login_as(client, ana)
    assert change_on_page(client, STRONG).status_code == 302
    assert check_password_hash(current_hash(ana), STRONG)

    assert reset_on_page(app.test_client(), ana, LATER[0]).status_code == 302
    assert check_password_hash(current_hash(ana), LATER[0])

    assert join_on_page(app.test_client(), invitee, STRONG).status_code == 302
    assert check_password_hash(current_hash(invitee), STRONG)
    # The invitee's placeholder was never a password: nothing to remember of it.
    assert history_of(invitee) == []


# --- the history ------------------------------------------------------------------------------


def reset(user: User, new: str) -> None:
    passwords.reset_password(passwords.make_password_reset_token(user), new)


def test_each_of_the_last_five_passwords_is_refused_and_the_sixth_is_allowed(app, ana):
    chosen = [PASSWORD]
    for new in LATER:
        passwords.change_password(ana, chosen[-1], new, by=ana)
        chosen.append(new)
        ana = db.session.get(User, ana.id)

    # The current password and the four before it are remembered: the last five.
    assert len(history_of(ana)) == PASSWORD_HISTORY - 1
    for old in chosen[-PASSWORD_HISTORY:]:
        with pytest.raises(password_rules.WeakPasswordError) as refused:
            reset(ana, old)
        with force_locale("en"):
            assert str(refused.value) == USED
        assert check_password_hash(current_hash(ana), chosen[-1])

    sixth = chosen[-PASSWORD_HISTORY - 1]
    reset(ana, sixth)
    assert check_password_hash(current_hash(ana), sixth)


def test_history_keeps_the_replaced_hashes_newest_first(app, ana):
    first = current_hash(ana)
    passwords.change_password(ana, PASSWORD, STRONG, by=ana)
    second = current_hash(ana)
    reset(db.session.get(User, ana.id), LATER[0])

    assert history_of(ana) == [second, first]


def test_history_is_removed_with_the_account(app, ana, make_user):
    other = make_user("ben@example.org", name="Ben")
    passwords.change_password(ana, PASSWORD, STRONG, by=ana)
    passwords.change_password(other, PASSWORD, STRONG, by=other)
    assert len(history_of(ana)) == 1

    # Deleted in SQL, not through the ORM: the database's ON DELETE CASCADE does it.
    db.session.execute(delete(User).where(User.id == ana.id))
    db.session.commit()

    owners = db.session.scalars(select(PasswordHistoryEntry.user_id)).all()
    assert owners == [other.id]
    assert db.session.scalar(select(func.count()).select_from(PasswordHistoryEntry)) == 1


# --- the rules one by one -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "ana.schmidt@example.org",
        "my ANA.SCHMIDT password",  # the local part, in any case
        "anaschmidt rides home",  # the name without its space
        "Schmidt rides bicycles",  # one word of the name
        "rides bicycles as Schmídt",  # with an accent
    ],
)
def test_own_name_or_address_is_refused(app, ana, password):
    with pytest.raises(password_rules.WeakPasswordError) as refused:
        password_rules.check_new_password(ana, password)
    with force_locale("en"):
        assert str(refused.value) == PERSONAL


def test_short_parts_of_a_name_are_not_looked_for(app, ana):
    # "Ana" is in "banana", but three letters would refuse far too many good passwords.
    password_rules.check_new_password(ana, "banana bread for breakfast")


@pytest.mark.parametrize(
    ("password", "kind"),
    [
        ("aaaaaaaaaaaa", "repeat"),
        ("password1234", "passwords"),
        ("abcdefghijklmn", "sequence"),
        ("zxcvbnm,./;lkj", "spatial"),
        ("williamsjohnson", "names"),
        ("thermodynamics", "words"),
        ("1987-06-15x", "date"),
        ("5chm1dt4n4!", "user_inputs"),  # the surname in l33t
        ("kq9z!x", "other"),
        (PASSWORD, None),
        (STRONG, None),
    ],
)
def test_guessability_names_the_weakness(password, kind):
    inputs = [ADDRESS, "ana.schmidt", "Ana Schmidt", "Ana", "Schmidt"]
    assert password_rules.guessability(password, inputs) == kind


def test_every_weakness_has_its_own_message_in_german(app):
    with force_locale("de"):
        texts = {str(message) for message in password_rules.TOO_EASY.values()}
    assert len(texts) == len(password_rules.TOO_EASY)
    assert all(text.startswith("Dieses Passwort ist zu leicht zu erraten") for text in texts)


def test_generated_one_time_passwords_are_unaffected(app):
    from tracker.accounts.users import create_user

    user, one_time = create_user("lena.weber@example.org", name="Lena Weber")
    assert check_password_hash(user.password_hash, one_time)
    assert len(one_time) == 16
