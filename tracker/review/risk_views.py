"""Naming the editors who may see one applicant at risk (the candidate page, admins only).

Editors named for the candidate's call see it anyway; the call's list is changed on the
admin's call page (tracker.admin.need_to_know_views).
"""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin.need_to_know_views import change_need_to_know
from tracker.applications.risk import name_for_candidate, unname_for_candidate
from tracker.extensions import db
from tracker.models import Application
from tracker.review import bp
from tracker.web.access import admin


def _back_to_candidate(application_id: int):
    extra = {"from": request.args["from"]} if request.args.get("from") else {}
    return redirect(
        url_for("review.candidate", application_id=application_id, _anchor="need-to-know", **extra)
    )


@bp.post("/applications/<int:application_id>/need-to-know", endpoint="name_for_candidate")
@admin
def name_for_candidate_view(application_id: int):
    """Let an editor see this one applicant at risk."""
    application = db.get_or_404(Application, application_id)
    return change_need_to_know(
        lambda user: name_for_candidate(application, user, by=current_user),
        done=_("%(name)s may now see this candidate."),
        unchanged=_("%(name)s was on the list already."),
        back=_back_to_candidate(application_id),
    )


@bp.post("/applications/<int:application_id>/need-to-know/remove", endpoint="unname_for_candidate")
@admin
def unname_for_candidate_view(application_id: int):
    """Take an editor off this candidate's own list (the call's list stays as it is)."""
    application = db.get_or_404(Application, application_id)
    return change_need_to_know(
        lambda user: unname_for_candidate(application, user, by=current_user),
        done=_("%(name)s was taken off this candidate's list."),
        unchanged=_("%(name)s was not on this candidate's list."),
        back=_back_to_candidate(application_id),
    )
