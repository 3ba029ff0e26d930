"""Applicants at risk: what they asked for, and which editors need to know about them.

An applicant may say that publishing under their own name, or being known to work with us,
could put them at risk (the application form's optional question). Then an ApplicantSafety
row holds what they asked for, and only admins and the editors an admin names – for the
call, or for that one candidate – may see the application (tracker.inbox.scope enforces it;
here the lists are kept). Each naming and unnaming is audited.

The applicant's answers are checked here, not only by the form: whoever calls
:func:`tracker.applications.submit.submit_application` gets the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import Role, SafeChannel
from tracker.extensions import db
from tracker.models import (
    ApplicantSafety,
    Application,
    ApplicationNeedToKnow,
    Call,
    CallNeedToKnow,
    Rating,
    Recusal,
    User,
)

# What an applicant at risk is promised when nothing is configured (RETENTION_DAYS_AT_RISK).
DEFAULT_RETENTION_DAYS_AT_RISK = 30
HANDLE_MAX = 200
# Control characters never belong in a handle: it is shown in one line on staff pages.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NeedToKnowError(Exception):
    """An account cannot be named (or unnamed) for applicants at risk; *message* says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class SafetyAnswers:
    """What an applicant who said yes asked for: a pseudonymous byline, no mail to a work
    address, a safe channel and their handle on it (each optional)."""

    wants_pseudonym: bool = False
    avoid_work_address: bool = False
    safe_channel: str | None = None
    safe_channel_handle: str | None = None


def retention_days_at_risk() -> int:
    """Return the days after which an at-risk applicant we do not work with is erased."""
    return int(current_app.config.get("RETENTION_DAYS_AT_RISK", DEFAULT_RETENTION_DAYS_AT_RISK))


def safety_problems(answers: SafetyAnswers | None) -> dict[str, str]:
    """Return a message per field of the question of risk that cannot be stored as given.

    Only a yes is checked (*answers* None is "no" or no answer: nothing is stored). The keys
    are the names of SafetyAnswers' fields.
    """
    if answers is None:
        return {}
    channel, handle = answers.safe_channel, answers.safe_channel_handle or ""
    if channel and channel not in set(SafeChannel):
        return {"safe_channel": _l("Please choose a channel from the list.")}
    if len(handle) > HANDLE_MAX or _CONTROL.search(handle):
        return {
            "safe_channel_handle": _l(
                "Please write your contact on one line, in at most %(n)s characters.",
                n=HANDLE_MAX,
            )
        }
    if handle and not channel:
        return {
            "safe_channel": _l(
                "Please choose the channel your contact is for, or leave the contact empty."
            )
        }
    if channel == SafeChannel.OTHER and not handle:
        return {
            "safe_channel_handle": _l(
                "Please name the channel and how we reach you on it, or choose another channel."
            )
        }
    return {}


def safety_row(call: Call, answers: SafetyAnswers | None) -> ApplicantSafety | None:
    """Return the ApplicantSafety row for an application to *call*, or None if the
    applicant did not say they could be at risk. The answers must be free of
    :func:`safety_problems`."""
    if answers is None:
        return None
    return ApplicantSafety(
        call_id=call.id,
        wants_pseudonym=bool(answers.wants_pseudonym),
        avoid_work_address=bool(answers.avoid_work_address),
        safe_channel=answers.safe_channel or None,
        safe_channel_handle=answers.safe_channel_handle or None,
    )


def safety_record(application: Application) -> dict | None:
    """Return the applicant's answers as their subject-access export lists them."""
    safety = application.safety
    if safety is None:
        return None
    return {
        "at_risk": True,
        "wants_pseudonym": safety.wants_pseudonym,
        "avoid_work_address": safety.avoid_work_address,
        "safe_channel": safety.safe_channel,
        "safe_channel_handle": safety.safe_channel_handle,
    }


# -- need to know -------------------------------------------------------------------------


def _refuse_unnameable(user: User) -> None:
    """Raise NeedToKnowError unless *user* is an active editor."""
    if user.is_admin:
        raise NeedToKnowError(
            _l("%(name)s is an admin and sees every applicant at risk already.", name=user.name)
        )
    if user.is_guest:
        raise NeedToKnowError(
            _l(
                "Guest reviewers never see applicants at risk; %(name)s cannot be named.",
                name=user.name,
            )
        )
    if not user.active:
        raise NeedToKnowError(
            _l("%(name)s's account is inactive and cannot be named.", name=user.name)
        )


def _name(model, key: dict, user: User, *, by: User, event: str, **about) -> bool:
    """Add *user* to a need-to-know list (*model* rows under *key*), audited, and commit;
    False if they are on it already (nothing is written)."""
    _refuse_unnameable(user)
    begin_write()
    if db.session.get(model, {**key, "user_id": user.id}) is not None:
        db.session.rollback()
        return False
    db.session.add(model(**key, user_id=user.id, added_by_id=by.id))
    record_event(event, actor=by, user_id=user.id, **about)
    db.session.commit()
    return True


