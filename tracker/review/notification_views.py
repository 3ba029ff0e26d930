"""A staff member's notifications (list, open, mark all read) and their settings page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.labels import option_labels
from tracker.notifications.core import candidate_link, describe
from tracker.notifications.inbox import mark_all_read, notifications_page, open_notification
from tracker.notifications.settings import SettingsError, save_settings, settings_of
from tracker.review import bp
from tracker.review.notification_forms import (
    DELIVERY_LABELS,
    EVENT_LABELS,
    delivery_field,
    follow_field,
    read_settings,
)
from tracker.web.access import staff


@bp.get("/notifications")
@staff
def notifications():
    """List the signed-in person's notifications, newest first, unread marked."""
    page = notifications_page(current_user, request.args.get("page", 1, type=int))
    return render_template("review/notifications.html", page=page, describe=describe)


@bp.post("/notifications/<int:notification_id>/open")
@staff
def open_notification_view(notification_id: int):
    """Mark one of one's own notifications read and go to what it is about."""
    row = open_notification(notification_id, by=current_user)
    if row is None:
        abort(404)
    return redirect(candidate_link(row, external=False) or url_for("review.notifications"))


@bp.post("/notifications/read")
@staff
def mark_notifications_read():
    """Mark all of one's notifications read."""
    mark_all_read(by=current_user)
    flash(gettext("All notifications are marked as read."), "success")
    return redirect(url_for("review.notifications"))


@bp.route("/settings", methods=["GET", "POST"])
@staff
def settings():
    """Choose the language of notification emails, how to hear of each event, and the
    regions one follows."""
    current, calls = settings_of(current_user)
    if request.method == "POST":
        return save_settings_form(calls)
    return render_template(
        "review/settings.html",
        current=current,
        calls=calls,
        region_labels=option_labels,
        event_labels=EVENT_LABELS,
        delivery_labels=DELIVERY_LABELS,
        delivery_field=delivery_field,
        follow_field=follow_field,
    )


def save_settings_form(calls) -> Response:
    """Save the settings the form sent for *calls*, say how it went, and show them again."""
    chosen = read_settings(request.form, calls)
    try:
        if chosen is None:  # a value the form does not offer
            raise SettingsError("a choice that is not offered")
        save_settings(chosen, by=current_user)
    except SettingsError:
        flash(gettext("Please choose one of the options offered."), "error")
    else:
        flash(gettext("Your notification settings are saved."), "success")
    return redirect(url_for("review.settings"))
