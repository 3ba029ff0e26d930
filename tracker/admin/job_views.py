"""Background jobs for admins: what waits, runs or failed, and retrying a failed one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.jobs.listing import JOB_STATUS_LABELS, JobActionError, job_counts, jobs_page
from tracker.jobs.listing import retry_job as retry_failed_job
from tracker.jobs.registry import kind_label
from tracker.web.access import admin


@bp.get("/jobs")
@admin
def jobs():
    """List the waiting, running and failed jobs, newest first; count the done ones."""
    return render_template(
        "admin/jobs.html",
        page=jobs_page(request.args.get("page", 1, type=int)),
        counts=job_counts(),
        status_labels=JOB_STATUS_LABELS,
        kind_label=kind_label,
    )


@bp.post("/jobs/<int:job_id>/retry")
@admin
def retry_job(job_id: int):
    """Queue a failed job again."""
    try:
        retry_failed_job(job_id, by=current_user._get_current_object())
    except JobActionError as error:
        flash(str(error), "error")
    else:
        flash(_("The job is queued again and will run in a moment."), "success")
    return redirect(url_for("admin.jobs"))