def _unname(model, key: dict, user: User, *, by: User, event: str, **about) -> bool:
    """Take *user* off a need-to-know list, audited, and commit; False if they were not on
    it (a colleague removed them first)."""
    begin_write()
    removed = db.session.execute(delete(model).filter_by(**key, user_id=user.id)).rowcount
    if not removed:
        db.session.rollback()
        return False
    record_event(event, actor=by, user_id=user.id, **about)
    db.session.commit()
    return True


def name_for_call(call: Call, user: User, *, by: User) -> bool:
    """Let the editor *user* see the applicants at risk of *call*, and commit.

    :returns: False if they were named for the call already (nothing is written).
    :raises NeedToKnowError: *user* is an admin, a guest reviewer or inactive.
    """
    key = {"call_id": call.id}
    return _name(CallNeedToKnow, key, user, by=by, event="need_to_know.named_for_call", **key)


def unname_for_call(call: Call, user: User, *, by: User) -> bool:
    """Take *user* off the list of editors who see *call*'s applicants at risk, and commit.

    :returns: False if they were not on it.
    """
    key = {"call_id": call.id}
    return _unname(CallNeedToKnow, key, user, by=by, event="need_to_know.unnamed_for_call", **key)


def name_for_candidate(application: Application, user: User, *, by: User) -> bool:
    """Let the editor *user* see the one applicant at risk *application*, and commit.

    :returns: False if they were named for the candidate already (nothing is written).
    :raises NeedToKnowError: *user* is an admin, a guest reviewer or inactive.
    """
    return _name(
        ApplicationNeedToKnow,
        {"application_id": application.id},
        user,
        by=by,
        event="need_to_know.named_for_candidate",
        application=application,
    )


def unname_for_candidate(application: Application, user: User, *, by: User) -> bool:
    """Take *user* off *application*'s own need-to-know list, and commit.

    (Named for the call, they still see it: that list is the call's.)

    :returns: False if they were not on it.
    """
    return _unname(
        ApplicationNeedToKnow,
        {"application_id": application.id},
        user,
        by=by,
        event="need_to_know.unnamed_for_candidate",
        application=application,
    )


def named_for_call(call: Call) -> list[CallNeedToKnow]:
    """Return the editors named for *call*'s applicants at risk, by name."""
    return list(
        db.session.scalars(
            select(CallNeedToKnow)
            .join(CallNeedToKnow.user)
            .where(CallNeedToKnow.call_id == call.id)
            .order_by(User.name, User.id)
        )
    )


def nameable_editors(*, besides: list[User]) -> list[User]:
    """Return the active editors, by name, but those in *besides* (named already)."""
    named = {user.id for user in besides}
    editors = db.session.scalars(
        select(User).where(User.active, User.role == Role.EDITOR).order_by(User.name, User.id)
    )
    return [user for user in editors if user.id not in named]


@dataclass
class NeedToKnow:
    """Who may see one applicant at risk: every admin, and the editors named for its call
    or for it alone (each row says who named them, and when)."""

    admins: list[User] = field(default_factory=list)
    for_call: list[CallNeedToKnow] = field(default_factory=list)
    for_candidate: list[ApplicationNeedToKnow] = field(default_factory=list)

    def editors(self) -> list[User]:
        """Return every named editor once, by name."""
        users = {row.user.id: row.user for row in [*self.for_call, *self.for_candidate]}
        return sorted(users.values(), key=lambda user: (user.name, user.id))


def need_to_know(application: Application) -> NeedToKnow:
    """Return who may see *application* (an applicant at risk), for display."""
    admins = db.session.scalars(
        select(User).where(User.active, User.role == Role.ADMIN).order_by(User.name, User.id)
    )
    for_candidate = db.session.scalars(
        select(ApplicationNeedToKnow)
        .join(ApplicationNeedToKnow.user)
        .where(ApplicationNeedToKnow.application_id == application.id)
        .order_by(User.name, User.id)
    )
    return NeedToKnow(
        admins=list(admins),
        for_call=named_for_call(application.call),
        for_candidate=list(for_candidate),
    )


def has_judged(application: Application, user: User) -> bool:
    """Tell whether *user* rated *application* or declared a conflict of interest: only
    then does a named editor see what the applicant at risk asked for (a yes must never
    weigh on a first rating)."""
    rated = select(Rating.id).where(
        Rating.application_id == application.id, Rating.user_id == user.id
    )
    recused = select(Recusal.id).where(
        Recusal.application_id == application.id, Recusal.user_id == user.id
    )
    return db.session.scalar(rated.union_all(recused).limit(1)) is not None
