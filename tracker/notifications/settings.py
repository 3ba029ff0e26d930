"""Each person's notification settings: email language, a choice per event, followed regions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select

from tracker.audit import record_event
from tracker.calls import list_open_calls
from tracker.database import begin_write
from tracker.enums import Delivery, NotificationEvent
from tracker.extensions import db
from tracker.models import Call, NotificationChoice, UnfollowedRegion, User
from tracker.notifications.core import deliveries, language_of
from tracker.ui_languages import STAFF_LANGUAGES


class SettingsError(ValueError):
    """A setting cannot be saved as asked (an unknown language, event or choice)."""


@dataclass
class NotificationSettings:
    """What a person chose: the language of their emails, per event how to hear of it,
    and per open call (by id) the region keys they follow."""

    language: str
    choices: dict[NotificationEvent, Delivery]
    followed: dict[int, set[str]] = field(default_factory=dict)


def settings_of(user: User) -> tuple[NotificationSettings, list[Call]]:
    """Return *user*'s settings and the open calls whose regions they can follow."""
    calls = list_open_calls()
    choices = {event: deliveries([user], event)[user.id] for event in NotificationEvent}
    unfollowed = set(
        db.session.execute(
            select(UnfollowedRegion.call_id, UnfollowedRegion.region).where(
                UnfollowedRegion.user_id == user.id
            )
        ).all()
    )
    followed = {
        call.id: {
            region["key"] for region in call.regions if (call.id, region["key"]) not in unfollowed
        }
        for call in calls
    }
    return NotificationSettings(language_of(user), choices, followed), calls


def save_settings(settings: NotificationSettings, *, by: User) -> None:
    """Store *by*'s own notification settings and commit.

    A region of an open call not in ``settings.followed`` is unfollowed; calls that are not
    open keep what was chosen before.

    :raises SettingsError: an unknown language, or a region the call does not offer.
    """
    if settings.language not in STAFF_LANGUAGES:
        raise SettingsError(f"unknown language {settings.language!r}")
    calls = {call.id: call for call in list_open_calls()}
    for call_id, keys in settings.followed.items():
        offered = {region["key"] for region in calls[call_id].regions} if call_id in calls else ()
        if call_id not in calls or not set(keys) <= set(offered):
            raise SettingsError("a followed region must be one of an open call's")
    begin_write()
    by.language = settings.language
    db.session.execute(delete(NotificationChoice).where(NotificationChoice.user_id == by.id))
    for event, delivery in settings.choices.items():
        if Delivery(delivery) is not Delivery.DIGEST:  # the default needs no row
            db.session.add(
                NotificationChoice(
                    user_id=by.id, event=NotificationEvent(event).value, delivery=delivery
                )
            )
    db.session.execute(
        delete(UnfollowedRegion).where(
            UnfollowedRegion.user_id == by.id, UnfollowedRegion.call_id.in_(list(calls))
        )
    )
    for call in calls.values():
        chosen = settings.followed.get(call.id, set())
        for key in [region["key"] for region in call.regions if region["key"] not in chosen]:
            db.session.add(UnfollowedRegion(user_id=by.id, call_id=call.id, region=key))
    record_event("account.notification_settings", actor=by)
    db.session.commit()
