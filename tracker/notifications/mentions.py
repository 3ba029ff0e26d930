"""Mentions in comments: "@Nino Beridze" or "@Nino", read on the server when it is saved."""

from __future__ import annotations

from sqlalchemy import select

from tracker.enums import STAFF_ROLES
from tracker.extensions import db
from tracker.models import User


def mentionable() -> list[User]:
    """Return the active team members one can mention, by name (guest reviewers are not
    of the team)."""
    return list(
        db.session.scalars(
            select(User).where(User.active, User.role.in_(STAFF_ROLES)).order_by(User.name)
        )
    )


def _ends_word(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] in "-_")


def mentioned_in(body: str, members: list[User] | None = None) -> list[User]:
    """Return the team members *body* mentions, each once, in the order first mentioned.

    A mention is ``@`` followed by a member's full name, or by a first name that exactly
    one active member has; case does not matter. A first name two members share mentions
    nobody (which one was meant?), and inactive accounts are never mentioned.
    """
    members = mentionable() if members is None else members
    by_first: dict[str, list[User]] = {}
    for member in members:
        first = member.name.split()[0].casefold() if member.name.split() else ""
        by_first.setdefault(first, []).append(member)
    # Longest names first, so "@Nino Beridze" is not read as "@Nino" of another Nino.
    full_names = sorted(members, key=lambda member: len(member.name), reverse=True)
    folded = body.casefold()
    found: dict[int, User] = {}
    start = folded.find("@")
    while start != -1:
        rest = start + 1
        match = next(
            (
                member
                for member in full_names
                if member.name.strip()
                and folded.startswith(member.name.casefold(), rest)
                and _ends_word(folded, rest + len(member.name.casefold()))
            ),
            None,
        )
        if match is None:
            for first, owners in by_first.items():
                if (
                    first
                    and len(owners) == 1
                    and folded.startswith(first, rest)
                    and _ends_word(folded, rest + len(first))
                ):
                    match = owners[0]
                    break
        if match is not None:
            found.setdefault(match.id, match)
        start = folded.find("@", rest)
    return list(found.values())
