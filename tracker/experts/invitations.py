"""Inviting experts of the pool to apply to a new call.

An editor filters the directory, sees who would be invited (:func:`plan_invitations`:
experts not yet invited to that call, paused ones skipped), then sends: one
EXPERT_INVITATION email per expert, in the expert's language, with the call's public
form as ``{{ call_link }}``, and one ExpertInvitation row per expert and call – all in
one transaction (:func:`invite_experts`). Invited once, never twice: the row's key is
(expert, call).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import Availability, EmailTemplateKey
from tracker.experts.directory import experts_query
from tracker.experts.filter import ExpertFilter
from tracker.extensions import db
from tracker.mail.discretion import discretion_for
from tracker.mail.fillins import refusal, unfilled_parts
from tracker.mail.outbox import queue_rendered
from tracker.mail.templates import RenderedEmail, load_source, render
from tracker.models import Call, Expert, ExpertInvitation, OutboxEmail, User
from tracker.ui_languages import localized
from tracker.urls import external_url


class InvitationError(ValueError):
    """The invitations cannot be sent; the message says why."""


@dataclass
class InvitationPlan:
    """Who an invitation to *call* would reach among the experts a filter matches."""

    call: Call
    invite: list[Expert] = field(default_factory=list)
    # Matching, but invited to this call before, or paused: not written to.
    invited_before: list[Expert] = field(default_factory=list)
    paused: list[Expert] = field(default_factory=list)


def check_call(call: Call | None) -> Call:
    """Return *call* if experts may be invited to it (it takes applications now)."""
    if call is None or not call.accepts_applications():
        raise InvitationError(_("Please choose a call that is open for applications."))
    return call


def plan_invitations(f: ExpertFilter, call: Call, *, by: User) -> InvitationPlan:
    """Return who of the experts *f* matches (those *by* may see) would be invited to *call*."""
    if not f.is_filtered:
        raise InvitationError(_("Please filter the directory before inviting experts."))
    check_call(call)
    invited = set(
        db.session.scalars(
            select(ExpertInvitation.expert_id).where(ExpertInvitation.call_id == call.id)
        )
    )
    plan = InvitationPlan(call=call)
    for expert in db.session.scalars(experts_query(f, viewer=by)):
        if expert.id in invited:
            plan.invited_before.append(expert)
        elif expert.availability == Availability.PAUSED.value:
            plan.paused.append(expert)
        else:
            plan.invite.append(expert)
    return plan


def invitation_email(expert: Expert, call: Call, *, by: User | None) -> RenderedEmail:
    """Render the invitation to *call* for *expert*, in their language (else German)."""
    source = load_source(EmailTemplateKey.EXPERT_INVITATION, expert.preferred_language)
    config = current_app.config
    words = expert.full_name.split()
    values = {
        "first_name": words[0] if words else expert.full_name,
        "full_name": expert.full_name,
        "call_title": localized(call.title, source.language),
        "call_link": external_url("apply.apply", slug=call.slug),
        "editor_name": by.name if by is not None else "",
        "desk_email": config["DESK_EMAIL"],
        "site_name": config["SITE_NAME"],
    }
    rendered = render(source, values, discretion=discretion_for(expert=expert))
    parts = unfilled_parts(rendered.subject, rendered.body_text)
    if parts:  # nobody can fill in a part of fifty emails at once
        raise InvitationError(refusal(parts))
    return rendered


def invite_experts(f: ExpertFilter, call: Call, *, by: User) -> list[OutboxEmail]:
    """Queue an invitation to *call* for each expert :func:`plan_invitations` would invite,
    record them, and commit – all or nothing.

    :raises InvitationError: no filter, a closed call, or a template with unfilled parts.
    """
    begin_write()
    try:
        plan = plan_invitations(f, call, by=by)
        emails = []
        for expert in plan.invite:
            email = queue_rendered(
                invitation_email(expert, call, by=by), to_address=expert.email, created_by=by
            )
            email.expert_id = expert.id
            db.session.add(
                ExpertInvitation(expert_id=expert.id, call_id=call.id, invited_by_id=by.id)
            )
            emails.append(email)
        record_event(
            "expert.invited",
            actor=by,
            call=call.id,
            experts=[expert.id for expert in plan.invite],
        )
        db.session.commit()
    except IntegrityError as error:
        # A colleague invited some of them to this call at the same moment: nothing is sent
        # twice, and the preview, shown again, says who is left.
        db.session.rollback()
        raise InvitationError(
            _("Some of these experts were invited meanwhile. Please check the preview again.")
        ) from error
    except BaseException:
        db.session.rollback()
        raise
    return emails
